"""Matching: runs of the engine over the waiting list, and the candidates to choose from by hand.

Deciding on what the engine proposed (approving, rejecting, choosing by hand) changes matches, capacity and
residents, and goes through ``webapp.services.matches``, the one writer of that state and the keeper of the
promise that two coordinators acting at once never overfill a volunteer or give a resident two buddies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import matcher
from webapp import convert
from webapp.clock import local_today
from webapp.enums import AuditAction, AuditSubject
from webapp.models import (
    Match,
    MatchRun,
    Programme,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    RunStatus,
    RunWaitingResident,
    User,
    Volunteer,
    utcnow,
)
from webapp.reasons import pair_refusal
from webapp.rules import NO_CONSENT, NO_LOCATION, may_be_matched
from webapp.services import audit, matches
from webapp.services.errors import Conflict, DomainError, NotFound

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
        audit.record(
            session, user, AuditAction.MATCH_RUN_FAILED, AuditSubject.MATCH_RUN, run.id, programme=programme_code
        )
        return run

    # Only the newest run's proposals can be approved: earlier open ones of everyone in scope lapse.
    in_scope = select(Resident.id)
    if programme_code is not None:
        in_scope = in_scope.where(Resident.programme_code == programme_code)
    matches.lapse_open_proposals(session, in_scope)

    stats = result.stats
    run.status = RunStatus.KLAAR
    run.stats = {
        "volunteers": stats.volunteers,
        "residents": stats.residents + len(data.residents_without_location) + len(data.residents_without_consent),
        "residents_without_intake": data.residents_without_intake,
        "feasible_pairs": stats.feasible_pairs,
        "candidate_pairs": stats.candidate_pairs,
        "proposals": stats.matched,
        "waiting": len(result.unmatched) + len(data.residents_without_location) + len(data.residents_without_consent),
        "total_score": round(stats.total_score, 6),
        "certificate_rounds": stats.certificate_rounds,
        "seconds": round(stats.seconds_total, 3),
    }
    session.flush()
    session.add_all(_proposal_row(run.id, p) for p in result.proposals)
    waited = {r.id: r.waiting_days for r in data.residents}
    session.add_all(
        RunWaitingResident(
            run_id=run.id,
            resident_id=u.resident_id,
            feasible_volunteers=u.feasible_volunteers,
            reasons=[{"code": r.code.value, "volunteers": r.volunteers} for r in u.reasons],
            waiting_days=waited.get(u.resident_id, 0),
        )
        for u in result.unmatched
    )
    session.add_all(
        RunWaitingResident(
            run_id=run.id,
            resident_id=rid,
            reasons=[{"code": NO_LOCATION, "volunteers": 0}],
            waiting_days=days,
        )
        for rid, days in data.residents_without_location
    )
    session.add_all(
        RunWaitingResident(
            run_id=run.id,
            resident_id=rid,
            reasons=[{"code": NO_CONSENT, "volunteers": 0}],
            waiting_days=days,
        )
        for rid, days in data.residents_without_consent
    )
    session.flush()
    audit.record(
        session,
        user,
        AuditAction.MATCH_RUN_STARTED,
        AuditSubject.MATCH_RUN,
        run.id,
        programme=programme_code,
        **run.stats,
    )
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


def restricted_resident() -> str:
    return _(
        "De verwerking van de gegevens van deze bewoner is beperkt (privacyverzoek): zolang dat zo is, wordt er "
        "niet gekoppeld."
    )


def no_matching_consent_resident() -> str:
    return _(
        "Deze bewoner heeft geen toestemming (meer) gegeven voor intake en koppelen: zolang dat zo is, wordt er niet "
        "gekoppeld. Leg eerst een nieuwe toestemming vast."
    )


def _waiting_resident(session: Session, resident_id: int) -> Resident:
    """A resident a coordinator may choose a buddy for: waiting, with the intake talk held and their consent for
    matching standing."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(_("Deze bewoner bestaat niet."))
    if resident.status in (ResidentStatus.KENNISMAKING, ResidentStatus.GEKOPPELD):
        raise Conflict(matches.resident_taken())
    if resident.status is not ResidentStatus.WACHTEND:
        raise Conflict(_("Deze bewoner staat niet meer op de wachtlijst."))
    if resident.restricted_at is not None:
        raise Conflict(restricted_resident())
    if not resident.consents_to_matching:
        raise Conflict(no_matching_consent_resident())
    if not may_be_matched(resident):
        raise DomainError(_("Met deze bewoner is nog geen intakegesprek gehouden. Leg dat eerst vast."))
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
    run_id: int | None = None,
) -> Match:
    """Match a resident with a volunteer chosen by hand; the volunteer must be a feasible candidate."""
    today = today or local_today()
    resident = _waiting_resident(session, resident_id)
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("Deze vrijwilliger bestaat niet."))
    if volunteer.free_capacity < 1 and volunteer.stopped_at is None:
        raise Conflict(matches.no_volunteer_room())
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

    if run_id is not None and session.get(MatchRun, run_id) is None:
        run_id = None
    return matches.match_by_hand(session, resident_id, volunteer_id, user, run_id=run_id)
