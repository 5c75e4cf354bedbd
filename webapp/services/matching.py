"""Matching: runs of the engine, deciding on proposals, and choosing a volunteer by hand.

The promise that two coordinators acting at the same moment can never overfill a volunteer or give one
resident two buddies is kept by the database, not by a read-then-check here: each decision takes its
rows with conditional UPDATEs (the row locks serialise concurrent decisions on PostgreSQL, the database
lock does so on SQLite), the volunteers table has a CHECK ``active_match_count <= capacity`` and the
matches table a partial unique index on the resident's active match. Every decision takes its locks in
the same order (proposals, volunteer, resident) so that two decisions never wait for each other in a
circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

import matcher
from webapp import convert
from webapp.clock import local_today
from webapp.matching.presenters import NO_LOCATION, pair_refusal
from webapp.models import (
    Match,
    MatchRun,
    Programme,
    Proposal,
    ProposalStatus,
    RejectionReason,
    Resident,
    ResidentStatus,
    RunStatus,
    RunWaitingResident,
    User,
    Volunteer,
    utcnow,
)
from webapp.services import audit
from webapp.services.errors import Conflict, DomainError, NotFound
from webapp.services.screening import Blocker, blocker_text, eligibility_blockers


def _no_volunteer_room() -> str:
    return _("Deze vrijwilliger heeft geen plek meer.")


def _resident_taken() -> str:
    return _("Deze bewoner heeft al een maatje.")


# -- runs ---------------------------------------------------------------------------------------------


def start_run(session: Session, user: User, programme_code: str | None, config: Mapping[str, Any]) -> MatchRun:
    """Run the engine over the waiting list (one programme or all) and store its proposals and reasons."""
    if programme_code is not None and session.get(Programme, programme_code) is None:
        raise NotFound(_("Dit programma bestaat niet."))
    # One run at a time per programme: a second coordinator's run waits for the first to commit, then sees it
    # (PostgreSQL row locks; SQLite has one writer at a time anyway). So each resident keeps at most one open
    # proposal: the newest run's.
    scope = select(Programme.code).order_by(Programme.code).with_for_update()
    if programme_code is not None:
        scope = scope.where(Programme.code == programme_code)
    session.execute(scope).all()
    data = convert.load_run_input(session, config, programme_code)
    run = MatchRun(
        programme_code=programme_code,
        started_by=user,
        started_at=utcnow(),
        rules=convert.rules_as_json(data.rules, data.vog_valid_years),
    )
    session.add(run)
    try:
        result = matcher.propose_matches(data.volunteers, data.residents, data.rules)
    except matcher.MatcherInputError as error:
        run.status = RunStatus.MISLUKT
        run.stats = {"error": str(error)}
        session.flush()
        audit.record(session, user, "match_run.failed", "match_run", run.id, error=str(error))
        return run

    # Only the newest run's proposals can be approved: earlier open ones of everyone in scope lapse.
    in_scope = select(Resident.id)
    if programme_code is not None:
        in_scope = in_scope.where(Resident.programme_code == programme_code)
    session.execute(
        update(Proposal)
        .where(Proposal.status == ProposalStatus.OPEN, Proposal.resident_id.in_(in_scope))
        .values(status=ProposalStatus.VERVALLEN)
        .execution_options(synchronize_session=False)
    )

    stats = result.stats
    run.status = RunStatus.KLAAR
    run.stats = {
        "volunteers": stats.volunteers,
        "residents": stats.residents + len(data.residents_without_location),
        "feasible_pairs": stats.feasible_pairs,
        "candidate_pairs": stats.candidate_pairs,
        "proposals": stats.matched,
        "waiting": len(result.unmatched) + len(data.residents_without_location),
        "total_score": round(stats.total_score, 6),
        "certificate_rounds": stats.certificate_rounds,
        "seconds": round(stats.seconds_total, 3),
    }
    session.flush()
    session.add_all(_proposal_row(run.id, p) for p in result.proposals)
    session.add_all(
        RunWaitingResident(
            run_id=run.id,
            resident_id=u.resident_id,
            feasible_volunteers=u.feasible_volunteers,
            reasons=[{"code": r.code.value, "volunteers": r.volunteers} for r in u.reasons],
        )
        for u in result.unmatched
    )
    session.add_all(
        RunWaitingResident(run_id=run.id, resident_id=rid, reasons=[{"code": NO_LOCATION, "volunteers": 0}])
        for rid in data.residents_without_location
    )
    session.flush()
    audit.record(session, user, "match_run.started", "match_run", run.id, programme=programme_code, **run.stats)
    return run


def _proposal_row(run_id: int, p: matcher.Proposal) -> Proposal:
    return Proposal(
        run_id=run_id,
        volunteer_id=int(p.volunteer_id),  # type: ignore[call-overload]
        resident_id=int(p.resident_id),  # type: ignore[call-overload]
        score=p.score,
        distance_score=p.components.distance,
        interests_score=p.components.interests,
        availability_score=p.components.availability,
        waiting_score=p.components.waiting,
        distance_km=p.distance_km,
        max_distance_km=p.max_distance_km,
        shared_interests=list(p.shared_interests),
        shared_slots=list(p.shared_slots),
        shared_languages=list(p.shared_languages),
        waiting_days=p.waiting_days,
        status=ProposalStatus.OPEN,
    )


# -- the database guarantee -----------------------------------------------------------------------------


def _forget(session: Session, model: type[Any], row_id: int) -> None:
    """Expire a row the ORM may hold, after a Core UPDATE changed it behind its back."""
    instance = session.identity_map.get(identity_key(model, row_id))
    if instance is not None:
        session.expire(instance)


def _decide_proposal(session: Session, proposal_id: int, user: User, **values: Any) -> None:
    """Flip an open proposal; anyone who comes second finds it decided."""
    result = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == ProposalStatus.OPEN)
        .values(decided_by_id=user.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Proposal, proposal_id)
    if result.rowcount == 0:  # type: ignore[attr-defined]
        status = session.scalar(select(Proposal.status).where(Proposal.id == proposal_id))
        if status is None:
            raise NotFound(_("Dit voorstel bestaat niet."))
        if status is ProposalStatus.VERVALLEN:
            raise Conflict(_("Dit voorstel is vervallen: er is een nieuwere koppelronde of er is al anders gekozen."))
        raise Conflict(_("Over dit voorstel is al besloten: het is %(status)s.", status=proposal_status_label(status)))


def _take_volunteer_place(session: Session, volunteer_id: int) -> None:
    """Use one unit of the volunteer's capacity, in one conditional UPDATE."""
    result = session.execute(
        update(Volunteer)
        .where(
            Volunteer.id == volunteer_id,
            Volunteer.active_match_count < Volunteer.capacity,
            Volunteer.stopped_at.is_(None),
        )
        .values(active_match_count=Volunteer.active_match_count + 1, version=Volunteer.version + 1)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Volunteer, volunteer_id)
    if result.rowcount == 0:  # type: ignore[attr-defined]
        stopped = session.scalar(select(Volunteer.stopped_at).where(Volunteer.id == volunteer_id))
        if stopped is not None:
            raise Conflict(_("Deze vrijwilliger is gestopt en kan niet meer gekoppeld worden."))
        raise Conflict(_no_volunteer_room())


def _take_resident(session: Session, resident_id: int) -> None:
    """Move the resident from the waiting list to 'gekoppeld', in one conditional UPDATE."""
    result = session.execute(
        update(Resident)
        .where(Resident.id == resident_id, Resident.status == ResidentStatus.WACHTEND)
        .values(status=ResidentStatus.GEKOPPELD, version=Resident.version + 1)
        .execution_options(synchronize_session=False)
    )
    _forget(session, Resident, resident_id)
    if result.rowcount == 0:  # type: ignore[attr-defined]
        status = session.scalar(select(Resident.status).where(Resident.id == resident_id))
        if status is ResidentStatus.AFGESLOTEN:
            raise Conflict(_("Deze bewoner staat niet meer op de wachtlijst."))
        raise Conflict(_resident_taken())


def _create_match(session: Session, volunteer_id: int, resident_id: int, user: User, proposal_id: int | None) -> Match:
    match = Match(volunteer_id=volunteer_id, resident_id=resident_id, proposal_id=proposal_id, created_by=user)
    session.add(match)
    try:
        session.flush()
    except IntegrityError:  # the partial unique index: the resident already has an active match
        raise Conflict(_resident_taken()) from None
    return match


# -- decisions ----------------------------------------------------------------------------------------


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


# -- choosing by hand ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A feasible volunteer for one resident, with the engine's score and facts."""

    volunteer: Volunteer
    proposal: matcher.Proposal
    other_open_proposals: int


@dataclass(frozen=True)
class CandidateList:
    resident: Resident
    candidates: tuple[Candidate, ...]
    #: Why nobody fits, as the engine's reasons (or NO_LOCATION), when ``candidates`` is empty.
    reasons: tuple[dict[str, Any], ...]


def _waiting_resident(session: Session, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(_("Deze bewoner bestaat niet."))
    if resident.status is ResidentStatus.GEKOPPELD:
        raise Conflict(_resident_taken())
    if resident.status is not ResidentStatus.WACHTEND:
        raise Conflict(_("Deze bewoner staat niet meer op de wachtlijst."))
    return resident


def _rules_for(session: Session, config: Mapping[str, Any], resident_id: int) -> matcher.MatchRules:
    programmes = convert.load_programmes(session)
    return convert.match_rules(config, programmes, convert.excluded_pairs(session, [resident_id]))


def candidates_for(
    session: Session, resident_id: int, config: Mapping[str, Any], k: int = 5, today: date | None = None
) -> CandidateList:
    """The k best feasible volunteers for one waiting resident, best first, to choose from by hand."""
    today = today or local_today()
    resident = _waiting_resident(session, resident_id)
    engine_resident = convert.to_engine_resident(resident, today)
    if engine_resident is None:
        return CandidateList(resident, (), ({"code": NO_LOCATION, "volunteers": 0},))
    programmes = convert.load_programmes(session)
    rows = convert.candidate_volunteers(session, resident.programme_code)
    by_id = {v.id: v for v in rows}
    volunteers = convert.engine_volunteers(rows, programmes, today, int(config["SAMEN_VOG_VALID_YEARS"]))
    rules = convert.match_rules(config, programmes, convert.excluded_pairs(session, [resident_id]))
    ranked = matcher.rank_candidates(engine_resident, volunteers, rules, k=k)
    if not ranked:
        unmatched = matcher.propose_matches(volunteers, [engine_resident], rules).unmatched
        reasons = tuple({"code": r.code.value, "volunteers": r.volunteers} for u in unmatched for r in u.reasons) or (
            {"code": matcher.ReasonCode.NO_VOLUNTEERS.value, "volunteers": 0},
        )
        return CandidateList(resident, (), reasons)
    ids = [int(p.volunteer_id) for p in ranked]  # type: ignore[call-overload]
    open_counts = dict(
        session.execute(
            select(Proposal.volunteer_id, func.count())
            .where(
                Proposal.volunteer_id.in_(ids),
                Proposal.status == ProposalStatus.OPEN,
                Proposal.resident_id != resident_id,
            )
            .group_by(Proposal.volunteer_id)
        ).all()
    )
    candidates = tuple(
        Candidate(by_id[vid], p, int(open_counts.get(vid, 0))) for vid, p in zip(ids, ranked, strict=True)
    )
    return CandidateList(resident, candidates, ())


def choose_volunteer(
    session: Session,
    resident_id: int,
    volunteer_id: int,
    user: User,
    config: Mapping[str, Any],
    today: date | None = None,
) -> Match:
    """Match a resident with a volunteer chosen by hand; the volunteer must be a feasible candidate."""
    today = today or local_today()
    resident = _waiting_resident(session, resident_id)
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("Deze vrijwilliger bestaat niet."))
    if volunteer.free_capacity < 1 and volunteer.stopped_at is None:
        raise Conflict(_no_volunteer_room())
    engine_resident = convert.to_engine_resident(resident, today)
    engine_volunteer = convert.to_engine_volunteer(
        volunteer, convert.load_programmes(session), today, int(config["SAMEN_VOG_VALID_YEARS"])
    )
    if engine_resident is None or engine_volunteer is None:
        raise DomainError(_("Deze vrijwilliger kan nu niet gekoppeld worden: kies een van de voorgestelde maatjes."))
    outcome = matcher.propose_matches([engine_volunteer], [engine_resident], _rules_for(session, config, resident_id))
    if not outcome.proposals:
        codes = [r.code for u in outcome.unmatched for r in u.reasons]
        raise DomainError(pair_refusal(codes[0] if codes else None))

    # The database guarantee, locks in the usual order: proposals, volunteer, resident.
    lapsed = session.execute(
        update(Proposal)
        .where(Proposal.resident_id == resident_id, Proposal.status == ProposalStatus.OPEN)
        .values(status=ProposalStatus.VERVALLEN)
        .execution_options(synchronize_session=False)
    )
    _take_volunteer_place(session, volunteer_id)
    _take_resident(session, resident_id)
    match = _create_match(session, volunteer_id, resident_id, user, None)
    audit.record(
        session,
        user,
        "match.chosen_by_hand",
        "match",
        match.id,
        volunteer=volunteer_id,
        resident=resident_id,
        lapsed_proposals=lapsed.rowcount,  # type: ignore[attr-defined]
    )
    return match


def proposal_status_label(status: ProposalStatus) -> str:
    labels = {
        ProposalStatus.OPEN: _("open"),
        ProposalStatus.GOEDGEKEURD: _("goedgekeurd"),
        ProposalStatus.AFGEWEZEN: _("afgewezen"),
        ProposalStatus.VERVALLEN: _("vervallen"),
    }
    return labels[status]
