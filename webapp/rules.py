"""Pure domain rules: ages, VOG validity, who may be matched, what a referrer sees.

No Flask, no database session, no clock: every rule reads only its arguments, so it is the same in a view, a
service, the converter and a test. Rows from ``webapp.models`` satisfy the Protocols below.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from webapp.enums import (
    PLACE_HOLDING_MATCH_STATUSES,
    Attention,
    CheckInState,
    IntakeOutcome,
    MatchStatus,
    MatchStep,
    ReferralStatus,
    ResidentStatus,
    VogStatus,
)

#: Reason code for a resident whose postcode area is not in the PC4 table (the engine never saw them).
NO_LOCATION = "no_location"
#: Reason code for a waiting resident without consent for intake and matching (never given, or withdrawn): they are
#: in no run until they give it again (the same code as ``Blocker.NO_CONSENT`` for a volunteer).
NO_CONSENT = "no_consent"
#: Below this age a person's consent must come from a legal representative (the AVG's age in the Netherlands).
CONSENT_AGE = 16


# --- Dates and ages -------------------------------------------------------------------------------------------


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on a day (a birthday counts from the day itself)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def needs_representative(birth_date: date | None, on: date) -> bool:
    """Whether someone born on ``birth_date`` was too young on ``on`` to consent themselves (under 16): then a
    legal representative gives the consent. An unknown birth date does not require one."""
    return birth_date is not None and age_on(birth_date, on) < CONSENT_AGE


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February becomes 28 February in a common year."""
    return years_after(day, -years)


def years_after(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February in a common year."""
    return months_after(day, 12 * years)


def months_after(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or the month's last day when that is shorter (31 Jan -> 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


# --- Matches --------------------------------------------------------------------------------------------------


def holds_place(status: MatchStatus) -> bool:
    """Whether a match in this status takes one of the volunteer's places and the resident."""
    return status in PLACE_HOLDING_MATCH_STATUSES


def allowed_steps(status: MatchStatus, introduction_planned: bool) -> frozenset[MatchStep]:
    """What a coordinator may do next: plan the introduction, then move it, record its outcome or cancel it; once
    active, record check-ins and end it; nothing once ended."""
    if status is MatchStatus.KENNISMAKING:
        if introduction_planned:
            return frozenset({MatchStep.MOVE_INTRODUCTION, MatchStep.RECORD_OUTCOME, MatchStep.CANCEL_INTRODUCTION})
        return frozenset({MatchStep.PLAN_INTRODUCTION, MatchStep.CANCEL_INTRODUCTION})
    if status is MatchStatus.ACTIEF:
        return frozenset({MatchStep.CHECK_IN, MatchStep.END})
    return frozenset()


def waiting_since_after(waiting_since: date, started_on: date | None, ended_on: date) -> date:
    """The waiting list's day for a resident who comes back from a match: time in an active match does not count as
    waiting, the time waited before is kept (an introduction that came to nothing counts as waiting)."""
    if started_on is None or ended_on <= started_on:
        return waiting_since
    return waiting_since + (ended_on - started_on)


_OFFSET = re.compile(r"^\s*(\d{1,3})\s*([wm])\s*$")


@dataclass(frozen=True, order=True)
class Offset:
    """A moment after a match's start: a number of weeks or months (``6w``, ``3m``)."""

    months: int = 0
    weeks: int = 0

    def after(self, day: date) -> date:
        return months_after(day, self.months) + timedelta(weeks=self.weeks)

    def __str__(self) -> str:
        return f"{self.weeks}w" if self.weeks else f"{self.months}m"


def parse_schedule(text: str) -> tuple[Offset, ...]:
    """``"6w,3m,6m,12m"`` -> the check-in moments in order; ValueError for anything else (or an empty schedule)."""
    offsets = []
    for part in text.split(","):
        found = _OFFSET.match(part)
        if found is None or int(found.group(1)) == 0:
            raise ValueError(f"not a moment like 6w or 3m: {part!r}")
        number, unit = int(found.group(1)), found.group(2)
        offsets.append(Offset(weeks=number) if unit == "w" else Offset(months=number))
    moments = tuple(offsets)
    start = date(2001, 1, 31)  # any day: a month-end shows an order that only holds for some days
    if not moments or [m.after(start) for m in moments] != sorted({m.after(start) for m in moments}):
        raise ValueError(f"moments must be distinct and in increasing order: {text!r}")
    return moments


@dataclass(frozen=True)
class CheckInOutlook:
    """Where a match stands with its check-ins today: the first moment not yet covered, and how late it is."""

    state: CheckInState
    moment: Offset | None = None
    due_on: date | None = None
    days_late: int = 0


def check_in_outlook(
    started_on: date, held_on: Iterable[date], schedule: tuple[Offset, ...], today: date, window_days: int
) -> CheckInOutlook:
    """The first moment of the schedule that no check-in covers yet (one held on or after ``window_days`` before
    that moment covers it), and its state: not yet (more than ``window_days`` ahead), due (within ``window_days``
    either side), overdue (later than that), or all done."""
    latest = max(held_on, default=None)
    window = timedelta(days=window_days)
    for moment in schedule:
        due_on = moment.after(started_on)
        if latest is not None and latest >= due_on - window:
            continue
        days_late = max(0, (today - due_on).days)
        if today < due_on - window:
            return CheckInOutlook(CheckInState.NOT_YET, moment, due_on)
        if today <= due_on + window:
            return CheckInOutlook(CheckInState.DUE, moment, due_on, days_late)
        return CheckInOutlook(CheckInState.OVERDUE, moment, due_on, days_late)
    return CheckInOutlook(CheckInState.ALL_DONE)


def maximum_reached_on(started_on: date, max_months: int) -> date:
    """The day a match reaches its maximum duration (time for an ending talk)."""
    return months_after(started_on, max_months)


def near_maximum(started_on: date, today: date, max_months: int, notice_days: int) -> bool:
    """Whether a match is within ``notice_days`` of its maximum duration, or past it."""
    return today >= maximum_reached_on(started_on, max_months) - timedelta(days=notice_days)


@dataclass(frozen=True)
class MatchPolicy:
    """When check-ins fall due and when a match should have its ending talk (the settings, parsed)."""

    schedule: tuple[Offset, ...]
    window_days: int
    max_months: int
    notice_days: int


@dataclass(frozen=True)
class FollowUp:
    """What one match asks of its coordinator today: the most urgent attention and the facts behind it."""

    attention: Attention
    outlook: CheckInOutlook | None = None
    maximum_on: date | None = None
    near_maximum: bool = False

    @property
    def urgency(self) -> int:
        return list(Attention).index(self.attention)


class FollowedMatch(Protocol):
    status: MatchStatus
    introduction_on: date | None
    started_on: date | None


def follow_up(match: FollowedMatch, held_on: Iterable[date], policy: MatchPolicy, today: date) -> FollowUp:
    """The introduction to plan or its outcome to record; for an active match an overdue or due check-in, or the
    ending talk near its maximum duration; otherwise on track."""
    if match.status is MatchStatus.BEEINDIGD:
        return FollowUp(Attention.ENDED)
    if match.status is MatchStatus.KENNISMAKING or match.started_on is None:
        if match.introduction_on is None:
            return FollowUp(Attention.PLAN_INTRODUCTION)
        if match.introduction_on <= today:
            return FollowUp(Attention.RECORD_OUTCOME)
        return FollowUp(Attention.INTRODUCTION_PLANNED)
    outlook = check_in_outlook(match.started_on, held_on, policy.schedule, today, policy.window_days)
    maximum_on = maximum_reached_on(match.started_on, policy.max_months)
    near = near_maximum(match.started_on, today, policy.max_months, policy.notice_days)
    if outlook.state is CheckInState.OVERDUE:
        attention = Attention.CHECK_IN_OVERDUE
    elif near:
        attention = Attention.ENDING_TALK
    elif outlook.state is CheckInState.DUE:
        attention = Attention.CHECK_IN_DUE
    else:
        attention = Attention.ON_TRACK
    return FollowUp(attention, outlook, maximum_on, near)


def keeps_apart(excluded_until: date | None, undone: bool, today: date) -> bool:
    """Whether a rejection still keeps a pair apart: not undone, and for good or until a day not yet passed."""
    return not undone and (excluded_until is None or today <= excluded_until)


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
    rescreening_since: date | None
    # The AVG's restriction of processing: while set, the volunteer is not matched anywhere.
    restricted_at: datetime | None
    # Whether the volunteer's consent for intake and matching stands (given and not withdrawn).
    consents_to_matching: bool


class ProgrammePolicy(Protocol):
    """What the eligibility rule reads from a programme (a ``Programme`` row has all of it)."""

    requires_vog: bool
    active: bool


class Blocker(enum.StrEnum):
    """Why a volunteer may not (yet) be matched in a programme."""

    UNKNOWN_PROGRAMME = "unknown_programme"
    PROGRAMME_INACTIVE = "programme_inactive"
    NOT_SUITABLE = "not_suitable"
    RESCREENING = "rescreening"
    STOPPED = "stopped"
    NO_FREE_CAPACITY = "no_free_capacity"
    VOG_MISSING = "vog_missing"
    VOG_EXPIRED = "vog_expired"
    RESTRICTED = "restricted"
    NO_CONSENT = "no_consent"


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

    The rule: the intake outcome is ``geschikt`` and no ending over a safety concern sent the volunteer back to
    screening since; the volunteer has not stopped; processing of their data is not restricted (a data subject
    request under the AVG); their consent for intake and matching stands; at least one place is free
    (capacity minus places taken); the programme is known and active; and where the programme requires a VOG,
    the VOG is ``afgegeven`` with an issue date within the last ``vog_valid_years`` years (not in the future).
    """
    general: list[Blocker] = []
    if volunteer.intake_outcome is not IntakeOutcome.GESCHIKT:
        general.append(Blocker.NOT_SUITABLE)
    if volunteer.rescreening_since is not None:
        general.append(Blocker.RESCREENING)
    if volunteer.stopped_at is not None:
        general.append(Blocker.STOPPED)
    if volunteer.restricted_at is not None:
        general.append(Blocker.RESTRICTED)
    if not volunteer.consents_to_matching:
        general.append(Blocker.NO_CONSENT)
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
    intake_planned_on: date | None


def referral_status(resident: ReferredResident) -> ReferralStatus:
    """The minimal status a referrer sees: received; in progress once a coordinator made contact (an intake talk
    held or planned), also during the introduction to a buddy; matched only once the match is active; closed."""
    if resident.status is ResidentStatus.AFGESLOTEN:
        return ReferralStatus.AFGESLOTEN
    if resident.status is ResidentStatus.GEKOPPELD:
        return ReferralStatus.GEKOPPELD
    if (
        resident.status is ResidentStatus.KENNISMAKING
        or resident.intake_on is not None
        or resident.intake_planned_on is not None
    ):
        return ReferralStatus.IN_BEHANDELING
    return ReferralStatus.ONTVANGEN


class WaitingResident(Protocol):
    status: ResidentStatus
    intake_on: date | None


def may_be_matched(resident: WaitingResident) -> bool:
    """The intake gate: only a waiting resident with whom a coordinator held the intake talk takes part in runs."""
    return resident.status is ResidentStatus.WACHTEND and resident.intake_on is not None
