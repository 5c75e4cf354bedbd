"""Loading the invented Rijswijk demo data from seed_data/ (for local use and demonstrations only)."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import (
    ConsentBy,
    ConsentMethod,
    Gender,
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
)
from webapp.postcodes import parse_postcode
from webapp.security import hash_password
from webapp.services import matches

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"


@dataclass(frozen=True)
class DemoCounts:
    organisations: int
    accounts: int
    volunteers: int
    residents: int
    matches: int


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (SEED_DIR / name).open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _split(value: str) -> list[str]:
    return [part for part in value.split(";") if part]


def _days_ago(today: date, value: str) -> date | None:
    return today - timedelta(days=int(value)) if value else None


def _birth_date(today: date, age: str) -> date | None:
    # Mid-year birthdays keep the stated age whatever today's date is.
    return date(today.year - int(age), 7, 1) if age else None


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Organisation))


def load_demo_data(session: Session, today: date) -> DemoCounts:
    """Add the demo organisations, accounts, volunteers, residents and a few matches. Never commits."""
    organisations = {
        row["name"]: Organisation(name=row["name"], kind=OrganisationKind(row["kind"]))
        for row in _rows("organisations.csv")
    }
    session.add_all(organisations.values())

    accounts = {}
    for row in _rows("accounts.csv"):
        accounts[row["email"]] = User(
            email=row["email"],
            name=row["name"],
            role=Role(row["role"]),
            organisation=organisations[row["organisation"]],
            password_hash=hash_password(row["password"]),
            must_change_password=False,
        )
    session.add_all(accounts.values())
    coordinator = accounts["coordinator@samen.test"]
    programmes = {p.code: p for p in session.scalars(select(Programme))}

    volunteers = [volunteer_from_row(row, programmes, coordinator, today) for row in _rows("volunteers.csv")]
    session.add_all(volunteers)

    residents = [resident_from_row(row, programmes, accounts, coordinator, today) for row in _rows("residents.csv")]
    session.add_all(residents)
    session.flush()

    matches = _a_few_running_matches(session, volunteers, residents, coordinator, today)
    return DemoCounts(len(organisations), len(accounts), len(volunteers), len(residents), matches)


def volunteer_from_row(
    row: Mapping[str, str], programmes: Mapping[str, Programme], coordinator: User, today: date
) -> Volunteer:
    """A volunteer from a row shaped like seed_data/volunteers.csv (the web benchmark draws more of them)."""
    postcode, area = parse_postcode(row["postcode"])
    signed_up = datetime.combine(today - timedelta(days=int(row["signed_up_days_ago"])), time(10))
    outcome = IntakeOutcome(row["intake_outcome"]) if row["intake_outcome"] else None
    vog_status = VogStatus(row["vog_status"])
    return Volunteer(
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        phone=row["phone"],
        birth_date=_birth_date(today, row["age"]),
        postcode=postcode,
        pc4=area.pc4,
        gender=Gender(row["gender"]),
        programmes=[programmes[code] for code in _split(row["programmes"])],
        interests=_split(row["interests"]),
        languages=_split(row["languages"]),
        availability=_split(row["availability"]),
        max_distance_km=float(row["max_distance_km"]),
        capacity=int(row["capacity"]),
        motivation=row["motivation"],
        lonely_themselves=row["lonely_themselves"] == "1",
        consent_at=signed_up,
        consent_version="2026-11",
        created_at=signed_up,
        intake_outcome=outcome,
        intake_on=_days_ago(today, row["intake_days_ago"]),
        intake_by=coordinator if outcome else None,
        vog_status=vog_status,
        vog_requested_on=_days_ago(today, row["vog_requested_days_ago"]),
        vog_issued_on=_days_ago(today, row["vog_issued_days_ago"]),
        vog_checked_by=coordinator if vog_status is VogStatus.AFGEGEVEN else None,
    )


def resident_from_row(
    row: Mapping[str, str],
    programmes: Mapping[str, Programme],
    accounts: Mapping[str, User],
    coordinator: User,
    today: date,
) -> Resident:
    """A resident, referred when ``referred_by`` names an account, from a row shaped like seed_data/residents.csv."""
    postcode, area = parse_postcode(row["postcode"])
    waiting_since = today - timedelta(days=int(row["waiting_days"]))
    referrer = accounts.get(row["referred_by"])
    resident = Resident(
        first_name=row["first_name"],
        last_name=row["last_name"],
        phone=row["phone"],
        birth_date=_birth_date(today, row["age"]),
        postcode=postcode,
        pc4=area.pc4,
        address=row["address"],
        gender=Gender(row["gender"]),
        preferred_gender=Gender(row["preferred_gender"]) if row["preferred_gender"] else None,
        programme=programmes[row["programme"]],
        interests=_split(row["interests"]),
        languages=_split(row["languages"]),
        availability=_split(row["availability"]),
        max_distance_km=float(row["max_distance_km"]) if row["max_distance_km"] else None,
        notes=row["notes"],
        source=ResidentSource.VERWIJZING if referrer else ResidentSource.COORDINATOR,
        waiting_since=waiting_since,
        intake_on=waiting_since + timedelta(days=3) if row["intake_done"] == "1" else None,
        intake_by=coordinator if row["intake_done"] == "1" else None,
        consent_by=ConsentBy.BEWONER,
        consent_on=waiting_since,
        consent_method=ConsentMethod.MONDELING,
        consent_recorded_by=referrer or coordinator,
        created_at=datetime.combine(waiting_since, time(11)),
    )
    if referrer is not None:
        resident.referral = Referral(
            referrer=referrer,
            organisation=referrer.organisation,
            reason=row["reason"],
            created_at=resident.created_at,
        )
    return resident


def _a_few_running_matches(
    session: Session, volunteers: list[Volunteer], residents: list[Resident], coordinator: User, today: date
) -> int:
    """Pair the five longest-waiting residents with intake done to a suitable buddy volunteer in their postcode area,
    so that the dashboard shows matches that are already running."""
    made = 0
    candidates = sorted(
        (r for r in residents if r.intake_on and r.programme_code == "buddy"), key=lambda r: r.waiting_since
    )
    for resident in candidates:
        volunteer = next(
            (
                v
                for v in volunteers
                if v.pc4 == resident.pc4
                and v.intake_outcome is IntakeOutcome.GESCHIKT
                and v.vog_status is VogStatus.AFGEGEVEN
                and "buddy" in v.programme_codes
                and v.places_taken < v.capacity
            ),
            None,
        )
        if volunteer is None:
            continue
        started = datetime.combine(today - timedelta(days=30 + 7 * made), time(14))
        matches.match_by_hand(session, resident.id, volunteer.id, coordinator, at=started)
        made += 1
        if made == 5:
            break
    session.flush()
    return made
