"""Test data from one place: each factory returns a flushed row with sensible Rijswijk defaults.

Matches and the state they change (a volunteer's places, a resident's status) are made through
``webapp.services.matches``, the one writer of that state, never written here directly.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.clock import local_today
from webapp.models import (
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    IntakeOutcome,
    Match,
    MatchRun,
    MatchStatus,
    Organisation,
    OrganisationKind,
    Programme,
    Proposal,
    ProposalStatus,
    Referral,
    Resident,
    ResidentSource,
    ResidentStatus,
    Role,
    RunStatus,
    User,
    VogStatus,
    Volunteer,
    utcnow,
)
from webapp.rules import needs_representative
from webapp.security import hash_password
from webapp.services import consent, matches, referrals

PASSWORD = "correct horse battery"
CONTROLLER = "Welzijn Rijswijk"
# Far from Rijswijk (Noordwijk, about 20 km): beyond every distance limit.
FAR_PC4 = "2201"
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

    # -- organisations and accounts -------------------------------------------------------------------------

    def organisation(
        self, name: str | None = None, kind: OrganisationKind = OrganisationKind.WELZIJN, **fields: Any
    ) -> Organisation:
        if name == CONTROLLER:
            return self.controller()
        return self._add(Organisation(name=name or f"Organisatie {next(_sequence)}", kind=kind, **fields))

    def controller(self) -> Organisation:
        """Welzijn Rijswijk, the controlling organisation: one per test database."""
        existing = self.session.scalar(select(Organisation).where(Organisation.is_controller.is_(True)).limit(1))
        return existing or self._add(Organisation(name=CONTROLLER, kind=OrganisationKind.WELZIJN, is_controller=True))

    def user(
        self,
        role: Role = Role.COORDINATOR,
        email: str | None = None,
        organisation: Organisation | None = None,
        must_change_password: bool = False,
        **fields: Any,
    ) -> User:
        """A staff account; coordinators and admins work at the controller unless ``organisation`` says otherwise,
        referrers at an organisation of their own."""
        if organisation is None:
            organisation = self.organisation() if role is Role.REFERRER else self.controller()
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

    def _staff(self) -> User:
        """Whoever records a step when the test does not care who."""
        existing = self.session.scalar(select(User).where(User.role == Role.COORDINATOR).order_by(User.id).limit(1))
        return existing or self.user(Role.COORDINATOR)

    # -- people ---------------------------------------------------------------------------------------------

    def programme(self, code: str) -> Programme:
        programme = self.session.scalar(select(Programme).where(Programme.code == code))
        assert programme is not None, code
        return programme

    def volunteer(
        self,
        programmes: tuple[str, ...] = ("buddy",),
        screened: bool = True,
        places_taken: int = 0,
        consents: tuple[ConsentPurpose, ...] = (ConsentPurpose.INTAKE_MATCHING,),
        **fields: Any,
    ) -> Volunteer:
        """A volunteer who consented online to ``consents`` (through the consent service); with ``places_taken``,
        that many of their places are held by real matches."""
        defaults: dict[str, Any] = {
            "first_name": "Anna",
            "last_name": f"de Vries {next(_sequence)}",
            "email": f"vrijwilliger{next(_sequence)}@example.org",
            # A phone of their own: two volunteers with one phone and birth date are possible duplicates.
            "phone": f"06 {next(_sequence):08d}",
            "birth_date": date(1980, 5, 17),
            "postcode": "2282 AB",
            "pc4": "2282",
            "interests": ["wandelen", "koken"],
            "languages": ["nl"],
            "availability": ["tue-evening", "sat-morning"],
            "max_distance_km": 5.0,
            "capacity": max(1, places_taken),
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
        self._add(volunteer)
        for purpose in consents:
            given = consent.GivenConsent(purpose, ConsentGiver.PERSON, ConsentMethod.ONLINE, local_today(), "2026-11")
            consent.give(self.session, volunteer, given, None)
        for _ in range(places_taken):
            self.match(volunteer, self.resident(programme=programmes[0]))
        return volunteer

    def resident(
        self,
        programme: str = "buddy",
        recorded_by: User | None = None,
        consents: tuple[ConsentPurpose, ...] = (ConsentPurpose.INTAKE_MATCHING,),
        consent_on: date | None = None,
        **fields: Any,
    ) -> Resident:
        """A waiting resident with the intake talk held (pass ``intake_on=None`` for one nobody spoke to yet; pass
        ``status`` only as AFGESLOTEN: a matched resident comes from ``match``), who consented to ``consents``
        (told to ``recorded_by`` on ``consent_on``, through the consent service)."""
        assert fields.get("status") in (None, ResidentStatus.WACHTEND, ResidentStatus.AFGESLOTEN), (
            "a resident with a match: make.match(volunteer, resident)"
        )
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
            "intake_on": date.today() - timedelta(days=19),
            "intake_by": recorded_by,
        }
        defaults.update(fields)
        resident = self._add(Resident(**defaults))
        given_on = consent_on or local_today() - timedelta(days=20)
        young = needs_representative(resident.birth_date, given_on)
        giver = ConsentGiver.REPRESENTATIVE if young else ConsentGiver.PERSON
        for purpose in consents:
            given = consent.GivenConsent(purpose, giver, ConsentMethod.MONDELING, given_on, "2026-11")
            consent.give(self.session, resident, given, recorded_by)
        return resident

    def referral(self, referrer: User, **resident_fields: Any) -> Referral:
        """A referred resident nobody has spoken to yet (unless ``intake_on`` is given), who consented to intake and
        matching and to sharing the status with the referrer, as a referral records it."""
        resident_fields.setdefault("intake_on", None)
        resident_fields.setdefault("intake_by", None)
        resident_fields.setdefault("consents", (ConsentPurpose.INTAKE_MATCHING, ConsentPurpose.SHARE_STATUS))
        resident = self.resident(recorded_by=referrer, source=ResidentSource.VERWIJZING, **resident_fields)
        referral = self._add(
            Referral(
                resident=resident,
                referrer=referrer,
                organisation_id=referrer.organisation_id,
                reason="Vereenzaamd na verhuizing",
            )
        )
        referrals.refresh_status(self.session, resident.id)
        return referral

    # -- runs, proposals, matches ---------------------------------------------------------------------------

    def run(self, started_by: User | None = None, programme_code: str | None = None, **fields: Any) -> MatchRun:
        """A finished run (as a worker leaves it), unless ``status`` says otherwise."""
        now = utcnow()
        fields.setdefault("status", RunStatus.KLAAR)
        fields.setdefault("finished_at", None if fields["status"].active else now)
        if fields["status"].active:
            fields.setdefault("heartbeat_at", now)
        return self._add(
            MatchRun(
                programme_code=programme_code,
                started_by=started_by or self._staff(),
                started_at=now,
                rules=fields.pop("rules", {}),
                stats=fields.pop("stats", {}),
                **fields,
            )
        )

    def proposal(
        self, volunteer: Volunteer, resident: Resident, run: MatchRun | None = None, **fields: Any
    ) -> Proposal:
        """A stored proposal (as a run would leave it) for the pair, in a run of its own unless ``run`` is given."""
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
        run = run or self.run(programme_code=resident.programme_code)
        return self._add(Proposal(run_id=run.id, volunteer_id=volunteer.id, resident_id=resident.id, **values))

    def match(
        self,
        volunteer: Volunteer,
        resident: Resident,
        by: User | None = None,
        *,
        status: MatchStatus = MatchStatus.ACTIEF,
        planned: bool = True,
        started_on: date | None = None,
    ) -> Match:
        """A match chosen by hand, taken through the matches service as far as ``status``: in its introduction
        (planned for today unless ``planned`` is false), active (both said yes, from ``started_on``, default
        today), or ended again (reason "geen klik", the resident back on the waiting list)."""
        by = by or self._staff()
        start = started_on or local_today()
        chosen_at = datetime.combine(start, time(9)) if started_on else None
        match = matches.match_by_hand(self.session, resident.id, volunteer.id, by, at=chosen_at)
        if status is not MatchStatus.KENNISMAKING or planned:
            introduction = matches.Introduction(start, None, "Buurthuis De Bron", coordinator_joins=True)
            matches.plan_introduction(self.session, match.id, by, introduction)
        if status is not MatchStatus.KENNISMAKING:
            matches.record_outcome(self.session, match.id, by, both_yes=True, started_on=start)
        if status is MatchStatus.BEEINDIGD:
            matches.end_match(self.session, match.id, by, matches.Ending("geen_klik", local_today(), "", True))
        self.session.flush()
        self.session.refresh(match)
        return match

    # -- the AVG's rights: consents as recorded, data subject requests ------------------------------------------

    def consent_row(
        self,
        person: Resident | Volunteer,
        purpose: ConsentPurpose = ConsentPurpose.INTAKE_MATCHING,
        withdrawn_at: datetime | None = None,
        withdrawal_note: str = "",
    ) -> Any:
        """The person's consent for ``purpose``, through the consent service: the standing one (given now when there
        is none), or, with ``withdrawn_at`` or ``withdrawal_note``, that consent withdrawn (the moment is now)."""
        from webapp.models import Consent

        staff = self._staff()
        standing = [c for c in consent.current(self.session, person) if c.purpose is purpose and c.given]
        if standing:
            row: Consent | None = standing[0].consent
        else:
            given = consent.GivenConsent(
                purpose, ConsentGiver.PERSON, ConsentMethod.MONDELING, local_today() - timedelta(days=20), "2026-11"
            )
            row = consent.give(self.session, person, given, staff)
        if withdrawn_at is not None or withdrawal_note:
            row = consent.withdraw(self.session, person, purpose, staff, withdrawal_note).consent
        self.session.flush()
        return row

    def subject_request(
        self,
        person: Resident | Volunteer,
        kind: Any = None,
        received_on: date | None = None,
        by: User | None = None,
        **fields: Any,
    ) -> Any:
        """A data subject request about ``person``, registered through the service (due one month later)."""
        from webapp.enums import RequestKind, SubjectKind
        from webapp.services import subject_rights

        subject_kind = SubjectKind.RESIDENT if isinstance(person, Resident) else SubjectKind.VOLUNTEER
        new = subject_rights.NewRequest(
            kind=kind or RequestKind.ACCESS,
            subject_kind=subject_kind,
            subject_id=person.id,
            received_on=received_on or local_today(),
            received_via=fields.pop("received_via", "telefoon"),
            note=fields.pop("note", ""),
        )
        return subject_rights.register_request(self.session, by or self._staff(), new, today=local_today())

    # -- reading --------------------------------------------------------------------------------------------

    def holding_matches(self, **where: Any) -> int:
        """How many place-holding matches there are (for the pair, volunteer or resident in ``where``)."""
        query = select(func.count()).select_from(Match).where(Match.holds_place)
        for name, value in where.items():
            query = query.where(getattr(Match, name) == value)
        return int(self.session.scalar(query) or 0)


def today() -> date:
    """Today where the coordinators work, as the app sees it (the test machine may run on UTC)."""
    return local_today()
