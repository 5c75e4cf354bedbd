"""The life of a match, and the one writer of its state.

A match starts when a coordinator approves a proposal or chooses a volunteer by hand. It is then in its
introduction (kennismaking): the coordinator plans the introduction meeting, and either both say yes (the match
is active from that day) or either says no, without blame, or the introduction is cancelled; both end it. An
active match has check-ins (contactmomenten) and ends with a reason. An ended pair is never proposed again; the
resident goes back to the waiting list with the waiting time they had, or is closed; the volunteer's place is free.

This module alone writes matches and their timeline, decisions on proposals, a volunteer's ``places_taken`` and
a resident's ``status``; the matching service, the demo loader and the test factories all come here.

The promise: two coordinators acting at the same moment can never overfill a volunteer, give one resident two
place-holding matches, or both take a step that only one may take (approve a decided proposal, record two
outcomes of one introduction, check in on a match that is being ended). It is kept by the database, not by a
read-then-check here: every step takes its rows with conditional UPDATEs (``... WHERE status = <the state this
step starts from>``; the row locks serialise concurrent steps on PostgreSQL, the database lock does so on SQLite),
the volunteers table has a CHECK ``places_taken <= capacity`` and the matches table a partial unique index on the
resident's place-holding match. Whichever step comes second finds its row changed and is refused with a
``Conflict``. Every step takes its locks in the same order, proposal, match, volunteer, resident, so that two
steps never wait for each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from webapp import convert, labels
from webapp.clock import local_date, local_today
from webapp.enums import (
    INTRODUCTION_CANCELLED,
    NO_CLICK_AT_INTRODUCTION,
    RESIDENT_STATUS_FOR_MATCH,
    AuditAction,
    AuditSubject,
    CheckInMethod,
    CheckInVerdict,
    CheckInWith,
    MatchEventKind,
    MatchStep,
)
from webapp.models import (
    CheckIn,
    EndReason,
    Match,
    MatchEvent,
    MatchStatus,
    Proposal,
    ProposalStatus,
    RejectionReason,
    Resident,
    ResidentStatus,
    User,
    Volunteer,
    utcnow,
)
from webapp.reasons import blocker_text
from webapp.rules import Blocker, eligibility_blockers, waiting_since_after
from webapp.services import audit, referral_status
from webapp.services.errors import Conflict, DomainError, FieldError, NotFound


def no_volunteer_room() -> str:
    return _("Deze vrijwilliger heeft geen plek meer.")


def resident_taken() -> str:
    return _("Deze bewoner heeft al een maatje.")


def _stale() -> str:
    return _("Iemand anders heeft deze koppeling net gewijzigd. Bekijk de nieuwe stand en probeer het opnieuw.")


# -- the database guarantee: each helper is one conditional UPDATE -------------------------------------------


def _forget(session: Session, model: type[Any], row_id: int) -> None:
    """Expire a row the ORM may hold, after a Core UPDATE changed it behind its back."""
    instance = session.identity_map.get(identity_key(model, row_id))
    if instance is not None:
        session.expire(instance)


def _changed(result: Any) -> bool:
    return bool(result.rowcount)


def _decide_proposal(session: Session, proposal_id: int, user: User, **values: Any) -> None:
    """Flip an open proposal; anyone who comes second finds it decided."""
    result = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == ProposalStatus.OPEN)
        .values(decided_by_id=user.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Proposal, proposal_id)
    if not _changed(result):
        status = session.scalar(select(Proposal.status).where(Proposal.id == proposal_id))
        if status is None:
            raise NotFound(_("Dit voorstel bestaat niet."))
        if status is ProposalStatus.VERVALLEN:
            raise Conflict(_("Dit voorstel is vervallen: er is een nieuwere koppelronde of er is al anders gekozen."))
        raise Conflict(_("Over dit voorstel is al besloten: het is %(status)s.", status=labels.label(status)))


def lapse_open_proposals(session: Session, residents: Select[Any] | list[int]) -> int:
    """Open proposals of these residents lapse (a newer run, a choice by hand, a closed sign-up)."""
    result = session.execute(
        update(Proposal)
        .where(Proposal.status == ProposalStatus.OPEN, Proposal.resident_id.in_(residents))
        .values(status=ProposalStatus.VERVALLEN)
        .execution_options(synchronize_session=False)
    )
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Proposal):
            session.expire(instance)
    return int(result.rowcount)  # type: ignore[attr-defined]


def _take_volunteer_place(session: Session, volunteer_id: int) -> None:
    """Use one of the volunteer's places."""
    result = session.execute(
        update(Volunteer)
        .where(
            Volunteer.id == volunteer_id,
            Volunteer.places_taken < Volunteer.capacity,
            Volunteer.stopped_at.is_(None),
        )
        .values(places_taken=Volunteer.places_taken + 1, version=Volunteer.version + 1)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Volunteer, volunteer_id)
    if not _changed(result):
        stopped = session.scalar(select(Volunteer.stopped_at).where(Volunteer.id == volunteer_id))
        if stopped is not None:
            raise Conflict(_("Deze vrijwilliger is gestopt en kan niet meer gekoppeld worden."))
        raise Conflict(no_volunteer_room())


def _free_volunteer_place(session: Session, volunteer_id: int, **values: Any) -> None:
    """Give one place back; only ever called right after a place-holding match left that state."""
    result = session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer_id, Volunteer.places_taken > 0)
        .values(places_taken=Volunteer.places_taken - 1, version=Volunteer.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Volunteer, volunteer_id)
    if not _changed(result):  # the counter and the matches disagree: refuse rather than hide it
        raise Conflict(_("De plekken van deze vrijwilliger kloppen niet. Neem contact op met de beheerder."))


def _move_resident(
    session: Session, resident_id: int, from_status: ResidentStatus, to_status: ResidentStatus, **values: Any
) -> bool:
    result = session.execute(
        update(Resident)
        .where(Resident.id == resident_id, Resident.status == from_status)
        .values(status=to_status, version=Resident.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Resident, resident_id)
    return _changed(result)


def _take_resident(session: Session, resident_id: int) -> None:
    """Move the resident from the waiting list into the introduction."""
    if not _move_resident(session, resident_id, ResidentStatus.WACHTEND, ResidentStatus.KENNISMAKING):
        status = session.scalar(select(Resident.status).where(Resident.id == resident_id))
        if status is ResidentStatus.AFGESLOTEN:
            raise Conflict(_("Deze bewoner staat niet meer op de wachtlijst."))
        raise Conflict(resident_taken())


def _move_match(session: Session, match_id: int, from_status: MatchStatus, *where: Any, **values: Any) -> bool:
    """The step's conditional UPDATE of the match row (which also takes its lock)."""
    result = session.execute(
        update(Match)
        .where(Match.id == match_id, Match.status == from_status, *where)
        .values(version=Match.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Match, match_id)
    return _changed(result)


def _event(
    session: Session,
    match_id: int,
    kind: MatchEventKind,
    user: User | None,
    at: datetime | None = None,
    check_in_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        MatchEvent(
            match_id=match_id,
            kind=kind,
            by_id=user.id if user is not None else None,
            at=at or utcnow(),
            check_in_id=check_in_id,
            detail=detail,
        )
    )


def _create_match(
    session: Session,
    volunteer_id: int,
    resident_id: int,
    user: User,
    proposal_id: int | None,
    run_id: int | None,
    at: datetime | None,
) -> Match:
    match = Match(
        volunteer_id=volunteer_id,
        resident_id=resident_id,
        proposal_id=proposal_id,
        run_id=run_id,
        created_by=user,
        status=MatchStatus.KENNISMAKING,
        created_at=at or utcnow(),
    )
    session.add(match)
    try:
        session.flush()
    except IntegrityError:  # the partial unique index: the resident already holds a match
        raise Conflict(resident_taken()) from None
    kind = MatchEventKind.GOEDGEKEURD if proposal_id is not None else MatchEventKind.ZELF_GEKOZEN
    _event(session, match.id, kind, user, at)
    referral_status.refresh(session, resident_id, at)
    return match


def _match_or_404(session: Session, match_id: int) -> Match:
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(_("Deze koppeling bestaat niet."))
    return match


# -- proposals ------------------------------------------------------------------------------------------------


def _ensure_still_eligible(session: Session, proposal: Proposal, vog_valid_years: int, today: date) -> None:
    """The screening may have changed since the run (VOG expired, intake outcome revised, volunteer stopped), and
    the resident must have had the intake talk. A full volunteer is left to the conditional UPDATE, which also
    settles two approvals at once."""
    if proposal.resident.intake_on is None:
        raise DomainError(_("Met deze bewoner is nog geen intakegesprek gehouden. Leg dat eerst vast."))
    if not proposal.resident.consents_to_matching:
        raise DomainError(
            _(
                "Deze bewoner heeft geen toestemming (meer) gegeven voor koppelen. Leg eerst een nieuwe toestemming "
                "vast."
            )
        )
    volunteer, programme = proposal.volunteer, proposal.resident.programme_code
    blockers = eligibility_blockers(volunteer, convert.load_programmes(session), today, vog_valid_years)
    standing = [b for b in blockers.get(programme, [Blocker.NOT_SUITABLE]) if b is not Blocker.NO_FREE_CAPACITY]
    if standing:
        raise DomainError(
            _(
                "Deze vrijwilliger kan nu niet gekoppeld worden: %(reason)s",
                reason=blocker_text(standing[0], vog_valid_years),
            )
        )


def approve_proposal(
    session: Session, proposal_id: int, user: User, *, vog_valid_years: int = 3, today: date | None = None
) -> Match:
    """Approve a proposed pair: the introduction starts and holds one of the volunteer's places."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Dit voorstel bestaat niet."))
    volunteer_id, resident_id, run_id = proposal.volunteer_id, proposal.resident_id, proposal.run_id
    if proposal.status is ProposalStatus.OPEN:
        _ensure_still_eligible(session, proposal, vog_valid_years, today or local_today())
    _decide_proposal(session, proposal_id, user, status=ProposalStatus.GOEDGEKEURD)
    _take_volunteer_place(session, volunteer_id)
    _take_resident(session, resident_id)
    match = _create_match(session, volunteer_id, resident_id, user, proposal_id, run_id, None)
    audit.record(
        session,
        user,
        AuditAction.PROPOSAL_APPROVED,
        AuditSubject.PROPOSAL,
        proposal_id,
        match=match.id,
        volunteer=volunteer_id,
        resident=resident_id,
    )
    return match


def active_rejection_reasons(session: Session) -> list[RejectionReason]:
    return list(
        session.scalars(
            select(RejectionReason)
            .where(RejectionReason.active.is_(True))
            .order_by(RejectionReason.sort_order, RejectionReason.code)
        )
    )


def reject_proposal(
    session: Session, proposal_id: int, user: User, reason_code: str, note: str = "", *, today: date | None = None
) -> Proposal:
    """Reject a proposed pair with a reason from the list; the reason says for how long the pair is kept apart."""
    reason = session.get(RejectionReason, reason_code or "")
    if reason is None or not reason.active:
        raise FieldError("reason", _("Kies een reden."))
    note = (note or "").strip()
    if reason.needs_note and not note:
        raise FieldError("note", _("Licht de reden toe."))
    if session.get(Proposal, proposal_id) is None:
        raise NotFound(_("Dit voorstel bestaat niet."))
    today = today or local_today()
    until = today + timedelta(days=reason.exclusion_days) if reason.exclusion_days else None
    _decide_proposal(
        session,
        proposal_id,
        user,
        status=ProposalStatus.AFGEWEZEN,
        rejection_reason_code=reason.code,
        rejection_note=note,
        excluded_until=until,
    )
    proposal = session.get(Proposal, proposal_id)
    assert proposal is not None
    audit.record(
        session,
        user,
        AuditAction.PROPOSAL_REJECTED,
        AuditSubject.PROPOSAL,
        proposal_id,
        reason=reason.code,
        until=until,
    )
    return proposal


def undo_rejection(session: Session, proposal_id: int, user: User, note: str) -> Proposal:
    """Take a rejection back with a reason: the pair may be proposed (or chosen) again."""
    note = (note or "").strip()
    if not note:
        raise FieldError("note", _("Vul in waarom de afwijzing wordt ingetrokken."))
    result = session.execute(
        update(Proposal)
        .where(
            Proposal.id == proposal_id,
            Proposal.status == ProposalStatus.AFGEWEZEN,
            Proposal.rejection_undone_at.is_(None),
        )
        .values(rejection_undone_at=utcnow(), rejection_undone_by_id=user.id, rejection_undo_note=note)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Proposal, proposal_id)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Dit voorstel bestaat niet."))
    if not _changed(result):
        if proposal.rejection_undone_at is not None:
            raise Conflict(_("Deze afwijzing is al ingetrokken."))
        raise Conflict(_("Dit voorstel is niet afgewezen; er valt niets in te trekken."))
    audit.record(session, user, AuditAction.PROPOSAL_REJECTION_UNDONE, AuditSubject.PROPOSAL, proposal_id)
    return proposal


# -- starting a match by hand ---------------------------------------------------------------------------------


def match_by_hand(
    session: Session,
    resident_id: int,
    volunteer_id: int,
    user: User,
    *,
    run_id: int | None = None,
    at: datetime | None = None,
) -> Match:
    """Start the introduction of a pair a coordinator chose (the caller checked that it is feasible); the
    resident's open proposals lapse. ``run_id``: the run on whose page the choice was made."""
    lapsed = lapse_open_proposals(session, [resident_id])
    _take_volunteer_place(session, volunteer_id)
    _take_resident(session, resident_id)
    match = _create_match(session, volunteer_id, resident_id, user, None, run_id, at)
    audit.record(
        session,
        user,
        AuditAction.MATCH_CHOSEN_BY_HAND,
        AuditSubject.MATCH,
        match.id,
        volunteer=volunteer_id,
        resident=resident_id,
        lapsed_proposals=lapsed,
    )
    return match


# -- the introduction -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Introduction:
    """The introduction meeting as the coordinator plans it."""

    on: date
    at: time | None
    place: str
    coordinator_joins: bool


def _check_introduction(introduction: Introduction, match: Match, today: date) -> None:
    if introduction.on < local_date(match.created_at):
        raise FieldError("on", _("De kennismaking kan niet vóór de goedkeuring van de koppeling liggen."))
    if introduction.on > today + timedelta(days=366):
        raise FieldError("on", _("Plan de kennismaking binnen een jaar."))
    if not introduction.place.strip():
        raise FieldError("place", _("Vul de plaats van de kennismaking in."))


def _introduction_values(introduction: Introduction) -> dict[str, Any]:
    return {
        "introduction_on": introduction.on,
        "introduction_at": introduction.at,
        "introduction_place": introduction.place.strip(),
        "coordinator_joins": introduction.coordinator_joins,
    }


def _introduction_detail(introduction: Introduction) -> dict[str, Any]:
    return {
        "on": introduction.on.isoformat(),
        "time": introduction.at.strftime("%H:%M") if introduction.at else None,
        "place": introduction.place.strip(),
        "coordinator_joins": introduction.coordinator_joins,
    }


_INTRODUCTION_STEPS = (
    MatchStep.PLAN_INTRODUCTION,
    MatchStep.MOVE_INTRODUCTION,
    MatchStep.RECORD_OUTCOME,
    MatchStep.CANCEL_INTRODUCTION,
)


def refusal(match: Match, step: MatchStep) -> Conflict:
    """Why a step is not allowed in the match's state now (the 409's message)."""
    if match.status is MatchStatus.BEEINDIGD:
        return Conflict(_("Deze koppeling is beëindigd; er kan niets meer aan veranderen."))
    if step is MatchStep.PLAN_INTRODUCTION and match.status is MatchStatus.KENNISMAKING:
        return Conflict(_("De kennismaking is al gepland. Verzet haar als de datum verandert."))
    if step in (MatchStep.MOVE_INTRODUCTION, MatchStep.RECORD_OUTCOME) and match.status is MatchStatus.KENNISMAKING:
        return Conflict(_("Plan eerst de kennismaking."))
    if step in _INTRODUCTION_STEPS:
        return Conflict(_("De kennismaking is al geweest: deze koppeling is actief."))
    if step is MatchStep.END:
        return Conflict(
            _("Deze koppeling is nog in de kennismaking: leg de uitkomst vast of annuleer de kennismaking.")
        )
    return Conflict(_("Een contactmoment kan pas als de koppeling actief is."))


def plan_introduction(
    session: Session,
    match_id: int,
    user: User,
    introduction: Introduction,
    *,
    today: date | None = None,
    at: datetime | None = None,
) -> Match:
    """Plan the introduction meeting (date, time, place, whether the coordinator joins); only once."""
    match = _match_or_404(session, match_id)
    _check_introduction(introduction, match, today or local_today())
    if not _move_match(
        session,
        match_id,
        MatchStatus.KENNISMAKING,
        Match.introduction_on.is_(None),
        **_introduction_values(introduction),
    ):
        raise refusal(_match_or_404(session, match_id), MatchStep.PLAN_INTRODUCTION)
    _event(session, match_id, MatchEventKind.KENNISMAKING_GEPLAND, user, at, **_introduction_detail(introduction))
    audit.record(session, user, AuditAction.MATCH_INTRODUCTION_PLANNED, AuditSubject.MATCH, match_id)
    return _match_or_404(session, match_id)


def move_introduction(
    session: Session,
    match_id: int,
    user: User,
    introduction: Introduction,
    expected_version: int,
    *,
    today: date | None = None,
) -> Match:
    """Move a planned introduction to another date, time or place; refused when someone changed the match since
    the form was shown."""
    match = _match_or_404(session, match_id)
    _check_introduction(introduction, match, today or local_today())
    if not _move_match(
        session,
        match_id,
        MatchStatus.KENNISMAKING,
        Match.introduction_on.is_not(None),
        Match.version == expected_version,
        **_introduction_values(introduction),
    ):
        current = _match_or_404(session, match_id)
        if current.status is MatchStatus.KENNISMAKING and current.introduction_on is not None:
            raise Conflict(_stale())
        raise refusal(current, MatchStep.MOVE_INTRODUCTION)
    _event(session, match_id, MatchEventKind.KENNISMAKING_VERZET, user, None, **_introduction_detail(introduction))
    audit.record(session, user, AuditAction.MATCH_INTRODUCTION_MOVED, AuditSubject.MATCH, match_id)
    return _match_or_404(session, match_id)


def _end_in_introduction(
    session: Session,
    match: Match,
    user: User,
    reason_code: str,
    note: str,
    kind: MatchEventKind,
    ended_on: date,
    at: datetime | None,
    *where: Any,
) -> Match:
    """A no at the introduction or a cancelled one: the pair ends without blame, the resident waits again with
    the waiting time they had, the volunteer's place is free."""
    match_id = match.id
    if not _move_match(
        session,
        match_id,
        MatchStatus.KENNISMAKING,
        *where,
        status=MatchStatus.BEEINDIGD,
        ended_on=ended_on,
        ended_at=at or utcnow(),
        ended_by_id=user.id,
        end_reason_code=reason_code,
        end_note=note,
        resident_returned=True,
    ):
        step = MatchStep.RECORD_OUTCOME if where else MatchStep.CANCEL_INTRODUCTION
        raise refusal(_match_or_404(session, match_id), step)
    match = _match_or_404(session, match_id)
    _free_volunteer_place(session, match.volunteer_id)
    if not _move_resident(session, match.resident_id, ResidentStatus.KENNISMAKING, ResidentStatus.WACHTEND):
        raise Conflict(_stale())
    _event(session, match_id, kind, user, at, on=ended_on.isoformat())
    referral_status.refresh(session, match.resident_id, at)
    return match


def record_outcome(
    session: Session,
    match_id: int,
    user: User,
    *,
    both_yes: bool,
    started_on: date | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> Match:
    """The introduction's outcome: both say yes (active from ``started_on``), or either says no ("geen klik bij
    kennismaking"; no blame, never proposed again)."""
    today = today or local_today()
    match = _match_or_404(session, match_id)
    if not both_yes:
        outcome = _end_in_introduction(
            session,
            match,
            user,
            NO_CLICK_AT_INTRODUCTION,
            "",
            MatchEventKind.GEEN_KLIK,
            today,
            at,
            Match.introduction_on.is_not(None),
        )
        audit.record(session, user, AuditAction.MATCH_INTRODUCTION_NO, AuditSubject.MATCH, match_id)
        return outcome
    started_on = started_on or min(match.introduction_on or today, today)
    if started_on > today:
        raise FieldError("started_on", _("De startdatum kan niet in de toekomst liggen."))
    if started_on < local_date(match.created_at):
        raise FieldError("started_on", _("De startdatum kan niet vóór de goedkeuring van de koppeling liggen."))
    if not _move_match(
        session,
        match_id,
        MatchStatus.KENNISMAKING,
        Match.introduction_on.is_not(None),
        status=MatchStatus.ACTIEF,
        started_on=started_on,
    ):
        raise refusal(_match_or_404(session, match_id), MatchStep.RECORD_OUTCOME)
    match = _match_or_404(session, match_id)
    if not _move_resident(session, match.resident_id, ResidentStatus.KENNISMAKING, ResidentStatus.GEKOPPELD):
        raise Conflict(_stale())
    _event(session, match_id, MatchEventKind.GESTART, user, at, on=started_on.isoformat())
    referral_status.refresh(session, match.resident_id, at)
    audit.record(session, user, AuditAction.MATCH_STARTED, AuditSubject.MATCH, match_id, started_on=started_on)
    return match


def cancel_introduction(
    session: Session,
    match_id: int,
    user: User,
    note: str,
    *,
    today: date | None = None,
    at: datetime | None = None,
) -> Match:
    """Cancel the introduction with a reason: the same effects as a no."""
    note = (note or "").strip()
    if not note:
        raise FieldError("note", _("Vul de reden in waarom de kennismaking niet doorgaat."))
    match = _match_or_404(session, match_id)
    outcome = _end_in_introduction(
        session,
        match,
        user,
        INTRODUCTION_CANCELLED,
        note,
        MatchEventKind.KENNISMAKING_GEANNULEERD,
        today or local_today(),
        at,
    )
    audit.record(session, user, AuditAction.MATCH_INTRODUCTION_CANCELLED, AuditSubject.MATCH, match_id)
    return outcome


# -- an active match ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInRecord:
    """A contactmoment as the coordinator records it."""

    held_on: date
    with_whom: CheckInWith
    method: CheckInMethod
    verdict: CheckInVerdict
    note: str


def record_check_in(
    session: Session,
    match_id: int,
    user: User,
    record: CheckInRecord,
    *,
    today: date | None = None,
    at: datetime | None = None,
) -> CheckIn:
    """Record a check-in on an active match (held today or earlier, not before the start)."""
    today = today or local_today()
    match = _match_or_404(session, match_id)
    if record.held_on > today:
        raise FieldError("held_on", _("Een contactmoment ligt niet in de toekomst. Vul de datum in waarop het was."))
    if match.started_on is not None and record.held_on < match.started_on:
        raise FieldError("held_on", _("Het contactmoment kan niet vóór de start van de koppeling liggen."))
    if not _move_match(session, match_id, MatchStatus.ACTIEF):
        raise refusal(_match_or_404(session, match_id), MatchStep.CHECK_IN)
    check_in = CheckIn(
        match_id=match_id,
        held_on=record.held_on,
        with_whom=record.with_whom,
        method=record.method,
        verdict=record.verdict,
        note=record.note.strip(),
        recorded_by_id=user.id,
        recorded_at=at or utcnow(),
    )
    session.add(check_in)
    session.flush()
    _event(
        session,
        match_id,
        MatchEventKind.CONTACTMOMENT,
        user,
        at,
        check_in_id=check_in.id,
        held_on=record.held_on.isoformat(),
        verdict=record.verdict.value,
    )
    audit.record(session, user, AuditAction.MATCH_CHECKED_IN, AuditSubject.MATCH, match_id, check_in=check_in.id)
    return check_in


def ending_reasons(session: Session) -> list[EndReason]:
    """The reasons a coordinator can choose from to end an active match."""
    return list(
        session.scalars(
            select(EndReason)
            .where(EndReason.active.is_(True), EndReason.for_introduction.is_(False))
            .order_by(EndReason.sort_order, EndReason.code)
        )
    )


@dataclass(frozen=True)
class Ending:
    """How an active match ends, as the coordinator records it."""

    reason_code: str
    ended_on: date
    note: str
    resident_returns: bool


def end_match(
    session: Session,
    match_id: int,
    user: User,
    ending: Ending,
    *,
    today: date | None = None,
    at: datetime | None = None,
) -> Match:
    """End an active match with a reason: the volunteer's place is free (a safety concern also sends the volunteer
    back to screening), and the resident goes back to the waiting list with the waiting time they had, or is
    closed."""
    today = today or local_today()
    reason = session.get(EndReason, ending.reason_code or "")
    if reason is None or not reason.active or reason.for_introduction:
        raise FieldError("reason", _("Kies een reden."))
    note = ending.note.strip()
    if reason.needs_note and not note:
        raise FieldError("note", _("Licht de reden toe."))
    if reason.closes_resident and ending.resident_returns:
        raise FieldError(
            "resident_returns",
            _("Bij deze reden kan de bewoner niet terug op de wachtlijst: kies 'Aanmelding afsluiten'."),
        )
    match = _match_or_404(session, match_id)
    if ending.ended_on > today:
        raise FieldError("ended_on", _("De einddatum kan niet in de toekomst liggen."))
    if match.started_on is not None and ending.ended_on < match.started_on:
        raise FieldError("ended_on", _("De einddatum kan niet vóór de start van de koppeling liggen."))
    if not _move_match(
        session,
        match_id,
        MatchStatus.ACTIEF,
        status=MatchStatus.BEEINDIGD,
        ended_on=ending.ended_on,
        ended_at=at or utcnow(),
        ended_by_id=user.id,
        end_reason_code=reason.code,
        end_note=note,
        resident_returned=ending.resident_returns,
    ):
        raise refusal(_match_or_404(session, match_id), MatchStep.END)
    match = _match_or_404(session, match_id)
    rescreening = {"rescreening_since": ending.ended_on} if reason.rescreen_volunteer else {}
    _free_volunteer_place(session, match.volunteer_id, **rescreening)
    resident = session.get(Resident, match.resident_id)
    assert resident is not None
    if ending.resident_returns:
        values: dict[str, Any] = {
            "waiting_since": waiting_since_after(resident.waiting_since, match.started_on, ending.ended_on)
        }
        to_status = ResidentStatus.WACHTEND
    else:
        closed_reason = labels.reason_label(reason) + (f": {note}" if note else "")
        values = {"closed_at": at or utcnow(), "closed_reason": closed_reason}
        to_status = ResidentStatus.AFGESLOTEN
    if not _move_resident(session, match.resident_id, ResidentStatus.GEKOPPELD, to_status, **values):
        raise Conflict(_stale())
    _event(
        session,
        match_id,
        MatchEventKind.BEEINDIGD,
        user,
        at,
        reason=reason.code,
        on=ending.ended_on.isoformat(),
        resident_returns=ending.resident_returns,
        volunteer_rescreened=reason.rescreen_volunteer,
    )
    referral_status.refresh(session, match.resident_id, at)
    audit.record(
        session,
        user,
        AuditAction.MATCH_ENDED,
        AuditSubject.MATCH,
        match_id,
        reason=reason.code,
        resident_returns=ending.resident_returns,
    )
    return match


# -- reading --------------------------------------------------------------------------------------------------


def holding_match(session: Session, resident_id: int) -> Match | None:
    """The resident's place-holding match, if any (at most one: the partial unique index)."""
    return session.scalar(select(Match).where(Match.resident_id == resident_id, Match.holds_place))


# -- residents and volunteers ---------------------------------------------------------------------------------


def close_resident(
    session: Session, user: User | None, resident: Resident, reason: str, *, withdrawn_by_referrer: bool = False
) -> None:
    """Close a resident's sign-up; never while they hold a match. Open proposals for them lapse."""
    if resident.status is ResidentStatus.AFGESLOTEN:
        raise Conflict(_("Deze bewoner is al afgesloten."))
    if resident.status in RESIDENT_STATUS_FOR_MATCH.values():
        raise Conflict(
            _(
                "%(name)s heeft een koppeling met een vrijwilliger. Beëindig eerst de koppeling; "
                "daarna kunt u de aanmelding afsluiten.",
                name=resident.full_name,
            )
        )
    if not reason.strip():
        raise FieldError("reason", _("Vul de reden van afsluiten in."))
    resident_id = resident.id
    lapsed = list(
        session.scalars(
            select(Proposal.id).where(Proposal.resident_id == resident_id, Proposal.status == ProposalStatus.OPEN)
        )
    )
    lapse_open_proposals(session, [resident_id])
    if not _move_resident(
        session,
        resident_id,
        ResidentStatus.WACHTEND,
        ResidentStatus.AFGESLOTEN,
        closed_at=utcnow(),
        closed_reason=reason.strip(),
    ):
        raise Conflict(_("Iemand anders heeft deze bewoner net gewijzigd. Bekijk de gegevens en probeer het opnieuw."))
    referral_status.refresh(session, resident_id)
    action = AuditAction.REFERRAL_WITHDRAWN if withdrawn_by_referrer else AuditAction.RESIDENT_CLOSED
    audit.record(
        session,
        user,
        action,
        AuditSubject.RESIDENT,
        resident_id,
        fields=["status", "closed_reason"],
        lapsed_proposals=lapsed,
    )


def move_history(session: Session, from_volunteer_id: int, to_volunteer_id: int) -> None:
    """Give a duplicate volunteer's past proposals and ended matches to the volunteer they are merged into (the
    duplicate holds no place: the caller checked). Its open proposals lapse first."""
    session.execute(
        update(Proposal)
        .where(Proposal.volunteer_id == from_volunteer_id, Proposal.status == ProposalStatus.OPEN)
        .values(status=ProposalStatus.VERVALLEN)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Proposal)
        .where(Proposal.volunteer_id == from_volunteer_id)
        .values(volunteer_id=to_volunteer_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Match)
        .where(Match.volunteer_id == from_volunteer_id, Match.status == MatchStatus.BEEINDIGD)
        .values(volunteer_id=to_volunteer_id)
        .execution_options(synchronize_session=False)
    )
    for instance in list(session.identity_map.values()):
        if isinstance(instance, (Proposal, Match)):
            session.expire(instance)
    if session.scalar(select(Match.id).where(Match.volunteer_id == from_volunteer_id).limit(1)) is not None:
        raise Conflict(_("Deze vrijwilliger heeft nog een lopende koppeling; beëindig die eerst."))
