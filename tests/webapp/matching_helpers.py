"""Helpers for the matching tests: stored runs and proposals without running the engine."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import Match, MatchRun, MatchStatus, Proposal, ProposalStatus, Resident, User, Volunteer, utcnow

# Far from Rijswijk (Noordwijk, about 20 km): beyond every distance limit.
FAR_PC4 = "2201"


def add_run(session: Session, user: User, programme_code: str | None = None) -> MatchRun:
    run = MatchRun(programme_code=programme_code, started_by=user, started_at=utcnow(), rules={}, stats={})
    session.add(run)
    session.flush()
    return run


def add_proposal(session: Session, run: MatchRun, volunteer: Volunteer, resident: Resident, **fields: Any) -> Proposal:
    values: dict[str, Any] = {
        "score": 0.8,
        "distance_score": 0.9,
        "interests_score": 0.5,
        "availability_score": 0.5,
        "waiting_score": 0.1,
        "distance_km": 1.234,
        "max_distance_km": 5.0,
        "shared_interests": ["wandelen", "koken"],
        "shared_slots": ["tue-evening", "sat-morning"],
        "shared_languages": ["nl"],
        "waiting_days": 45,
        "status": ProposalStatus.OPEN,
    }
    values.update(fields)
    proposal = Proposal(run_id=run.id, volunteer_id=volunteer.id, resident_id=resident.id, **values)
    session.add(proposal)
    session.flush()
    return proposal


def add_ended_match(session: Session, volunteer: Volunteer, resident: Resident, user: User) -> Match:
    match = Match(
        volunteer_id=volunteer.id,
        resident_id=resident.id,
        created_by=user,
        status=MatchStatus.BEEINDIGD,
        ended_at=utcnow(),
        end_reason="Klik was er niet",
    )
    session.add(match)
    session.flush()
    return match


def active_matches(session: Session, **where: Any) -> int:
    query = select(func.count()).select_from(Match).where(Match.status == MatchStatus.ACTIEF)
    for name, value in where.items():
        query = query.where(getattr(Match, name) == value)
    return int(session.scalar(query) or 0)


def config() -> Any:
    return current_app.config
