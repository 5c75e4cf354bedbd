"""Volunteer screening: planning and recording the intake talk, the VOG, capacity and programmes; stopping.

Who may be matched is a pure rule, ``webapp.rules.eligible_programmes``. An ending over a safety concern (written
by ``webapp.services.matches.end_match``) sets ``rescreening_since``; only an intake talk recorded here for that day
or later lifts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.clock import local_today
from webapp.enums import AuditAction, AuditSubject
from webapp.models import IntakeOutcome, Programme, User, VogStatus, Volunteer, utcnow
from webapp.services import audit
from webapp.services.errors import Conflict, DomainError, FieldError

# How far ahead an intake talk can be planned.
PLANNING_HORIZON = timedelta(days=366)

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


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def record_screening(session: Session, volunteer: Volunteer, user: User, screening: Screening) -> list[str]:
    """Record the intake outcome, the VOG status, capacity and programmes; returns the parts that changed."""
    check_version(volunteer, screening.version)
    in_use = volunteer.places_taken
    if screening.capacity < in_use:
        raise DomainError(
            ngettext(
                "Deze vrijwilliger heeft nu %(num)d lopende koppeling. De capaciteit kan niet lager zijn "
                "dan dat aantal; beëindig eerst een koppeling.",
                "Deze vrijwilliger heeft nu %(num)d lopende koppelingen. De capaciteit kan niet lager zijn "
                "dan dat aantal; beëindig eerst een koppeling.",
                in_use,
            )
        )
    programmes = session.scalars(select(Programme).where(Programme.code.in_(screening.programmes))).all()
    if not programmes or len(programmes) != len(set(screening.programmes)):
        raise DomainError(_("Kies minstens één bestaand programma."))

    changed: dict[str, Any] = {}
    rescreened: dict[str, str] = {}
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
        if screening.intake_outcome is not None:
            volunteer.intake_planned_on = None  # the planned talk took place
        since = volunteer.rescreening_since
        if (
            since is not None
            and screening.intake_outcome is not None
            and screening.intake_on is not None
            and screening.intake_on >= since
        ):
            volunteer.rescreening_since = None
            rescreened = {"since": since.isoformat(), "intake_on": screening.intake_on.isoformat()}

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
        audit.record(
            session,
            user,
            AuditAction.VOLUNTEER_SCREENED,
            AuditSubject.VOLUNTEER,
            volunteer.id,
            fields=list(changed),
            **changed,
        )
    if rescreened:
        audit.record(
            session, user, AuditAction.VOLUNTEER_RESCREENED, AuditSubject.VOLUNTEER, volunteer.id, **rescreened
        )
        return [*changed, "rescreening"]
    return list(changed)


def planned_in_the_past() -> str:
    return _("Een gepland gesprek ligt vandaag of later. Was het al? Leg het dan vast onder 'Intakegesprek'.")


def plan_intake(
    session: Session, volunteer: Volunteer, user: User, planned_on: date, version: int, today: date | None = None
) -> bool:
    """The coordinator made an appointment for the intake talk (today or later); returns whether anything
    changed."""
    check_version(volunteer, version)
    if volunteer.stopped_at is not None:
        raise Conflict(_("Deze vrijwilliger is gestopt; een intakegesprek plannen kan niet meer."))
    today = today or local_today()
    if planned_on < today:
        raise FieldError("intake_planned_on", planned_in_the_past())
    if planned_on > today + PLANNING_HORIZON:
        raise FieldError("intake_planned_on", _("Plan het gesprek binnen een jaar."))
    if volunteer.intake_planned_on == planned_on:
        return False
    volunteer.intake_planned_on = planned_on
    volunteer.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        user,
        AuditAction.VOLUNTEER_INTAKE_PLANNED,
        AuditSubject.VOLUNTEER,
        volunteer.id,
        fields=["intake_planned_on"],
        on=planned_on,
    )
    return True


def stop_volunteer(session: Session, volunteer: Volunteer, user: User | None, reason: str, version: int) -> None:
    """The volunteer stops; refused while they still have active matches. ``user`` None: the retention job, which
    stops a volunteer found not suitable when their data are due for erasure."""
    check_version(volunteer, version)
    if volunteer.stopped_at is not None:
        raise DomainError(_("Deze vrijwilliger is al gestopt."))
    in_use = volunteer.places_taken
    if in_use:
        raise DomainError(
            ngettext(
                "Deze vrijwilliger heeft nog %(num)d lopende koppeling. Beëindig die eerst; daarna kunt u "
                "de vrijwilliger laten stoppen.",
                "Deze vrijwilliger heeft nog %(num)d lopende koppelingen. Beëindig die eerst; daarna kunt u "
                "de vrijwilliger laten stoppen.",
                in_use,
            )
        )
    volunteer.stopped_at = utcnow()
    # Free text, perhaps about the person: kept with the volunteer (erasure reaches it), the audit trail only says
    # that a reason was given.
    volunteer.stopped_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        user,
        AuditAction.VOLUNTEER_STOPPED,
        AuditSubject.VOLUNTEER,
        volunteer.id,
        fields=["stopped_at", "stopped_reason"] if volunteer.stopped_reason else ["stopped_at"],
    )
