"""Matching: runs of the engine over the waiting list, and the candidates to choose from by hand.

Deciding on what the engine proposed (approving, rejecting, choosing by hand) changes matches, capacity and
residents, and goes through ``webapp.services.matches``, the one writer of that state and the keeper of the
promise that two coordinators acting at once never overfill a volunteer or give a resident two buddies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import ColumnElement

import matcher
from webapp import convert
from webapp.clock import local_today
from webapp.database import cycle_collection_paused
from webapp.enums import AuditAction, AuditSubject
from webapp.models import (
    Match,
    MatchRun,
    Programme,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    RunFailure,
    RunStage,
    RunStatus,
    RunWaitingResident,
    User,
    Volunteer,
    utcnow,
)
from webapp.reasons import pair_refusal
from webapp.rules import NO_CONSENT, NO_LOCATION, may_be_matched
from webapp.services import audit, matches, recruiting
from webapp.services.errors import Conflict, DomainError, NotFound

logger = logging.getLogger(__name__)

# -- runs ---------------------------------------------------------------------------------------------
#
# A run goes wachtrij -> bezig -> klaar or mislukt, off the request path. ``queue_run`` (a coordinator's request)
# creates it; ``execute_run`` (a worker: RQ in production, a thread under ``make run``) claims it, reports its
# progress and stores its result; ``fail_stale_runs`` fails a run whose worker stopped showing life. This module is
# the one writer of a run's status and progress, and every change of status is a conditional UPDATE on the status it
# expects: a run is claimed by one worker only, and a worker that comes back after its run was failed cannot store
# a result. At most one run per programme is queued or running: a partial unique index, and here, under the
# programme rows' locks, a run of the whole list and a run of one programme exclude each other.

ACTIVE_STATUSES = (RunStatus.WACHTRIJ, RunStatus.BEZIG)
#: How often a running run writes its progress at most (each write is a small committed UPDATE).
PROGRESS_INTERVAL_SECONDS = 0.5
_ENGINE_STAGES = {"scoring": RunStage.SCOREN, "solving": RunStage.OPLOSSEN, "certificate": RunStage.CERTIFICAAT}


class RunLost(Exception):
    """The run is no longer this worker's: it was failed (its heartbeat looked dead) while the worker was busy."""


def run_already_active() -> str:
    return _("Er loopt al een koppelronde voor dit programma. Wacht tot die klaar is.")


def queue_run(
    session: Session, user: User, programme_code: str | None, config: Mapping[str, Any], now: datetime | None = None
) -> MatchRun:
    """A new run of the engine over the waiting list (one programme, or all when None), queued for a worker."""
    now = now or utcnow()
    if programme_code is not None and session.get(Programme, programme_code) is None:
        raise NotFound(_("Dit programma bestaat niet."))
    # A second coordinator queueing a run for the same programme waits here for the first to commit, then sees it.
    scope = select(Programme.code).order_by(Programme.code).with_for_update()
    if programme_code is not None:
        scope = scope.where(Programme.code == programme_code)
    session.execute(scope).all()
    fail_stale_runs(session, config, now)
    overlapping = select(MatchRun.id).where(MatchRun.status.in_(ACTIVE_STATUSES))
    if programme_code is not None:
        overlapping = overlapping.where(
            or_(MatchRun.programme_code == programme_code, MatchRun.programme_code.is_(None))
        )
    if session.scalar(overlapping.limit(1)) is not None:
        raise Conflict(run_already_active())
    run = MatchRun(
        programme_code=programme_code,
        started_by=user,
        started_at=now,
        status=RunStatus.WACHTRIJ,
        heartbeat_at=now,
        rules={},
        stats={},
    )
    session.add(run)
    session.flush()
    audit.record(session, user, AuditAction.MATCH_RUN_STARTED, AuditSubject.MATCH_RUN, run.id, programme=programme_code)
    return run


def _set_status(
    session: Session, run_id: int, expected: tuple[RunStatus, ...], *conditions: ColumnElement[bool], **values: Any
) -> bool:
    """Change the run only if it is in one of the ``expected`` statuses (and meets ``conditions``); False when it is
    not (any more)."""
    result = session.execute(
        update(MatchRun)
        .where(MatchRun.id == run_id, MatchRun.status.in_(expected), *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    run = session.identity_map.get(identity_key(MatchRun, (run_id,)))
    if run is not None:
        session.expire(run)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def fail_run(
    session: Session,
    run_id: int,
    reason: RunFailure,
    *,
    error: str | None = None,
    expected: tuple[RunStatus, ...] = ACTIVE_STATUSES,
    now: datetime | None = None,
) -> bool:
    """Mark a queued or running run failed with its reason (``error``: the engine's message, for the admin)."""
    stats = {"error": error[:500]} if error else {}
    failed = _set_status(
        session,
        run_id,
        expected,
        status=RunStatus.MISLUKT,
        failure_reason=reason,
        finished_at=now or utcnow(),
        stats=stats,
    )
    if failed:
        run = session.get(MatchRun, run_id)
        audit.record(
            session,
            None,
            AuditAction.MATCH_RUN_FAILED,
            AuditSubject.MATCH_RUN,
            run_id,
            programme=run.programme_code if run else None,
            reason=reason.value,
        )
    return failed


def stale_after(config: Mapping[str, Any]) -> timedelta:
    return timedelta(seconds=int(config["SAMEN_RUN_HEARTBEAT_TIMEOUT"]))


def fail_stale_runs(session: Session, config: Mapping[str, Any], now: datetime | None = None) -> list[int]:
    """Fail the runs whose worker has not shown life for longer than the timeout: never picked up, or gone."""
    now = now or utcnow()
    cutoff = now - stale_after(config)
    stale = session.execute(
        select(MatchRun.id, MatchRun.status).where(MatchRun.status.in_(ACTIVE_STATUSES), MatchRun.heartbeat_at < cutoff)
    ).all()
    failed = []
    for run_id, status in stale:
        reason = RunFailure.NIET_OPGEPAKT if status is RunStatus.WACHTRIJ else RunFailure.VERWERKER_WEG
        # Conditional on the old heartbeat too: a worker that beat just now keeps its run.
        if _set_status(
            session,
            run_id,
            (status,),
            MatchRun.heartbeat_at < cutoff,
            status=RunStatus.MISLUKT,
            failure_reason=reason,
            finished_at=now,
        ):
            audit.record(
                session, None, AuditAction.MATCH_RUN_FAILED, AuditSubject.MATCH_RUN, run_id, reason=reason.value
            )
            failed.append(run_id)
    return failed


def beat(session: Session, run_id: int, now: datetime | None = None) -> bool:
    """The worker is alive (its heartbeat thread calls this); False when the run is no longer running."""
    return _set_status(session, run_id, (RunStatus.BEZIG,), heartbeat_at=now or utcnow())


def _claim(session: Session, run_id: int) -> bool:
    now = utcnow()
    return _set_status(
        session, run_id, (RunStatus.WACHTRIJ,), status=RunStatus.BEZIG, stage=RunStage.LADEN, heartbeat_at=now
    )


class _Progress:
    """The engine's progress callback: writes the stage (throttled) and stops the engine when the run was lost."""

    def __init__(self, session: Session, run_id: int) -> None:
        self.session, self.run_id = session, run_id
        self.stage: RunStage | None = None
        self.rounds = 0
        self.written_at = 0.0

    def __call__(self, stage: str, fraction: float | None) -> None:
        run_stage = _ENGINE_STAGES[stage]
        if run_stage is RunStage.CERTIFICAAT:
            self.rounds += 1
        changed = run_stage is not self.stage or run_stage is RunStage.CERTIFICAAT
        if not changed and time.monotonic() - self.written_at < PROGRESS_INTERVAL_SECONDS:
            return
        self.write(run_stage, None if fraction is None else round(100 * min(max(fraction, 0.0), 1.0)))

    def write(self, stage: RunStage, percent: int | None) -> None:
        self.stage = stage
        alive = _set_status(
            self.session,
            self.run_id,
            (RunStatus.BEZIG,),
            stage=stage,
            stage_percent=percent,
            certificate_round=self.rounds or None,
            heartbeat_at=utcnow(),
        )
        self.session.commit()
        self.written_at = time.monotonic()
        if not alive:
            raise RunLost(self.run_id)


def execute_run(session: Session, run_id: int, config: Mapping[str, Any]) -> RunStatus | None:
    """Claim a queued run, run the engine and store its proposals and reasons; the worker's side of a run.

    Commits as it goes (the progress is for other processes to read). Returns the run's final status, or None
    when the run was not this worker's to run (taken by another worker, failed meanwhile, or unknown).
    """
    if not _claim(session, run_id):
        session.rollback()
        return None
    session.commit()
    run = session.get(MatchRun, run_id)
    assert run is not None  # claimed just now
    programme_code = run.programme_code
    progress = _Progress(session, run_id)
    try:
        data = convert.load_run_input(session, config, programme_code)
        progress.write(RunStage.SCOREN, 0)
        result = matcher.propose_matches(data.volunteers, data.residents, data.rules, progress=progress)
        progress.write(RunStage.WERVING, None)
        advice = _recruiting_advice(session, run_id, programme_code, data, result)
        progress.write(RunStage.OPSLAAN, None)
        with cycle_collection_paused():  # tens of thousands of rows: 4.1-4.7 s -> 2.6-2.8 s over Haaglanden
            stored = _store_result(session, run_id, programme_code, data, result, advice)
    except RunLost:
        session.rollback()
        return None
    except matcher.MatcherInputError as error:
        session.rollback()
        fail_run(session, run_id, RunFailure.ONJUISTE_GEGEVENS, error=str(error))
        session.commit()
        return RunStatus.MISLUKT
    except Exception:
        session.rollback()
        logger.exception("match run %s failed", run_id)
        fail_run(session, run_id, RunFailure.ONVERWACHTE_FOUT)
        session.commit()
        return RunStatus.MISLUKT
    if not stored:
        session.rollback()
        return None
    session.commit()
    return RunStatus.KLAAR


def _recruiting_advice(
    session: Session,
    run_id: int,
    programme_code: str | None,
    data: convert.EngineInput,
    result: matcher.MatchResult,
) -> dict[str, Any]:
    """Wie zoeken we? after this run (``webapp.services.recruiting``), as the run keeps it. Should it fail, the run's
    proposals still count: the run keeps the failure and the page says so."""
    try:
        with session.begin_nested():
            return recruiting.as_json(recruiting.gaps_after_run(session, data, result, programme_code))
    except Exception:
        logger.exception("match run %s: Wie zoeken we? could not be worked out", run_id)
        return {"error": "onverwachte fout"}


def _store_result(
    session: Session,
    run_id: int,
    programme_code: str | None,
    data: convert.EngineInput,
    result: matcher.MatchResult,
    advice: dict[str, Any],
) -> bool:
    """Store a run's proposals and waiting residents and mark it done, in the caller's transaction; False (and
    nothing to commit) when the run was failed while the engine ran."""
    # Only the newest run's proposals can be approved: earlier open ones of everyone in scope lapse.
    in_scope = select(Resident.id)
    if programme_code is not None:
        in_scope = in_scope.where(Resident.programme_code == programme_code)
    matches.lapse_open_proposals(session, in_scope)

    stats = result.stats
    figures = {
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
    # Bulk INSERTs of plain rows: tens of thousands of ORM objects (and the ids they fetch back) would make
    # storing a national run take longer than the engine (41,000 proposals: 24 s as objects, see the README).
    if result.proposals:
        session.execute(insert(Proposal), [_proposal_row(run_id, p) for p in result.proposals])
    waited = {r.id: r.waiting_days for r in data.residents}
    waiting_rows = [
        {
            "run_id": run_id,
            "resident_id": u.resident_id,
            "feasible_volunteers": u.feasible_volunteers,
            "reasons": [{"code": r.code.value, "volunteers": r.volunteers} for r in u.reasons],
            "waiting_days": waited.get(u.resident_id, 0),
        }
        for u in result.unmatched
    ]
    waiting_rows.extend(
        {
            "run_id": run_id,
            "resident_id": rid,
            "feasible_volunteers": 0,
            "reasons": [{"code": code, "volunteers": 0}],
            "waiting_days": days,
        }
        for code, left_out in (
            (NO_LOCATION, data.residents_without_location),
            (NO_CONSENT, data.residents_without_consent),
        )
        for rid, days in left_out
    )
    if waiting_rows:
        session.execute(insert(RunWaitingResident), waiting_rows)
    session.flush()
    done = _set_status(
        session,
        run_id,
        (RunStatus.BEZIG,),
        status=RunStatus.KLAAR,
        stage=None,
        stage_percent=None,
        certificate_round=None,
        finished_at=utcnow(),
        rules=convert.rules_as_json(data.rules, data.vog_valid_years),
        stats=figures,
        recruiting=advice,
    )
    if done:
        run = session.get(MatchRun, run_id)
        audit.record(
            session,
            run.started_by if run else None,
            AuditAction.MATCH_RUN_FINISHED,
            AuditSubject.MATCH_RUN,
            run_id,
            programme=programme_code,
            **figures,
        )
    return done


def _proposal_row(run_id: int, p: matcher.Proposal) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "volunteer_id": int(p.volunteer_id),  # type: ignore[call-overload]
        "resident_id": int(p.resident_id),  # type: ignore[call-overload]
        "score": p.score,
        "distance_score": p.components.distance,
        "interests_score": p.components.interests,
        "availability_score": p.components.availability,
        "waiting_score": p.components.waiting,
        "distance_km": p.distance_km,
        "max_distance_km": p.max_distance_km,
        "shared_interests": list(p.shared_interests),
        "shared_slots": list(p.shared_slots),
        "shared_languages": list(p.shared_languages),
        "waiting_days": p.waiting_days,
        "status": ProposalStatus.OPEN,
    }


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
