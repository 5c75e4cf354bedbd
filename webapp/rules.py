"""Pure domain rules: ages, VOG validity, who may be matched, what a referrer sees.

No Flask, no database session, no clock: every rule reads only its arguments, so it is the same in a view, a
service, the converter and a test. Rows from ``webapp.models`` satisfy the Protocols below.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Protocol

from webapp.enums import (
    PLACE_HOLDING_MATCH_STATUSES,
    IntakeOutcome,
    MatchStatus,
    ReferralStatus,
    ResidentStatus,
    VogStatus,
)

#: Reason code for a resident whose postcode area is not in the PC4 table (the engine never saw them).
NO_LOCATION = "no_location"


# --- Dates and ages -------------------------------------------------------------------------------------------


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on a day (a birthday counts from the day itself)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February becomes 28 February in a common year."""
    return years_after(day, -years)


def years_after(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- Matches --------------------------------------------------------------------------------------------------


def holds_place(status: MatchStatus) -> bool:
    """Whether a match in this status takes one of the volunteer's places and the resident."""
    return status in PLACE_HOLDING_MATCH_STATUSES


# --- Volunteers: who may be matched where ---------------------------------------------------------------------


class ScreenedVolunteer(Protocol):
    """What the eligibility rule reads from a volunteer (a ``Volunteer`` row has all of it)."""

    @property
    def programme_codes(self) -> list[str]: ...

    intake_outcome: IntakeOutcome | None
    stopped_at: datetime | None
    capacity: int
    places_taken: int
    vog_status: VogStatus
    vog_issued_on: date | None


class ProgrammePolicy(Protocol):
    """What the eligibility rule reads from a programme (a ``Programme`` row has all of it)."""

    requires_vog: bool
    active: bool


class Blocker(enum.StrEnum):
    """Why a volunteer may not (yet) be matched in a programme."""

    UNKNOWN_PROGRAMME = "unknown_programme"
    PROGRAMME_INACTIVE = "programme_inactive"
    NOT_SUITABLE = "not_suitable"
    STOPPED = "stopped"
    NO_FREE_CAPACITY = "no_free_capacity"
    VOG_MISSING = "vog_missing"
    VOG_EXPIRED = "vog_expired"


def vog_is_valid(volunteer: ScreenedVolunteer, today: date, vog_valid_years: int) -> bool:
    """An issued VOG counts from its issue date up to and including the same date ``vog_valid_years`` later."""
    issued = volunteer.vog_issued_on
    return (
        volunteer.vog_status is VogStatus.AFGEGEVEN
        and issued is not None
        and years_before(today, vog_valid_years) <= issued <= today
    )


def vog_valid_until(volunteer: ScreenedVolunteer, vog_valid_years: int) -> date | None:
    """The last day an issued VOG counts, or None when there is no issued VOG."""
    if volunteer.vog_status is not VogStatus.AFGEGEVEN or volunteer.vog_issued_on is None:
        return None
    return years_after(volunteer.vog_issued_on, vog_valid_years)


def eligibility_blockers(
    volunteer: ScreenedVolunteer,
    programmes_by_code: Mapping[str, ProgrammePolicy],
    today: date,
    vog_valid_years: int,
) -> dict[str, list[Blocker]]:
    """For each of the volunteer's programmes, what stands in the way of matching there (empty: nothing).

    The rule: the intake outcome is ``geschikt``; the volunteer has not stopped; at least one place is free
    (capacity minus places taken); the programme is known and active; and where the programme requires a VOG,
    the VOG is ``afgegeven`` with an issue date within the last ``vog_valid_years`` years (not in the future).
    """
    general: list[Blocker] = []
    if volunteer.intake_outcome is not IntakeOutcome.GESCHIKT:
        general.append(Blocker.NOT_SUITABLE)
    if volunteer.stopped_at is not None:
        general.append(Blocker.STOPPED)
    if volunteer.capacity - volunteer.places_taken < 1:
        general.append(Blocker.NO_FREE_CAPACITY)
    vog_ok = vog_is_valid(volunteer, today, vog_valid_years)
    vog_blocker = Blocker.VOG_EXPIRED if volunteer.vog_status is VogStatus.AFGEGEVEN else Blocker.VOG_MISSING

    result: dict[str, list[Blocker]] = {}
    for code in volunteer.programme_codes:
        programme = programmes_by_code.get(code)
        blockers = list(general)
        if programme is None:
            blockers.insert(0, Blocker.UNKNOWN_PROGRAMME)
        else:
            if not programme.active:
                blockers.insert(0, Blocker.PROGRAMME_INACTIVE)
            if programme.requires_vog and not vog_ok:
                blockers.append(vog_blocker)
        result[code] = blockers
    return result


def eligible_programmes(
    volunteer: ScreenedVolunteer,
    programmes_by_code: Mapping[str, ProgrammePolicy],
    today: date,
    vog_valid_years: int,
) -> list[str]:
    """The codes of the programmes the volunteer may be matched in, in the volunteer's programme order.

    THE eligibility rule: the matching runs, approvals and the coordinator pages all use it (see
    ``eligibility_blockers``). A programme missing from ``programmes_by_code`` or not active is never eligible.
    For many ``Volunteer`` rows, load their ``programmes`` up front (``selectinload``).
    """
    blockers = eligibility_blockers(volunteer, programmes_by_code, today, vog_valid_years)
    return [code for code, reasons in blockers.items() if not reasons]


# --- Referrals: what the referrer sees ------------------------------------------------------------------------


class ReferredResident(Protocol):
    status: ResidentStatus
    intake_on: date | None


def referral_status(resident: ReferredResident, has_proposal: bool) -> ReferralStatus:
    """The minimal status a referrer sees: received, in progress (spoken to or proposed), matched, closed."""
    if resident.status is ResidentStatus.AFGESLOTEN:
        return ReferralStatus.AFGESLOTEN
    if resident.status is ResidentStatus.GEKOPPELD:
        return ReferralStatus.GEKOPPELD
    if resident.intake_on is not None or has_proposal:
        return ReferralStatus.IN_BEHANDELING
    return ReferralStatus.ONTVANGEN
