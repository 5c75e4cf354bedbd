"""Test helpers for the referral and resident pages: valid form data, proposals and matches made directly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from webapp.clock import local_today as today
from webapp.models import (
    Match,
    MatchRun,
    MatchStatus,
    Programme,
    Proposal,
    ProposalStatus,
    Resident,
    ResidentStatus,
    User,
    Volunteer,
)


def ensure_age_bounds(session: Session) -> Programme:
    """Jong ontmoet Oud with its policy (residents 65+, volunteers up to 30) set here, not taken from the seed:
    migration 0001 seeds it without its age bounds (alembic's bulk_insert uses the columns of its first row)."""
    programme = session.get(Programme, "jong-ontmoet-oud")
    assert programme is not None
    programme.resident_min_age, programme.volunteer_max_age = 65, 30
    session.commit()
    return programme


def resident_data(**overrides: Any) -> dict[str, Any]:
    """The resident fields of a valid form post."""
    data: dict[str, Any] = {
        "first_name": "Truus",
        "last_name": "van Leeuwen",
        "phone": "070 3901234",
        "email": "",
        "postcode": "2282 ab",
        "address": "",
        "birth_date": "",
        "gender": "",
        "programme": "buddy",
        "interests": ["koffie", "wandelen"],
        "availability": ["tue-afternoon", "thu-morning"],
        "languages": ["nl"],
        "preferred_gender": "",
        "max_distance_km": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def consent_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "consent_by": "bewoner",
        "consent_on": (today() - timedelta(days=1)).isoformat(),
        "consent_method": "mondeling",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def referral_post(**overrides: Any) -> dict[str, Any]:
    """A valid referral form post; pass ``field=None`` to leave a field out."""
    data = {
        **resident_data(),
        **consent_data(),
        "reason": "Weinig contacten sinds het overlijden van haar man.",
        "consent_confirmed": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def intake_post(**overrides: Any) -> dict[str, Any]:
    """A valid coordinator intake form post."""
    data = {
        **resident_data(first_name="Henk", last_name="Bakker"),
        **consent_data(),
        "intake_on": today().isoformat(),
        "notes": "Belt liever na de middag.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_post(resident: Resident, **overrides: Any) -> dict[str, Any]:
    """The edit form as a coordinator would post it without changes."""
    from webapp.residents.forms import resident_form_data

    data = resident_form_data(resident)
    data["birth_date"] = resident.birth_date.isoformat() if resident.birth_date else ""
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_proposal(
    session: Session,
    resident: Resident,
    volunteer: Volunteer,
    started_by: User,
    status: ProposalStatus = ProposalStatus.OPEN,
) -> Proposal:
    run = MatchRun(programme_code=resident.programme_code, started_by=started_by)
    proposal = Proposal(
        run=run,
        volunteer=volunteer,
        resident=resident,
        score=0.8,
        distance_score=0.9,
        interests_score=0.5,
        availability_score=1.0,
        waiting_score=0.2,
        distance_km=0.7,
        max_distance_km=5.0,
        shared_interests=["koken"],
        shared_slots=["tue-evening"],
        shared_languages=["nl"],
        waiting_days=20,
        status=status,
    )
    session.add_all([run, proposal])
    session.flush()
    return proposal


def make_active_match(session: Session, resident: Resident, volunteer: Volunteer, created_by: User) -> Match:
    """An approved pair, written directly: the resident is 'gekoppeld' and the volunteer's place is taken."""
    resident.status = ResidentStatus.GEKOPPELD
    volunteer.active_match_count = volunteer.active_match_count + 1
    match = Match(volunteer=volunteer, resident=resident, status=MatchStatus.ACTIEF, created_by=created_by)
    session.add(match)
    session.flush()
    return match
