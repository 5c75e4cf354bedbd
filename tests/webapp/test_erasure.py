"""Erasure (webapp/services/erasure.py): a person's identifying data leave every table, the anonymous rows stay.

"Every table" is meant literally: ``tests/webapp/traces.py`` reads every text and JSON column of every table in the
metadata and looks for the person's names, e-mail address, phone number (also its digits alone), address and
postcode; another person's data are still found by the same search, so the search is real.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.webapp.factories import today
from tests.webapp.traces import digits, traces
from webapp.enums import (
    CheckInMethod,
    CheckInVerdict,
    CheckInWith,
    ConsentPurpose,
    MatchStatus,
    ProposalStatus,
    RequestKind,
    ResidentStatus,
)
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    CheckIn,
    Consent,
    Match,
    MatchEvent,
    OutboxMail,
    Proposal,
    Referral,
    Resident,
    Role,
    SubjectRequest,
    Volunteer,
    utcnow,
)
from webapp.services import erasure, matches, outbox, screening
from webapp.services.errors import Conflict


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


@dataclass(frozen=True)
class Person:
    """Someone whose data the test plants everywhere, and the strings that must be gone after the erasure."""

    row: Any
    first_name: str
    last_name: str
    email: str
    phone: str
    address: str = ""
    postcode: str = ""

    @property
    def needles(self) -> list[str]:
        return [
            self.first_name,
            self.last_name,
            self.email,
            self.phone,
            digits(self.phone),
            self.address,
            self.postcode,
        ]


def _staff(make: Any) -> Any:
    return make.user(Role.COORDINATOR, name="Carla Coördinator")


def _resident_everywhere(make: Any) -> Person:
    """A referred resident with an intake talk, an ended match (planned at her home, a check-in, an ending note),
    a rejected and undone proposal, an open proposal, a withdrawn consent, a request, and mails to and about her."""
    staff = _staff(make)
    referrer = make.user(Role.REFERRER, name="Fiona Flatcoach", email="fiona@rijswijkwonen.example")
    person = {
        "first_name": "Wilhelmina",
        "last_name": "Zwartkruis",
        "email": "w.zwartkruis@example.net",
        "phone": "06-1357 9246",
        "address": "Klaverweg 77",
        "postcode": "2282 XQ",
    }
    referral = make.referral(
        referrer,
        pc4="2282",
        birth_date=date(1941, 6, 3),
        notes="Wilhelmina belt graag 's ochtends.",
        intake_on=today() - timedelta(days=15),
        **person,
    )
    referral.reason = "Wilhelmina Zwartkruis is vereenzaamd sinds haar man overleed."
    resident = referral.resident
    volunteer = make.volunteer()
    match = matches.match_by_hand(db.session, resident.id, volunteer.id, staff)
    place = "Bij Wilhelmina thuis, Klaverweg 77"
    matches.plan_introduction(db.session, match.id, staff, matches.Introduction(today(), None, place, True))
    matches.record_outcome(db.session, match.id, staff, both_yes=True, started_on=today())
    check_in = matches.CheckInRecord(
        today(), CheckInWith.BEWONER, CheckInMethod.TELEFOON, CheckInVerdict.GOED, "Wilhelmina geniet ervan."
    )
    matches.record_check_in(db.session, match.id, staff, check_in)
    ending = matches.Ending("doel_bereikt", today(), "Wilhelmina Zwartkruis verhuist misschien.", True)
    matches.end_match(db.session, match.id, staff, ending)
    rejected = make.proposal(make.volunteer(), resident)
    matches.reject_proposal(db.session, rejected.id, staff, "anders", "Wilhelmina wil liever een vrouw.")
    matches.undo_rejection(db.session, rejected.id, staff, "Wilhelmina Zwartkruis bedacht zich.")
    make.proposal(make.volunteer(), resident)
    make.consent_row(
        resident,
        purpose=ConsentPurpose.EVALUATION,
        withdrawn_at=utcnow(),
        withdrawal_note="Wilhelmina wil niet gebeld worden: 06-1357 9246.",
    )
    make.subject_request(resident, RequestKind.ERASURE, note="Wilhelmina Zwartkruis belde zelf.")
    outbox.enqueue(db.session, "test", person["email"], "Voor Wilhelmina", "Beste Wilhelmina Zwartkruis,")
    db.session.flush()
    return Person(resident, **person)


def _volunteer_everywhere(make: Any) -> Person:
    """A volunteer with motivation and intake notes, an ended match with a check-in, a rejected proposal, a
    withdrawn consent, a request and a mail."""
    staff = _staff(make)
    person = {
        "first_name": "Bartholomeus",
        "last_name": "Vredeveld",
        "email": "bart.vredeveld@example.net",
        "phone": "070-246 8135",
        "postcode": "2283 KL",
    }
    volunteer = make.volunteer(
        pc4="2283",
        motivation="Ik, Bartholomeus Vredeveld, wandel graag.",
        intake_notes="Bartholomeus is hartelijk; bereikbaar op 070-246 8135.",
        **person,
    )
    resident = make.resident()
    match = matches.match_by_hand(db.session, resident.id, volunteer.id, staff)
    place = "Bij Bartholomeus thuis"
    matches.plan_introduction(db.session, match.id, staff, matches.Introduction(today(), None, place, False))
    matches.record_outcome(db.session, match.id, staff, both_yes=True, started_on=today())
    check_in = matches.CheckInRecord(
        today(), CheckInWith.VRIJWILLIGER, CheckInMethod.TELEFOON, CheckInVerdict.GOED, "Bartholomeus is blij."
    )
    matches.record_check_in(db.session, match.id, staff, check_in)
    ending = matches.Ending("doel_bereikt", today(), "Vredeveld gaat verhuizen.", True)
    matches.end_match(db.session, match.id, staff, ending)
    rejected = make.proposal(volunteer, make.resident())
    matches.reject_proposal(db.session, rejected.id, staff, "anders", "Bartholomeus heeft geen auto.")
    make.consent_row(volunteer, withdrawn_at=utcnow(), withdrawal_note="Vredeveld stopt ermee.")
    make.subject_request(volunteer, RequestKind.ERASURE, note="Bartholomeus mailde zelf.")
    outbox.enqueue(db.session, "test", person["email"], "Welkom Bartholomeus", "Beste Bartholomeus,")
    db.session.flush()
    return Person(volunteer, **person)


def _bystander(make: Any) -> Person:
    """Someone else, whose data must still be found after the erasure."""
    resident = make.resident(
        first_name="Gerarda", last_name="Blauwhoed", email="g.blauwhoed@example.net", phone="06-9753 1864"
    )
    return Person(resident, "Gerarda", "Blauwhoed", "g.blauwhoed@example.net", "06-9753 1864")


def _found(person: Person) -> dict[str, set[str]]:
    return {needle: places for needle, places in traces(person.needles).items() if places}


# -- no trace -------------------------------------------------------------------------------------------------


def test_the_search_finds_the_resident_in_text_and_json_columns_before_erasure(make: Any) -> None:
    person = _resident_everywhere(make)

    found = traces(person.needles)

    assert {"residents.first_name", "referrals.reason", "check_ins.note", "matches.end_note"} <= found["Wilhelmina"]
    assert "match_events.detail" in found["Klaverweg 77"]  # inside JSON
    assert "outbox.to_address" in found["w.zwartkruis@example.net"]
    assert "consents.withdrawal_note" in found["0613579246"]  # the digits of a phone written with a dash


def test_erasing_a_resident_leaves_no_trace_of_their_identifying_data(make: Any) -> None:
    person = _resident_everywhere(make)
    bystander = _bystander(make)
    staff = _staff(make)

    erasure.erase_resident(db.session, staff, person.row.id)
    db.session.commit()

    assert _found(person) == {}
    assert all(traces(bystander.needles).values())  # the same search still finds someone else


def test_erasing_a_volunteer_leaves_no_trace_of_their_identifying_data(make: Any) -> None:
    person = _volunteer_everywhere(make)
    bystander = _bystander(make)
    staff = _staff(make)

    erasure.erase_volunteer(db.session, staff, person.row.id)
    db.session.commit()

    assert _found(person) == {}
    assert all(traces(bystander.needles).values())


def test_audit_rows_keep_ids_and_no_names(make: Any) -> None:
    person = _resident_everywhere(make)

    erasure.erase_resident(db.session, _staff(make), person.row.id)
    db.session.commit()

    recorded = db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "resident", AuditEvent.subject_id == person.row.id)
    ).all()
    assert "resident.anonymised" in {event.action for event in recorded}
    in_audit = {place for places in traces(person.needles).values() for place in places if "audit" in place}
    assert in_audit == set()


def test_a_stopping_reason_leaves_no_trace_in_the_audit_trail(make: Any) -> None:
    staff = _staff(make)
    volunteer = make.volunteer(first_name="Bartholomeus", last_name="Vredeveld")
    screening.stop_volunteer(db.session, volunteer, staff, "Bartholomeus Vredeveld verhuist.", volunteer.version)

    erasure.erase_volunteer(db.session, staff, volunteer.id)
    db.session.commit()

    assert traces(["Bartholomeus", "Vredeveld"]) == {"Bartholomeus": set(), "Vredeveld": set()}


# -- what stays -----------------------------------------------------------------------------------------------


def test_erasure_keeps_the_anonymous_rows_for_the_figures(make: Any) -> None:
    person = _resident_everywhere(make)
    match = db.session.scalar(select(Match).where(Match.resident_id == person.row.id))
    assert match is not None
    started_on, ended_on, reason = match.started_on, match.ended_on, match.end_reason_code

    erasure.erase_resident(db.session, _staff(make), person.row.id)
    db.session.commit()

    resident = db.session.get(Resident, person.row.id)
    assert resident is not None
    assert (resident.first_name, resident.last_name) == (erasure.ANONYMOUS_NAME, f"#{resident.id}")
    assert (resident.postcode, resident.pc4, resident.birth_date) == ("2282", "2282", date(1941, 1, 1))
    assert resident.programme_code == "buddy"
    assert resident.anonymised_at is not None
    kept = db.session.get(Match, match.id)
    assert kept is not None
    assert (kept.status, kept.started_on, kept.ended_on, kept.end_reason_code) == (
        MatchStatus.BEEINDIGD,
        started_on,
        ended_on,
        reason,
    )
    assert [c.verdict for c in db.session.scalars(select(CheckIn).where(CheckIn.match_id == match.id))] == [
        CheckInVerdict.GOED
    ]
    # The referral's two consents (intake and matching, sharing the status) and the withdrawn one for an evaluation.
    assert db.session.scalar(select(func.count(Consent.id)).where(Consent.resident_id == resident.id)) == 3


def test_a_referral_keeps_who_referred(make: Any) -> None:
    person = _resident_everywhere(make)
    referral = db.session.scalar(select(Referral).where(Referral.resident_id == person.row.id))
    assert referral is not None
    referrer_id, organisation_id = referral.referrer_id, referral.organisation_id

    erasure.erase_resident(db.session, _staff(make), person.row.id)
    db.session.commit()

    db.session.refresh(referral)
    assert (referral.referrer_id, referral.organisation_id, referral.reason) == (referrer_id, organisation_id, "")
    assert referral.referrer.name == "Fiona Flatcoach"


def test_an_introduction_place_that_names_no_one_stays(make: Any) -> None:
    staff = _staff(make)
    resident = make.resident(first_name="Truus", last_name="Plompen")
    match = make.match(make.volunteer(), resident, status=MatchStatus.BEEINDIGD)  # planned at "Buurthuis De Bron"

    erasure.erase_resident(db.session, staff, resident.id)
    db.session.commit()

    kept = db.session.get(Match, match.id)
    assert kept is not None
    assert kept.introduction_place == "Buurthuis De Bron"
    planned = db.session.scalars(select(MatchEvent.detail).where(MatchEvent.match_id == match.id)).all()
    assert {"place": "Buurthuis De Bron"}.items() <= next(d for d in planned if "place" in d).items()


def test_a_waiting_resident_is_closed_and_their_open_proposals_lapse(make: Any) -> None:
    resident = make.resident(first_name="Dirkje", last_name="Wachtmans")
    proposal = make.proposal(make.volunteer(), resident)

    erasure.erase_resident(db.session, _staff(make), resident.id)
    db.session.commit()

    db.session.refresh(resident)
    assert resident.status is ResidentStatus.AFGESLOTEN
    assert resident.closed_reason == erasure.ERASED_ON_REQUEST
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN


def test_a_volunteer_who_had_not_stopped_is_stopped(make: Any) -> None:
    volunteer = make.volunteer()
    proposal = make.proposal(volunteer, make.resident())

    erasure.erase_volunteer(db.session, _staff(make), volunteer.id)
    db.session.commit()

    db.session.refresh(volunteer)
    assert volunteer.stopped_at is not None
    assert volunteer.anonymised_at is not None
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN
    assert (volunteer.birth_date, volunteer.postcode) == (date(1980, 1, 1), "2282")


# -- refusals -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [MatchStatus.KENNISMAKING, MatchStatus.ACTIEF])
def test_erasing_a_resident_is_refused_during_a_running_match(make: Any, status: MatchStatus) -> None:
    resident = make.resident(first_name="Mientje", last_name="Lopend")
    make.match(make.volunteer(), resident, status=status)
    db.session.commit()

    with pytest.raises(Conflict, match="lopende koppeling"):
        erasure.erase_resident(db.session, _staff(make), resident.id)
    db.session.rollback()

    db.session.refresh(resident)
    assert (resident.first_name, resident.anonymised_at) == ("Mientje", None)


@pytest.mark.parametrize("status", [MatchStatus.KENNISMAKING, MatchStatus.ACTIEF])
def test_erasing_a_volunteer_is_refused_during_a_running_match(make: Any, status: MatchStatus) -> None:
    volunteer = make.volunteer(first_name="Joost", last_name="Bezet")
    make.match(volunteer, make.resident(), status=status)
    db.session.commit()

    with pytest.raises(Conflict, match="lopende koppeling"):
        erasure.erase_volunteer(db.session, _staff(make), volunteer.id)
    db.session.rollback()

    db.session.refresh(volunteer)
    assert (volunteer.first_name, volunteer.anonymised_at, volunteer.stopped_at) == ("Joost", None, None)


def test_a_refused_erasure_changes_nothing_in_the_session(make: Any) -> None:
    volunteer = make.volunteer(capacity=2)
    make.match(volunteer, make.resident(), status=MatchStatus.ACTIEF)
    proposal = make.proposal(volunteer, make.resident())
    db.session.commit()

    with pytest.raises(Conflict):
        erasure.erase_volunteer(db.session, _staff(make), volunteer.id)

    # Refused before the first write: even without a rollback, nothing is pending.
    assert not db.session.dirty
    assert not db.session.new
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.OPEN
    assert db.session.get(Volunteer, volunteer.id).stopped_at is None


def test_erasing_twice_is_refused(make: Any) -> None:
    volunteer = make.volunteer()
    erasure.erase_volunteer(db.session, _staff(make), volunteer.id)
    db.session.commit()

    with pytest.raises(Conflict, match="al gewist"):
        erasure.erase_volunteer(db.session, _staff(make), volunteer.id)


def test_the_requests_about_the_person_stay_without_their_notes(make: Any) -> None:
    person = _volunteer_everywhere(make)

    erasure.erase_volunteer(db.session, _staff(make), person.row.id)
    db.session.commit()

    kept = db.session.scalars(select(SubjectRequest).where(SubjectRequest.subject_id == person.row.id)).all()
    assert [(r.kind, r.note) for r in kept] == [(RequestKind.ERASURE, "")]


def test_mails_to_the_person_are_deleted_and_others_kept(make: Any) -> None:
    person = _volunteer_everywhere(make)
    outbox.enqueue(db.session, "test", "iemand.anders@example.net", "Hallo", "Beste Gerarda,")

    erasure.erase_volunteer(db.session, _staff(make), person.row.id)
    db.session.commit()

    assert db.session.scalars(select(OutboxMail.to_address)).all() == ["iemand.anders@example.net"]


# -- what may point at someone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "identifying"),
    [
        ("Buurthuis De Bron", False),
        ("Bibliotheek Rijswijk, leescafé", False),
        ("Bij de bewoner thuis", False),
        ("Buurthuis Het Net", False),  # the domain of her e-mail address names no one
        ("bij Mina", True),  # the e-mail address's name does
        ("Klaverweg 77", True),
        ("2282 XQ", True),
        ("Bij Wilhelmina thuis", True),
        ("bij mevrouw ZWARTKRUIS", True),
    ],
)
def test_may_identify_an_introduction_place(place: str, identifying: bool) -> None:
    words = erasure.identifying_words("Wilhelmina", "van der Zwartkruis", "Klaverweg 77", email="mina.z@example.net")

    assert erasure.may_identify(place, words) is identifying


def test_name_particles_are_not_identifying_words() -> None:
    assert erasure.identifying_words("Jan", "van der Berg") == {"jan", "berg"}


def test_year_only_keeps_the_year() -> None:
    assert erasure.year_only(date(1941, 6, 3)) == date(1941, 1, 1)
    assert erasure.year_only(None) is None


def test_the_volunteer_row_stays_countable(make: Any) -> None:
    person = _volunteer_everywhere(make)

    erasure.erase_volunteer(db.session, _staff(make), person.row.id)
    db.session.commit()

    assert db.session.scalar(select(func.count(Volunteer.id))) >= 1
    volunteer = db.session.get(Volunteer, person.row.id)
    assert volunteer is not None
    assert (volunteer.programme_codes, volunteer.interests) == (["buddy"], ["wandelen", "koken"])


def test_erased_people_cannot_be_edited_any_more(as_coordinator: Any, make: Any) -> None:
    resident, volunteer = make.resident(), make.volunteer()
    staff = _staff(make)
    erasure.erase_resident(db.session, staff, resident.id)
    erasure.erase_volunteer(db.session, staff, volunteer.id)
    db.session.commit()

    for detail, edit in (
        (f"/bewoners/{resident.id}", f"/bewoners/{resident.id}/bewerken"),
        (f"/vrijwilligers/{volunteer.id}", f"/vrijwilligers/{volunteer.id}/bewerken"),
    ):
        assert "Gegevens wijzigen" not in as_coordinator.get(detail).get_data(as_text=True)
        response = as_coordinator.post(edit, data={"first_name": "Weer", "last_name": "Terug"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(detail)
        assert "er valt niets meer te wijzigen" in as_coordinator.get(detail).get_data(as_text=True)

    db.session.expire_all()
    assert db.session.get(Resident, resident.id).first_name == erasure.ANONYMOUS_NAME
    assert db.session.get(Volunteer, volunteer.id).first_name == erasure.ANONYMOUS_NAME
