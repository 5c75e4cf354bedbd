"""Data subject requests (/verzoeken, webapp/services/subject_rights.py): registering with the due date, the list
and the week page, the export (the person's data and nobody else's), erasure with its confirmation, restriction
(out of runs, not eligible), handling, and every refusal with nothing changed."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.factories import today
from webapp import convert
from webapp.enums import (
    CheckInMethod,
    CheckInVerdict,
    CheckInWith,
    MatchStatus,
    ProposalStatus,
    RequestKind,
    RequestStatus,
    ResidentStatus,
)
from webapp.extensions import db
from webapp.models import AuditEvent, OutboxMail, Proposal, Resident, Role, SubjectRequest, Volunteer, utcnow
from webapp.reasons import blocker_text
from webapp.rules import Blocker, eligibility_blockers
from webapp.services import erasure, matches, matching, outbox, outbox_notices, subject_rights
from webapp.services.errors import Conflict, DomainError


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _form(resident: Resident, **fields: str) -> dict[str, str]:
    return {
        "subject_kind": "bewoner",
        "subject_id": str(resident.id),
        "kind": "inzage",
        "received_on": today().isoformat(),
        "received_via": "telefoon",
        "note": "",
        **fields,
    }


# -- the due date ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_on", "due_on"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 3, 15), date(2025, 4, 15)),
        (date(2025, 12, 31), date(2026, 1, 31)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_it_came_in(received_on: date, due_on: date) -> None:
    assert subject_rights.due_date(received_on) == due_on


# -- registering ----------------------------------------------------------------------------------------------


def test_registering_stores_the_request_with_its_due_date(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident()
    db.session.commit()

    response = as_coordinator.post(
        "/verzoeken/nieuw", data=_form(resident, received_on="2024-01-31", received_via="brief", note="Per brief.")
    )

    request = db.session.scalars(select(SubjectRequest)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verzoeken/{request.id}")
    assert (request.kind, request.due_on, request.received_via, request.status) == (
        RequestKind.ACCESS,
        date(2024, 2, 29),
        "brief",
        RequestStatus.OPEN,
    )
    assert [e.detail["person_id"] for e in _audit("subject_request.registered")] == [resident.id]


def test_registering_refuses_a_date_in_the_future_and_keeps_what_was_typed(
    as_coordinator: FlaskClient, make: Any
) -> None:
    resident = make.resident()
    db.session.commit()
    tomorrow = (today() + timedelta(days=1)).isoformat()

    response = as_coordinator.post("/verzoeken/nieuw", data=_form(resident, received_on=tomorrow, note="Gebeld"))

    assert response.status_code == 422
    assert "niet in de toekomst" in response.get_data(as_text=True)
    assert "Gebeld" in response.get_data(as_text=True)
    assert _count(SubjectRequest) == 0


def test_registering_about_nobody_is_refused(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident()
    db.session.commit()

    tampered = as_coordinator.post("/verzoeken/nieuw", data=_form(resident, subject_id="iemand"))
    unknown = as_coordinator.post("/verzoeken/nieuw", data=_form(resident, subject_id="99999"))

    assert (tampered.status_code, unknown.status_code) == (422, 422)
    assert "Kies de persoon" in unknown.get_data(as_text=True)
    assert _count(SubjectRequest) == 0


def test_registering_about_an_erased_person_is_refused(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident()
    erasure.erase_resident(db.session, None, resident.id)
    db.session.commit()

    response = as_coordinator.post("/verzoeken/nieuw", data=_form(resident))

    assert response.status_code == 409
    assert _count(SubjectRequest) == 0


def test_the_form_finds_people_by_name_but_not_erased_ones(as_coordinator: FlaskClient, make: Any) -> None:
    make.resident(first_name="Klaasje", last_name="Vindbaar")
    make.volunteer(first_name="Klaas", last_name="Vindbaar")
    erased = make.resident(first_name="Klaas", last_name="Vindbaar-Weg")
    erasure.erase_resident(db.session, None, erased.id)
    db.session.commit()

    page = as_coordinator.get("/verzoeken/nieuw?zoek=vindbaar").get_data(as_text=True)

    assert "Klaasje Vindbaar" in page
    assert "Klaas Vindbaar" in page
    assert "Vindbaar-Weg" not in page
    assert erasure.ANONYMOUS_NAME not in page


def test_the_form_about_a_chosen_person_shows_them(as_coordinator: FlaskClient, make: Any) -> None:
    volunteer = make.volunteer(first_name="Roos", last_name="Gekozen")
    db.session.commit()

    page = as_coordinator.get(f"/verzoeken/nieuw?vrijwilliger={volunteer.id}").get_data(as_text=True)

    assert "Roos Gekozen" in page
    assert f'value="{volunteer.id}"' in page


# -- the list, the week page, the person's page ---------------------------------------------------------------


def test_the_list_shows_open_requests_first_due_first_and_marks_the_overdue(
    as_coordinator: FlaskClient, make: Any
) -> None:
    late = make.subject_request(make.resident(first_name="Laat"), received_on=today() - timedelta(days=45))
    soon = make.subject_request(make.resident(first_name="Vroeg"), received_on=today() - timedelta(days=3))
    done = make.subject_request(make.resident(first_name="Klaar"), RequestKind.OBJECTION)
    subject_rights.handle_request(db.session, make.user(), done.id, RequestStatus.DONE, "Besproken")
    db.session.commit()

    page = as_coordinator.get("/verzoeken/").get_data(as_text=True)
    open_part = page.split('id="afgehandeld"')[0]

    assert open_part.index(f"/verzoeken/{late.id}") < open_part.index(f"/verzoeken/{soon.id}")
    assert f"/verzoeken/{done.id}" not in open_part
    assert open_part.count("te laat") == 1
    assert f"/verzoeken/{done.id}" in page  # among the recently handled


def test_the_week_page_counts_open_and_overdue_requests(as_coordinator: FlaskClient, make: Any) -> None:
    make.subject_request(make.resident(), received_on=today() - timedelta(days=45))
    make.subject_request(make.resident(), received_on=today())
    db.session.commit()

    page = as_coordinator.get("/coordinatie").get_data(as_text=True)

    assert "Open privacyverzoeken: 2, waarvan 1 te laat" in page
    assert 'href="/verzoeken/"' in page


def test_the_resident_page_shows_their_open_requests_and_the_way_to_register_one(
    as_coordinator: FlaskClient, make: Any
) -> None:
    resident = make.resident()
    request = make.subject_request(resident, RequestKind.RECTIFICATION)
    db.session.commit()

    page = as_coordinator.get(f"/bewoners/{resident.id}").get_data(as_text=True)

    assert f"/verzoeken/{request.id}" in page
    assert f"/verzoeken/nieuw?bewoner={resident.id}" in page


def test_the_volunteer_page_shows_a_restriction(as_coordinator: FlaskClient, make: Any) -> None:
    volunteer = make.volunteer(restricted_at=utcnow())
    db.session.commit()

    page = as_coordinator.get(f"/vrijwilligers/{volunteer.id}").get_data(as_text=True)

    assert "verwerking beperkt" in page
    assert f"/verzoeken/nieuw?vrijwilliger={volunteer.id}" in page
    assert blocker_text(Blocker.RESTRICTED, 3) in page


# -- the export -----------------------------------------------------------------------------------------------


@pytest.fixture
def matched_resident(make: Any) -> tuple[Resident, Volunteer]:
    """A referred resident with an active match (a check-in with her, one with the volunteer only) and a proposal
    of another volunteer."""
    staff = make.user(Role.COORDINATOR)
    referrer = make.user(Role.REFERRER, name="Fiona Flatcoach")
    resident = make.referral(
        referrer,
        first_name="Annigje",
        last_name="Inzage",
        email="annigje@example.net",
        phone="06 1111 2222",
        intake_on=today() - timedelta(days=5),
        notes="Houdt van tuinieren.",
    ).resident
    volunteer = make.volunteer(
        first_name="Teun", last_name="Anderman", email="teun.anderman@example.net", phone="06 3333 4444"
    )
    match = make.match(volunteer, resident, status=MatchStatus.ACTIEF)
    for with_whom, note in ((CheckInWith.BEWONER, "Annigje is blij."), (CheckInWith.VRIJWILLIGER, "Teun twijfelt.")):
        record = matches.CheckInRecord(today(), with_whom, CheckInMethod.TELEFOON, CheckInVerdict.GOED, note)
        matches.record_check_in(db.session, match.id, staff, record)
    make.proposal(make.volunteer(first_name="Piet", last_name="Voorgesteld", email="piet@example.net"), resident)
    make.consent_row(resident)
    db.session.commit()
    return resident, volunteer


def _download(client: FlaskClient, request_id: int, file_format: str) -> Any:
    return client.post(f"/verzoeken/{request_id}/download", data={"file_format": file_format})


def test_the_json_export_holds_the_persons_data(
    as_coordinator: FlaskClient, make: Any, matched_resident: tuple[Resident, Volunteer]
) -> None:
    resident, _volunteer = matched_resident
    request = make.subject_request(resident, RequestKind.ACCESS)
    db.session.commit()

    response = _download(as_coordinator, request.id, "json")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="samen-bewoner-{resident.id}-{today():%Y-%m-%d}.json"'
    )
    data = json.loads(response.get_data(as_text=True))
    assert (data["bewoner"][0]["first_name"], data["bewoner"][0]["email"]) == ("Annigje", "annigje@example.net")
    assert data["bewoner"][0]["notes"] == "Houdt van tuinieren."
    assert data["verwijzing"][0]["reason"] == "Vereenzaamd na verhuizing"
    assert [c["purpose"] for c in data["toestemmingen"]] == ["intake_koppelen", "status_delen"]
    assert len(data["voorstellen"]) == 1
    assert len(data["koppelingen"]) == 1
    assert {c["note"] for c in data["contactmomenten"]} == {"Annigje is blij.", None}


def test_the_export_holds_nobody_elses_identifying_data(
    as_coordinator: FlaskClient, make: Any, matched_resident: tuple[Resident, Volunteer]
) -> None:
    resident, volunteer = matched_resident
    request = make.subject_request(resident, RequestKind.PORTABILITY)
    db.session.commit()

    text = _download(as_coordinator, request.id, "json").get_data(as_text=True)
    data = json.loads(text)

    for other in (
        "Anderman",
        "teun.anderman@example.net",
        "3333 4444",
        "Piet",
        "Voorgesteld",
        "Fiona",
        "Teun twijfelt",
    ):
        assert other not in text
    assert data["koppelingen"][0]["volunteer_first_name"] == "Teun"  # met at the introduction: first name only
    assert data["koppelingen"][0]["volunteer_id"] == volunteer.id


def test_the_csv_export_is_a_zip_with_one_file_per_kind_of_record(
    as_coordinator: FlaskClient, make: Any, matched_resident: tuple[Resident, Volunteer]
) -> None:
    resident, _volunteer = matched_resident
    request = make.subject_request(resident, RequestKind.ACCESS)
    db.session.commit()

    response = _download(as_coordinator, request.id, "csv")

    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert response.headers["Content-Type"] == "application/zip"
    assert set(archive.namelist()) == {
        f"{name}.csv"
        for name in (
            "bewoner",
            "verwijzing",
            "toestemmingen",
            "voorstellen",
            "koppelingen",
            "tijdlijn",
            "contactmomenten",
            "eenzaamheidsmetingen",
            "meetlinks",
            "verzoeken",
            "e-mails",
            "logboek",
        )
    }
    person = archive.read("bewoner.csv").decode("utf-8-sig")
    assert person.splitlines()[0].startswith("id,first_name,last_name")
    assert "Annigje" in person
    assert "annigje@example.net" in person
    everything = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert "Anderman" not in everything
    assert "teun.anderman@example.net" not in everything


def test_a_volunteers_export_names_their_residents_by_first_name_only(
    as_coordinator: FlaskClient, make: Any, matched_resident: tuple[Resident, Volunteer]
) -> None:
    _resident, volunteer = matched_resident
    request = make.subject_request(volunteer, RequestKind.ACCESS)
    db.session.commit()

    text = _download(as_coordinator, request.id, "json").get_data(as_text=True)
    data = json.loads(text)

    assert data["vrijwilliger"][0]["last_name"] == "Anderman"
    assert data["koppelingen"][0]["resident_first_name"] == "Annigje"
    assert "Inzage" not in text
    assert "annigje@example.net" not in text
    assert "Annigje is blij." not in text
    assert {c["note"] for c in data["contactmomenten"]} == {"Teun twijfelt.", None}


def test_a_download_is_recorded_in_the_audit_trail(
    as_coordinator: FlaskClient, coordinator: Any, make: Any, matched_resident: tuple[Resident, Volunteer]
) -> None:
    resident, _volunteer = matched_resident
    request = make.subject_request(resident, RequestKind.ACCESS)
    db.session.commit()

    _download(as_coordinator, request.id, "csv")

    [event] = _audit("export.downloaded")
    assert (event.user_id, event.subject_type, event.subject_id) == (coordinator.id, "resident", resident.id)
    assert event.detail == {"request": request.id, "format": "csv"}


@pytest.mark.parametrize("handled", [False, True])
def test_a_download_is_refused_for_another_kind_or_a_handled_request(
    as_coordinator: FlaskClient, make: Any, handled: bool
) -> None:
    resident = make.resident()
    kind = RequestKind.ACCESS if handled else RequestKind.RECTIFICATION
    request = make.subject_request(resident, kind)
    if handled:
        subject_rights.handle_request(db.session, make.user(), request.id, RequestStatus.DONE)
    db.session.commit()

    response = _download(as_coordinator, request.id, "json")

    assert response.status_code == 409
    assert _audit("export.downloaded") == []


def test_a_download_in_an_unknown_format_is_refused(as_coordinator: FlaskClient, make: Any) -> None:
    request = make.subject_request(make.resident(), RequestKind.ACCESS)
    db.session.commit()

    response = _download(as_coordinator, request.id, "xml")

    assert response.status_code == 422
    assert _audit("export.downloaded") == []


# -- erasure --------------------------------------------------------------------------------------------------


def test_the_erasure_page_asks_for_a_confirmation(as_coordinator: FlaskClient, make: Any) -> None:
    request = make.subject_request(make.resident(), RequestKind.ERASURE)
    db.session.commit()

    page = as_coordinator.get(f"/verzoeken/{request.id}/wissen")

    assert page.status_code == 200
    assert 'name="confirm"' in page.get_data(as_text=True)


def test_erasing_without_the_confirmation_is_refused_and_changes_nothing(
    as_coordinator: FlaskClient, make: Any
) -> None:
    resident = make.resident(first_name="Bevestig")
    request = make.subject_request(resident, RequestKind.ERASURE)
    db.session.commit()

    response = as_coordinator.post(f"/verzoeken/{request.id}/wissen", data={})

    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).first_name == "Bevestig"
    assert db.session.get(SubjectRequest, request.id).status is RequestStatus.OPEN


def test_erasing_during_a_running_match_is_refused_and_changes_nothing(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident(first_name="Gekoppeld")
    make.match(make.volunteer(), resident, status=MatchStatus.ACTIEF)
    request = make.subject_request(resident, RequestKind.ERASURE)
    db.session.commit()

    response = as_coordinator.post(f"/verzoeken/{request.id}/wissen", data={"confirm": "y"})

    assert response.status_code == 409
    assert "lopende koppeling" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).anonymised_at is None
    assert db.session.get(SubjectRequest, request.id).status is RequestStatus.OPEN


def test_erasing_erases_and_handles_the_request(as_coordinator: FlaskClient, coordinator: Any, make: Any) -> None:
    resident = make.resident(first_name="Wisje")
    request = make.subject_request(resident, RequestKind.ERASURE)
    db.session.commit()

    response = as_coordinator.post(f"/verzoeken/{request.id}/wissen", data={"confirm": "y"})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).first_name == erasure.ANONYMOUS_NAME
    handled = db.session.get(SubjectRequest, request.id)
    assert (handled.status, handled.handled_by_id) == (RequestStatus.DONE, coordinator.id)
    assert handled.handled_at is not None


def test_erasing_for_a_handled_request_is_refused(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident(first_name="Afgewezen")
    request = make.subject_request(resident, RequestKind.ERASURE)
    subject_rights.handle_request(db.session, make.user(), request.id, RequestStatus.REFUSED, "Bewaarplicht")
    db.session.commit()

    response = as_coordinator.post(f"/verzoeken/{request.id}/wissen", data={"confirm": "y"})

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).first_name == "Afgewezen"


def test_an_erasure_request_cannot_be_marked_done_without_erasing(as_coordinator: FlaskClient, make: Any) -> None:
    request = make.subject_request(make.resident(), RequestKind.ERASURE)
    db.session.commit()

    response = as_coordinator.post(f"/verzoeken/{request.id}/afhandelen", data={"outcome": "afgehandeld"})

    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(SubjectRequest, request.id).status is RequestStatus.OPEN


# -- restriction ----------------------------------------------------------------------------------------------


def _restrict(client: FlaskClient, request: SubjectRequest) -> Any:
    return client.post(f"/verzoeken/{request.id}/beperken")


def test_restricting_a_resident_takes_them_out_of_a_run(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident()
    request = make.subject_request(resident, RequestKind.RESTRICTION)
    db.session.commit()
    assert resident.id in {r.id for r in convert.waiting_residents(db.session)}

    response = _restrict(as_coordinator, request)

    assert response.status_code == 302
    assert resident.id not in {r.id for r in convert.waiting_residents(db.session)}


def test_a_restricted_resident_cannot_be_chosen_by_hand(app: Any, make: Any) -> None:
    resident = make.resident(restricted_at=utcnow())
    volunteer = make.volunteer()

    with pytest.raises(Conflict, match="beperkt"):
        matching.candidates_for(db.session, resident.id, app.config)
    with pytest.raises(Conflict, match="beperkt"):
        matching.choose_volunteer(db.session, resident.id, volunteer.id, make.user(), app.config)
    assert make.holding_matches(resident_id=resident.id) == 0


def test_restricting_lapses_the_persons_open_proposals(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident()
    proposal = make.proposal(make.volunteer(), resident)
    request = make.subject_request(resident, RequestKind.RESTRICTION)
    db.session.commit()

    _restrict(as_coordinator, request)

    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN


def test_restricting_drops_the_mails_about_the_person_not_sent_yet(as_coordinator: FlaskClient, make: Any) -> None:
    referral = make.referral(make.user(Role.REFERRER))
    volunteer = make.volunteer()
    other = make.volunteer()
    for kind, key in (
        (outbox_notices.REFERRAL_STATUS, f"referral-status:{referral.id}:wachtend:1"),
        (outbox_notices.VOLUNTEER_SIGNUP, f"volunteer-signup:{volunteer.id}"),
        (outbox_notices.VOLUNTEER_SIGNUP, f"volunteer-signup:{other.id}"),
    ):
        outbox.enqueue(db.session, kind, "iemand@example.org", "Onderwerp", "Tekst", dedupe_key=key)
    requests = [make.subject_request(person, RequestKind.RESTRICTION) for person in (referral.resident, volunteer)]
    db.session.commit()

    for request in requests:
        assert _restrict(as_coordinator, request).status_code == 302

    db.session.expire_all()
    left = db.session.scalars(select(OutboxMail.dedupe_key)).all()
    assert left == [f"volunteer-signup:{other.id}"]


def test_restricting_a_volunteer_makes_them_ineligible(as_coordinator: FlaskClient, make: Any) -> None:
    volunteer = make.volunteer()
    request = make.subject_request(volunteer, RequestKind.RESTRICTION)
    db.session.commit()

    _restrict(as_coordinator, request)

    db.session.expire_all()
    volunteer = db.session.get(Volunteer, volunteer.id)
    blockers = eligibility_blockers(volunteer, convert.load_programmes(db.session), today(), 3)
    assert Blocker.RESTRICTED in blockers["buddy"]
    assert volunteer.id not in {v.id for v in convert.candidate_volunteers(db.session)}


def test_a_proposal_with_a_restricted_volunteer_cannot_be_approved(make: Any) -> None:
    volunteer = make.volunteer()
    proposal = make.proposal(volunteer, make.resident())
    volunteer.restricted_at = utcnow()
    db.session.commit()

    with pytest.raises(DomainError, match="beperkt"):
        matches.approve_proposal(db.session, proposal.id, make.user())
    db.session.rollback()

    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.OPEN


def test_restricting_twice_is_refused_and_changes_nothing(as_coordinator: FlaskClient, make: Any) -> None:
    since = utcnow() - timedelta(days=3)
    resident = make.resident(restricted_at=since)
    request = make.subject_request(resident, RequestKind.RESTRICTION)
    db.session.commit()

    response = _restrict(as_coordinator, request)

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).restricted_at == since


def test_lifting_the_restriction_lets_them_take_part_again(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident(restricted_at=utcnow())
    request = make.subject_request(resident, RequestKind.RESTRICTION)
    db.session.commit()

    response = as_coordinator.post(f"/verzoeken/{request.id}/beperking-opheffen")

    assert response.status_code == 302
    assert resident.id in {r.id for r in convert.waiting_residents(db.session)}
    assert [e.action for e in _audit("resident.restriction_lifted")] == ["resident.restriction_lifted"]


def test_restricting_through_another_kind_of_request_is_refused(as_coordinator: FlaskClient, make: Any) -> None:
    resident = make.resident()
    request = make.subject_request(resident, RequestKind.OBJECTION)
    db.session.commit()

    response = _restrict(as_coordinator, request)

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).restricted_at is None


# -- handling -------------------------------------------------------------------------------------------------


def test_handling_records_who_and_when_and_the_note(as_coordinator: FlaskClient, coordinator: Any, make: Any) -> None:
    request = make.subject_request(make.resident(), RequestKind.OBJECTION, note="Wil geen evaluatie.")
    db.session.commit()

    response = as_coordinator.post(
        f"/verzoeken/{request.id}/afhandelen", data={"outcome": "afgehandeld", "note": "Evaluatie geschrapt."}
    )

    assert response.status_code == 302
    db.session.expire_all()
    handled = db.session.get(SubjectRequest, request.id)
    assert (handled.status, handled.handled_by_id) == (RequestStatus.DONE, coordinator.id)
    assert handled.note == "Wil geen evaluatie.\n\nAfhandeling: Evaluatie geschrapt."
    assert [e.detail["status"] for e in _audit("subject_request.handled")] == ["afgehandeld"]


def test_an_objection_needs_a_note(as_coordinator: FlaskClient, make: Any) -> None:
    request = make.subject_request(make.resident(), RequestKind.OBJECTION)
    db.session.commit()

    response = as_coordinator.post(f"/verzoeken/{request.id}/afhandelen", data={"outcome": "afgehandeld"})

    assert response.status_code == 422
    assert "Vul in hoe het verzoek is afgehandeld." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SubjectRequest, request.id).status is RequestStatus.OPEN


def test_handling_twice_is_refused(as_coordinator: FlaskClient, make: Any) -> None:
    request = make.subject_request(make.resident(), RequestKind.RECTIFICATION)
    subject_rights.handle_request(db.session, make.user(), request.id, RequestStatus.DONE, "Verbeterd")
    db.session.commit()

    response = as_coordinator.post(
        f"/verzoeken/{request.id}/afhandelen", data={"outcome": "afgewezen", "note": "Toch niet"}
    )

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(SubjectRequest, request.id).status is RequestStatus.DONE


def test_a_rectification_request_links_to_the_edit_page(as_coordinator: FlaskClient, make: Any) -> None:
    volunteer = make.volunteer()
    request = make.subject_request(volunteer, RequestKind.RECTIFICATION)
    db.session.commit()

    page = as_coordinator.get(f"/verzoeken/{request.id}").get_data(as_text=True)

    assert f"/vrijwilligers/{volunteer.id}/bewerken" in page


def test_request_pages_are_not_kept_by_the_browser(as_coordinator: FlaskClient, make: Any) -> None:
    request = make.subject_request(make.resident(), RequestKind.ACCESS)
    db.session.commit()

    responses = [as_coordinator.get("/verzoeken/"), as_coordinator.get(f"/verzoeken/{request.id}")]

    assert {r.headers["Cache-Control"] for r in responses} == {"no-store"}


def test_an_unknown_request_is_not_found(as_coordinator: FlaskClient) -> None:
    assert as_coordinator.get("/verzoeken/4242").status_code == 404


def test_restriction_text_names_the_reason() -> None:
    assert "beperkt" in blocker_text(Blocker.RESTRICTED, 3)


def test_a_resident_closed_by_an_erasure_is_no_longer_waiting(make: Any) -> None:
    resident = make.resident()

    erasure.erase_resident(db.session, None, resident.id)

    assert db.session.get(Resident, resident.id).status is ResidentStatus.AFGESLOTEN
