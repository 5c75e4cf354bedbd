"""Volunteers: sign-up through the public form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import Gender, Programme, Volunteer, utcnow
from webapp.services import audit


@dataclass(frozen=True)
class VolunteerSignup:
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: date
    postcode: str
    pc4: str
    gender: Gender | None
    programmes: tuple[str, ...]
    interests: tuple[str, ...]
    availability: tuple[str, ...]
    languages: tuple[str, ...]
    max_distance_km: float
    capacity: int
    motivation: str
    lonely_themselves: bool
    consent_version: str


def register_volunteer(session: Session, signup: VolunteerSignup) -> Volunteer:
    """A new volunteer from the public form, waiting for an intake talk."""
    programmes = session.scalars(select(Programme).where(Programme.code.in_(signup.programmes))).all()
    volunteer = Volunteer(
        first_name=signup.first_name.strip(),
        last_name=signup.last_name.strip(),
        email=signup.email.strip().lower(),
        phone=signup.phone.strip(),
        birth_date=signup.birth_date,
        postcode=signup.postcode,
        pc4=signup.pc4,
        gender=signup.gender,
        interests=list(signup.interests),
        availability=list(signup.availability),
        languages=list(signup.languages),
        max_distance_km=signup.max_distance_km,
        capacity=signup.capacity,
        motivation=signup.motivation.strip(),
        lonely_themselves=signup.lonely_themselves,
        consent_at=utcnow(),
        consent_version=signup.consent_version,
        programmes=list(programmes),
    )
    session.add(volunteer)
    session.flush()
    audit.record(session, None, "volunteer.signed_up", "volunteer", volunteer.id)
    return volunteer
