"""Volunteer screening: the intake talk, the VOG, capacity and programmes; stopping; who may be matched.

``eligible_programmes`` is THE eligibility rule: the matching runs and the coordinator pages both use it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import IntakeOutcome, Match, MatchStatus, Programme, User, VogStatus, Volunteer, utcnow
from webapp.services import audit
from webapp.services.errors import Conflict, DomainError

# ---------------------------------------------------------------------------------------------------------------
# Eligibility: a pure function of its arguments (no session, no clock, no configuration).
# ---------------------------------------------------------------------------------------------------------------


class ScreenedVolunteer(Protocol):
    """What the eligibility rule reads from a volunteer (a ``Volunteer`` row has all of it)."""

    @property
    def programme_codes(self) -> list[str]: ...

    intake_outcome: IntakeOutcome | None
    stopped_at: datetime | None
    capacity: int
    active_match_count: int
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


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


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
    issued = volunteer.vog_issued_on
    try:
        return issued.replace(year=issued.year + vog_valid_years)
    except ValueError:
        return issued.replace(year=issued.year + vog_valid_years, day=28)


def eligibility_blockers(
    volunteer: ScreenedVolunteer,
    programmes_by_code: Mapping[str, ProgrammePolicy],
    today: date,
    vog_valid_years: int,
) -> dict[str, list[Blocker]]:
    """For each of the volunteer's programmes, what stands in the way of matching there (empty: nothing).

    The rule: the intake outcome is ``geschikt``; the volunteer has not stopped; at least one place is free
    (capacity minus active matches); the programme is known and active; and where the programme requires a VOG,
    the VOG is ``afgegeven`` with an issue date within the last ``vog_valid_years`` years (not in the future).
    """
    general: list[Blocker] = []
    if volunteer.intake_outcome is not IntakeOutcome.GESCHIKT:
        general.append(Blocker.NOT_SUITABLE)
    if volunteer.stopped_at is not None:
        general.append(Blocker.STOPPED)
    if volunteer.capacity - volunteer.active_match_count < 1:
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

    Pure: it reads only its arguments (see ``eligibility_blockers`` for the rule). A programme missing from
    ``programmes_by_code`` or not active is never eligible. For many ``Volunteer`` rows, load their
    ``programmes`` up front (``selectinload``) so that ``programme_codes`` does not query once per volunteer.
    """
    blockers = eligibility_blockers(volunteer, programmes_by_code, today, vog_valid_years)
    return [code for code, reasons in blockers.items() if not reasons]


def blocker_text(blocker: Blocker, vog_valid_years: int) -> str:
    """A Dutch sentence for a coordinator."""
    if blocker is Blocker.UNKNOWN_PROGRAMME:
        return _("Dit programma bestaat niet meer.")
    if blocker is Blocker.PROGRAMME_INACTIVE:
        return _("Dit programma is niet actief.")
    if blocker is Blocker.NOT_SUITABLE:
        return _("Het kennismakingsgesprek heeft (nog) niet de uitkomst 'geschikt'.")
    if blocker is Blocker.STOPPED:
        return _("De vrijwilliger is gestopt.")
    if blocker is Blocker.NO_FREE_CAPACITY:
        return _("Er is geen vrije plek: alle plekken zijn bezet.")
    if blocker is Blocker.VOG_EXPIRED:
        return _(
            "Dit programma vraagt een VOG van hoogstens %(years)d jaar oud; deze VOG is te oud.",
            years=vog_valid_years,
        )
    return _("Dit programma vraagt een VOG; die is nog niet afgegeven.")


# ---------------------------------------------------------------------------------------------------------------
# Use cases: they change the session and write audit records; the view commits.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Screening:
    """What a coordinator records after the intake talk and the VOG check."""

    intake_outcome: IntakeOutcome | None
    intake_on: date | None
    intake_notes: str
    vog_status: VogStatus
    vog_requested_on: date | None
    vog_issued_on: date | None
    capacity: int
    programmes: tuple[str, ...]
    version: int


def conflict_message() -> str:
    return _(
        "Iemand anders heeft deze vrijwilliger intussen gewijzigd. Uw invoer staat nog in het formulier: "
        "bekijk de nieuwe gegevens en sla opnieuw op."
    )


def check_version(volunteer: Volunteer, version: int) -> None:
    """Refuse a change made on a form that showed an older version of the volunteer."""
    if volunteer.version != version:
        raise Conflict(conflict_message())


def active_match_count(session: Session, volunteer: Volunteer) -> int:
    """Active matches as recorded in the matches table (the counter on the volunteer should agree)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Match)
            .where(Match.volunteer_id == volunteer.id, Match.status == MatchStatus.ACTIEF)
        )
        or 0
    )


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def record_screening(session: Session, volunteer: Volunteer, user: User, screening: Screening) -> list[str]:
    """Record the intake outcome, the VOG status, capacity and programmes; returns the parts that changed."""
    check_version(volunteer, screening.version)
    in_use = max(volunteer.active_match_count, active_match_count(session, volunteer))
    if screening.capacity < in_use:
        raise DomainError(
            ngettext(
                "Deze vrijwilliger heeft nu %(num)d actieve koppeling. De capaciteit kan niet lager zijn "
                "dan dat aantal; beëindig eerst een koppeling.",
                "Deze vrijwilliger heeft nu %(num)d actieve koppelingen. De capaciteit kan niet lager zijn "
                "dan dat aantal; beëindig eerst een koppeling.",
                in_use,
            )
        )
    programmes = session.scalars(select(Programme).where(Programme.code.in_(screening.programmes))).all()
    if not programmes or len(programmes) != len(set(screening.programmes)):
        raise DomainError(_("Kies minstens één bestaand programma."))

    changed: dict[str, Any] = {}
    intake = {
        "intake_outcome": screening.intake_outcome,
        "intake_on": screening.intake_on,
        "intake_notes": screening.intake_notes.strip(),
    }
    intake_changed = any(getattr(volunteer, name) != value for name, value in intake.items())
    if intake_changed:
        changed["intake"] = {
            "outcome": screening.intake_outcome.value if screening.intake_outcome else None,
            "on": _date(screening.intake_on),
            # Whether the notes changed, never their text: the audit trail is no place for special-category data.
            "notes_changed": volunteer.intake_notes != intake["intake_notes"],
        }
        for name, value in intake.items():
            setattr(volunteer, name, value)
        volunteer.intake_by_id = user.id

    vog = {
        "vog_status": screening.vog_status,
        "vog_requested_on": screening.vog_requested_on,
        "vog_issued_on": screening.vog_issued_on,
    }
    if any(getattr(volunteer, name) != value for name, value in vog.items()):
        for name, value in vog.items():
            setattr(volunteer, name, value)
        volunteer.vog_checked_by_id = user.id
        changed["vog"] = {
            "status": screening.vog_status.value,
            "requested_on": _date(screening.vog_requested_on),
            "issued_on": _date(screening.vog_issued_on),
        }

    if volunteer.capacity != screening.capacity:
        changed["capacity"] = {"from": volunteer.capacity, "to": screening.capacity}
        volunteer.capacity = screening.capacity

    chosen = sorted(programmes, key=lambda p: (p.sort_order, p.code))
    if [p.code for p in chosen] != volunteer.programme_codes:
        changed["programmes"] = {"from": volunteer.programme_codes, "to": [p.code for p in chosen]}
        volunteer.programmes = list(chosen)

    if changed:
        # Also for a change of programmes only: the row is updated, so the version moves on.
        volunteer.updated_at = utcnow()
        session.flush()
        audit.record(session, user, "volunteer.screened", "volunteer", volunteer.id, **changed)
    return list(changed)


def stop_volunteer(session: Session, volunteer: Volunteer, user: User, reason: str, version: int) -> None:
    """The volunteer stops; refused while they still have active matches."""
    check_version(volunteer, version)
    if volunteer.stopped_at is not None:
        raise DomainError(_("Deze vrijwilliger is al gestopt."))
    in_use = max(volunteer.active_match_count, active_match_count(session, volunteer))
    if in_use:
        raise DomainError(
            ngettext(
                "Deze vrijwilliger heeft nog %(num)d actieve koppeling. Beëindig die eerst; daarna kunt u "
                "de vrijwilliger laten stoppen.",
                "Deze vrijwilliger heeft nog %(num)d actieve koppelingen. Beëindig die eerst; daarna kunt u "
                "de vrijwilliger laten stoppen.",
                in_use,
            )
        )
    volunteer.stopped_at = utcnow()
    session.flush()
    audit.record(session, user, "volunteer.stopped", "volunteer", volunteer.id, reason=reason.strip())
