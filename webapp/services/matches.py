"""The life of a match, and the one writer of its state.

This module alone writes matches, decisions on proposals, a volunteer's ``places_taken`` and a resident's
``status``; the matching service, the demo loader and the test factories all come here.

The promise: two coordinators acting at the same moment can never overfill a volunteer, give one resident two
place-holding matches, or both take a step that only one may take (approve a decided proposal, end an ended
match). It is kept by the database, not by a read-then-check here: every step takes its rows with conditional
UPDATEs (``... WHERE status = <the state this step starts from>``; the row locks serialise concurrent steps on
PostgreSQL, the database lock does so on SQLite), the volunteers table has a CHECK ``places_taken <= capacity``
and the matches table a partial unique index on the resident's place-holding match. Whichever step comes second
finds its row changed and is refused with a ``Conflict``. Every step takes its locks in the same order, proposal,
match, volunteer, resident, so that two steps never wait for each other in a circle.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from webapp import convert, labels
from webapp.clock import local_today
from webapp.models import (
    Match,
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
from webapp.rules import Blocker, eligibility_blockers
from webapp.services import audit
from webapp.services.errors import Conflict, DomainError, FieldError, NotFound


def no_volunteer_room() -> str:
    return _("Deze vrijwilliger heeft geen plek meer.")


def resident_taken() -> str:
    return _("Deze bewoner heeft al een maatje.")


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


def _free_volunteer_place(session: Session, volunteer_id: int) -> None:
    """Give one place back; only ever called right after a place-holding match left that state."""
    result = session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer_id, Volunteer.places_taken > 0)
        .values(places_taken=Volunteer.places_taken - 1, version=Volunteer.version + 1)
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
    """Move the resident from the waiting list to their match."""
    if not _move_resident(session, resident_id, ResidentStatus.WACHTEND, ResidentStatus.GEKOPPELD):
        status = session.scalar(select(Resident.status).where(Resident.id == resident_id))
        if status is ResidentStatus.AFGESLOTEN:
            raise Conflict(_("Deze bewoner staat niet meer op de wachtlijst."))
        raise Conflict(resident_taken())


def _create_match(
    session: Session,
    volunteer_id: int,
    resident_id: int,
    user: User,
    proposal_id: int | None,
    at: datetime | None = None,
) -> Match:
    match = Match(
        volunteer_id=volunteer_id,
        resident_id=resident_id,
        proposal_id=proposal_id,
        created_by=user,
        status=MatchStatus.ACTIEF,
        created_at=at or utcnow(),
    )
    session.add(match)
    try:
        session.flush()
    except IntegrityError:  # the partial unique index: the resident already holds a match
        raise Conflict(resident_taken()) from None
    return match


# -- proposals ------------------------------------------------------------------------------------------------


def _ensure_still_eligible(session: Session, proposal: Proposal, vog_valid_years: int, today: date) -> None:
    """The screening may have changed since the run (VOG expired, intake outcome revised, volunteer stopped).

    A full volunteer is left to the conditional UPDATE, which also settles two approvals at once.
    """
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
    """Approve a proposed pair: the match starts and uses one of the volunteer's places."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Dit voorstel bestaat niet."))
    volunteer_id, resident_id = proposal.volunteer_id, proposal.resident_id
    if proposal.status is ProposalStatus.OPEN:
        _ensure_still_eligible(session, proposal, vog_valid_years, today or local_today())
    _decide_proposal(session, proposal_id, user, status=ProposalStatus.GOEDGEKEURD)
    _take_volunteer_place(session, volunteer_id)
    _take_resident(session, resident_id)
    match = _create_match(session, volunteer_id, resident_id, user, proposal_id)
    audit.record(
        session,
        user,
        "proposal.approved",
        "proposal",
        proposal_id,
        match=match.id,
        volunteer=volunteer_id,
        resident=resident_id,
    )
    return match


def reject_proposal(
    session: Session, proposal_id: int, user: User, reason: RejectionReason | str, note: str = ""
) -> Proposal:
    """Reject a proposed pair with a reason; the pair is never proposed again."""
    try:
        reason = RejectionReason(reason)
    except ValueError:
        raise DomainError(_("Kies een reden.")) from None
    note = (note or "").strip()
    if reason is RejectionReason.ANDERS and not note:
        raise DomainError(_("Licht de reden toe."))
    if session.get(Proposal, proposal_id) is None:
        raise NotFound(_("Dit voorstel bestaat niet."))
    _decide_proposal(
        session, proposal_id, user, status=ProposalStatus.AFGEWEZEN, rejection_reason=reason, rejection_note=note
    )
    proposal = session.get(Proposal, proposal_id)
    assert proposal is not None
    audit.record(session, user, "proposal.rejected", "proposal", proposal_id, reason=reason.value)
    return proposal


# -- matches --------------------------------------------------------------------------------------------------


def match_by_hand(
    session: Session, resident_id: int, volunteer_id: int, user: User, *, at: datetime | None = None
) -> Match:
    """Start a match a coordinator chose (the caller checked that the pair is feasible); the resident's open
    proposals lapse."""
    lapsed = lapse_open_proposals(session, [resident_id])
    _take_volunteer_place(session, volunteer_id)
    _take_resident(session, resident_id)
    match = _create_match(session, volunteer_id, resident_id, user, None, at=at)
    audit.record(
        session,
        user,
        "match.chosen_by_hand",
        "match",
        match.id,
        volunteer=volunteer_id,
        resident=resident_id,
        lapsed_proposals=lapsed,
    )
    return match


def end_match(
    session: Session,
    match_id: int,
    user: User,
    *,
    reason: str,
    resident_returns: bool = True,
    at: datetime | None = None,
) -> Match:
    """End a place-holding match: the volunteer's place is free, the resident waits again or is closed."""
    result = session.execute(
        update(Match)
        .where(Match.id == match_id, Match.holds_place)
        .values(status=MatchStatus.BEEINDIGD, ended_at=at or utcnow(), end_reason=reason.strip())
        .execution_options(synchronize_session=False)
    )
    _forget(session, Match, match_id)
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(_("Deze koppeling bestaat niet."))
    if not _changed(result):
        raise Conflict(_("Deze koppeling is al beëindigd."))
    _free_volunteer_place(session, match.volunteer_id)
    to_status = ResidentStatus.WACHTEND if resident_returns else ResidentStatus.AFGESLOTEN
    closed = {} if resident_returns else {"closed_at": at or utcnow(), "closed_reason": reason.strip()}
    if not _move_resident(session, match.resident_id, ResidentStatus.GEKOPPELD, to_status, **closed):
        raise Conflict(_("Deze bewoner is intussen gewijzigd. Bekijk de nieuwe stand en probeer het opnieuw."))
    audit.record(session, user, "match.ended", "match", match_id, resident_returns=resident_returns)
    return match


def holding_match(session: Session, resident_id: int) -> Match | None:
    """The resident's place-holding match, if any (at most one: the partial unique index)."""
    return session.scalar(select(Match).where(Match.resident_id == resident_id, Match.holds_place))


# -- residents ------------------------------------------------------------------------------------------------


def close_resident(session: Session, user: User, resident: Resident, reason: str) -> None:
    """Close a resident's sign-up; never while they hold a match. Open proposals for them lapse."""
    if resident.status is ResidentStatus.AFGESLOTEN:
        raise Conflict(_("Deze bewoner is al afgesloten."))
    if resident.status is ResidentStatus.GEKOPPELD:
        raise Conflict(
            _(
                "%(name)s heeft een actieve koppeling met een vrijwilliger. Beëindig eerst de koppeling; "
                "daarna kunt u de bewoner afsluiten.",
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
    audit.record(session, user, "resident.closed", "resident", resident_id, lapsed_proposals=lapsed)
