"""Small factories for app tests: each returns a flushed row with sensible Rijswijk defaults."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import (
    ConsentBy,
    ConsentMethod,
    IntakeOutcome,
    Organisation,
    OrganisationKind,
    Programme,
    Referral,
    Resident,
    ResidentSource,
    Role,
    User,
    VogStatus,
    Volunteer,
    utcnow,
)
from webapp.security import hash_password

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def _password_hash() -> str:
    return hash_password(PASSWORD)


class Factories:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def organisation(self, name: str | None = None, kind: OrganisationKind = OrganisationKind.WELZIJN) -> Organisation:
        return self._add(Organisation(name=name or f"Organisatie {next(_sequence)}", kind=kind))

    def user(
        self,
        role: Role = Role.COORDINATOR,
        email: str | None = None,
        organisation: Organisation | None = None,
        must_change_password: bool = False,
        **fields: Any,
    ) -> User:
        organisation = organisation or self.organisation()
        return self._add(
            User(
                email=email or f"{role.value}{next(_sequence)}@example.org",
                name=fields.pop("name", f"Test {role.value}"),
                password_hash=_password_hash(),
                role=role,
                organisation=organisation,
                must_change_password=must_change_password,
                **fields,
            )
        )

    def programme(self, code: str) -> Programme:
        programme = self.session.scalar(select(Programme).where(Programme.code == code))
        assert programme is not None, code
        return programme

    def volunteer(self, programmes: tuple[str, ...] = ("buddy",), screened: bool = True, **fields: Any) -> Volunteer:
        defaults: dict[str, Any] = {
            "first_name": "Anna",
            "last_name": f"de Vries {next(_sequence)}",
            "email": f"vrijwilliger{next(_sequence)}@example.org",
            "phone": "06 12345678",
            "birth_date": date(1980, 5, 17),
            "postcode": "2282 AB",
            "pc4": "2282",
            "interests": ["wandelen", "koken"],
            "languages": ["nl"],
            "availability": ["tue-evening", "sat-morning"],
            "max_distance_km": 5.0,
            "capacity": 1,
            "consent_at": utcnow(),
            "consent_version": "2026-11",
        }
        if screened:
            defaults.update(
                intake_outcome=IntakeOutcome.GESCHIKT,
                intake_on=date.today() - timedelta(days=30),
                vog_status=VogStatus.AFGEGEVEN,
                vog_requested_on=date.today() - timedelta(days=60),
                vog_issued_on=date.today() - timedelta(days=40),
            )
        defaults.update(fields)
        volunteer = Volunteer(**defaults)
        volunteer.programmes = [self.programme(code) for code in programmes]
        return self._add(volunteer)

    def resident(self, programme: str = "buddy", recorded_by: User | None = None, **fields: Any) -> Resident:
        recorded_by = recorded_by or self.user(Role.COORDINATOR)
        defaults: dict[str, Any] = {
            "first_name": "Kees",
            "last_name": f"Jansen {next(_sequence)}",
            "phone": "070 1234567",
            "postcode": "2282 AC",
            "pc4": "2282",
            "programme_code": programme,
            "interests": ["koken", "lezen"],
            "languages": ["nl"],
            "availability": ["tue-evening", "wed-morning"],
            "source": ResidentSource.COORDINATOR,
            "waiting_since": date.today() - timedelta(days=20),
            "consent_by": ConsentBy.BEWONER,
            "consent_on": date.today() - timedelta(days=20),
            "consent_method": ConsentMethod.MONDELING,
            "consent_recorded_by": recorded_by,
        }
        defaults.update(fields)
        return self._add(Resident(**defaults))

    def referral(self, referrer: User, **resident_fields: Any) -> Referral:
        resident = self.resident(recorded_by=referrer, source=ResidentSource.VERWIJZING, **resident_fields)
        return self._add(
            Referral(
                resident=resident,
                referrer=referrer,
                organisation_id=referrer.organisation_id,
                reason="Vereenzaamd na verhuizing",
            )
        )
