"""Helpers for the screening, dashboard and admin tests: plain stand-ins for the pure eligibility rule, and
rows the shared factories do not make (matches, proposals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from webapp.models import (
    IntakeOutcome,
    Match,
    MatchRun,
    MatchStatus,
    Proposal,
    ProposalStatus,
    Resident,
    User,
    VogStatus,
    Volunteer,
)


@dataclass
class FakeVolunteer:
    """What ``eligible_programmes`` reads, with a volunteer who may be matched everywhere as the default."""

    programme_codes: list[str] = field(default_factory=lambda: ["buddy"])
    intake_outcome: IntakeOutcome | None = IntakeOutcome.GESCHIKT
    stopped_at: datetime | None = None
    capacity: int = 1
    active_match_count: int = 0
    vog_status: VogStatus = VogStatus.AFGEGEVEN
    vog_issued_on: date | None = date(2025, 1, 1)


@dataclass(frozen=True)
class FakeProgramme:
    requires_vog: bool = True
    active: bool = True


def add_match(session: Session, volunteer: Volunteer, resident: Resident, created_by: User, **fields: Any) -> Match:
    """An active match, with the volunteer's counter raised as the matching service would."""
    match = Match(volunteer=volunteer, resident=resident, created_by=created_by, **fields)
    session.add(match)
    if match.status in (None, MatchStatus.ACTIEF):
        volunteer.active_match_count += 1
    session.flush()
    return match


def add_proposal(
    session: Session, volunteer: Volunteer, resident: Resident, started_by: User, status: ProposalStatus
) -> Proposal:
    run = MatchRun(started_by=started_by, programme_code=resident.programme_code)
    proposal = Proposal(
        run=run,
        volunteer=volunteer,
        resident=resident,
        score=0.8,
        distance_score=0.8,
        interests_score=0.5,
        availability_score=1.0,
        waiting_score=0.1,
        distance_km=1.2,
        max_distance_km=5.0,
        status=status,
    )
    session.add_all([run, proposal])
    session.flush()
    return proposal


def today() -> date:
    """Today where the coordinators work, as the app sees it (the test machine may run on UTC)."""
    from webapp.clock import local_today

    return local_today()
