"""Coordinator pages for residents: list and search, intake by phone, detail, edit, intake talk, closing,
waiting list, and access."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.webapp.residents_helpers import edit_post, intake_post
from webapp.clock import local_today as today
from webapp.enums import ReferralStatus
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Consent,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    Proposal,
    ProposalStatus,
    Referral,
    Resident,
    ResidentSource,
    ResidentStatus,
    Role,
    User,
)


def _reload(resident: Resident) -> Resident:
    db.session.expire_all()
    reloaded = db.session.get(Resident, resident.id)
    assert reloaded is not None
    return reloaded


# --- List and search ------------------------------------------------------------------------------------


def test_the_list_shows_residents_with_status_and_programme(make: Any, as_coordinator: FlaskClient) -> None:
    make.resident(first_name="Kees", last_name="Jansen", programme="digitaal")
    db.session.commit()

    response = as_coordinator.get("/bewoners")

    assert response.status_code == 200
    assert "Kees Jansen" in response.text
    assert "Leer de digitale wereld kennen" in response.text
    assert "wachtend" in response.text


def test_the_list_filters_on_status(make: Any, as_coordinator: FlaskClient) -> None:
    make.resident(first_name="Wacht")
    make.resident(first_name="Dicht", status=ResidentStatus.AFGESLOTEN)
    db.session.commit()

    response = as_coordinator.get("/bewoners?status=afgesloten")

    assert "Dicht " in response.text
    assert "Wacht " not in response.text


def test_the_list_filters_on_programme(make: Any, as_coordinator: FlaskClient) -> None:
    make.resident(first_name="Buddy", programme="buddy")
    make.resident(first_name="Beweger", programme="bewegen")
    db.session.commit()

    response = as_coordinator.get("/bewoners?programma=bewegen")

    assert "Beweger " in response.text
    assert "Buddy " not in response.text


@pytest.mark.parametrize("query", ["jans", "Kees Jansen", "2285 xy", "2285XY", "0612345678", "06-1234"])
def test_the_list_searches_name_postcode_and_phone(make: Any, as_coordinator: FlaskClient, query: str) -> None:
    make.resident(first_name="Kees", last_name="Jansen", postcode="2285 XY", pc4="2285", phone="06 12345678")
    make.resident(first_name="Marie", last_name="Pieters", postcode="2283 AA", pc4="2283", phone="070 7654321")
    db.session.commit()

    response = as_coordinator.get("/bewoners", query_string={"zoek": query})

    assert "Kees Jansen" in response.text
    assert "Marie Pieters" not in response.text


def test_the_search_treats_wildcards_as_text(make: Any, as_coordinator: FlaskClient) -> None:
    make.resident(first_name="Kees")
    db.session.commit()

    response = as_coordinator.get("/bewoners", query_string={"zoek": "%"})

    assert "Kees " not in response.text
    assert "Geen bewoners gevonden" in response.text


def test_the_list_is_paginated(app: Flask, make: Any, as_coordinator: FlaskClient) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 2
    for name in ("Een", "Twee", "Drie"):
        make.resident(first_name=name)
    db.session.commit()

    first = as_coordinator.get("/bewoners")
    second = as_coordinator.get("/bewoners?pagina=2")

    assert "Pagina 1 van 2" in first.text
    assert "Een " in second.text
    assert "Een " not in first.text


def test_unknown_filter_values_are_ignored(make: Any, as_coordinator: FlaskClient) -> None:
    make.resident(first_name="Kees")
    db.session.commit()

    response = as_coordinator.get("/bewoners?status=weg&programma=onbekend&pagina=abc")

    assert response.status_code == 200
    assert "Kees " in response.text


# --- Intake by phone ------------------------------------------------------------------------------------


def test_a_coordinator_registers_a_resident_after_an_intake(as_coordinator: FlaskClient, coordinator: User) -> None:
    intake_on = today() - timedelta(days=1)

    response = as_coordinator.post(
        "/bewoners/nieuw", data=intake_post(intake_on=intake_on.isoformat(), consent_by="vertegenwoordiger")
    )

    resident = db.session.scalars(select(Resident)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bewoners/{resident.id}"
    assert resident.source is ResidentSource.COORDINATOR
    assert resident.status is ResidentStatus.WACHTEND
    assert resident.waiting_since == today()
    assert resident.intake_on == intake_on
    assert resident.intake_by_id == coordinator.id
    assert resident.notes == "Belt liever na de middag."
    consents = db.session.scalars(select(Consent).where(Consent.resident_id == resident.id)).all()
    assert [(c.purpose, c.given_by, c.method, c.recorded_by_id) for c in consents] == [
        (ConsentPurpose.INTAKE_MATCHING, ConsentGiver.REPRESENTATIVE, ConsentMethod.MONDELING, coordinator.id)
    ]
    assert resident.referral is None


def test_registering_a_resident_is_audited(as_coordinator: FlaskClient, coordinator: User) -> None:
    as_coordinator.post("/bewoners/nieuw", data=intake_post())

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.created")).one()
    assert event.user_id == coordinator.id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"intake_on": (today() + timedelta(days=1)).isoformat()},
            "Een gehouden intakegesprek ligt niet in de toekomst",
        ),
        ({"intake_on": ""}, "Vul de datum van het intakegesprek in."),
        ({"consent_on": (today() + timedelta(days=1)).isoformat()}, "De datum van de toestemming kan niet in de"),
        ({"postcode": "2280 AB"}, "Dit is een postcode voor postbussen."),
        ({"programme": "jong-ontmoet-oud"}, "Vul de geboortedatum in: Jong ontmoet Oud is voor bewoners vanaf 65"),
        ({"availability": None}, "Kies minstens één dagdeel waarop de bewoner kan."),
    ],
)
def test_an_invalid_intake_is_refused_and_keeps_the_input(
    as_coordinator: FlaskClient, overrides: dict[str, Any], message: str
) -> None:
    response = as_coordinator.post("/bewoners/nieuw", data=intake_post(**overrides))

    assert response.status_code == 422
    assert message in response.text
    assert "Belt liever na de middag." in response.text
    assert db.session.scalars(select(Resident)).all() == []


# --- Detail ---------------------------------------------------------------------------------------------


def test_the_detail_shows_referral_reason_notes_and_waiting_days(make: Any, as_coordinator: FlaskClient) -> None:
    referrer = make.user(Role.REFERRER, name="Fatima Flatcoach")
    referral = make.referral(referrer, notes="Houdt van katten", waiting_since=today() - timedelta(days=12))
    db.session.commit()

    response = as_coordinator.get(f"/bewoners/{referral.resident_id}")

    assert response.status_code == 200
    assert "Fatima Flatcoach" in response.text
    assert referral.organisation.name in response.text
    assert "Vereenzaamd na verhuizing" in response.text
    assert "Houdt van katten" in response.text
    assert "<strong>12 dagen</strong>" in response.text


def test_the_detail_shows_proposals_and_matches(make: Any, coordinator: User, as_coordinator: FlaskClient) -> None:
    resident = make.resident()
    make.proposal(make.volunteer(first_name="Piet", last_name="Voorstel"), resident)
    make.match(make.volunteer(first_name="Mila", last_name="Maatje"), resident, coordinator)
    db.session.commit()

    response = as_coordinator.get(f"/bewoners/{resident.id}")

    assert "Piet Voorstel" in response.text
    assert "Mila Maatje" in response.text
    assert "actief" in response.text


def test_an_unknown_resident_is_404(as_coordinator: FlaskClient) -> None:
    assert as_coordinator.get("/bewoners/999999").status_code == 404
    assert as_coordinator.get("/bewoners/999999/bewerken").status_code == 404
    assert as_coordinator.post("/bewoners/999999/intake", data={"intake_on": today().isoformat()}).status_code == 404
    assert as_coordinator.post("/bewoners/999999/afsluiten", data={"reason": "x"}).status_code == 404


# --- Edit with optimistic locking -----------------------------------------------------------------------


def test_the_edit_form_is_filled_with_the_stored_data(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident(first_name="Kees", max_distance_km=3.0, notes="Eerste notitie")
    db.session.commit()

    response = as_coordinator.get(f"/bewoners/{resident.id}/bewerken")

    assert 'value="Kees"' in response.text
    assert '<option selected value="3">' in response.text
    assert "Eerste notitie" in response.text
    assert f'name="version" type="hidden" value="{resident.version}"' in response.text


def test_an_edit_is_saved_and_audited(make: Any, coordinator: User, as_coordinator: FlaskClient) -> None:
    resident = make.resident(first_name="Kees")
    db.session.commit()
    version = resident.version

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/bewerken", data=edit_post(resident, phone="06 98765432", notes="Nieuw")
    )

    resident = _reload(resident)
    assert response.status_code == 302
    assert resident.phone == "06 98765432"
    assert resident.notes == "Nieuw"
    assert resident.version == version + 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.updated")).one()
    assert (event.fields, event.detail) == (["phone", "notes"], {})


def test_an_edit_with_a_stale_version_is_refused_without_losing_input(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident(first_name="Kees", phone="070 1234567")
    db.session.commit()
    typed = edit_post(resident, first_name="Cornelis", notes="Mijn notitie")
    resident.phone = "06 11112222"  # someone else saves first
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{resident.id}/bewerken", data=typed)

    resident = _reload(resident)
    assert response.status_code == 409
    assert "Iemand anders heeft deze bewoner intussen gewijzigd" in response.text
    assert 'value="Cornelis"' in response.text
    assert "Mijn notitie" in response.text
    assert "06 11112222" in response.text  # the stored value, to compare
    assert f'name="version" type="hidden" value="{resident.version}"' in response.text
    assert (resident.first_name, resident.phone) == ("Kees", "06 11112222")


def test_after_a_conflict_saving_again_succeeds(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident(first_name="Kees")
    db.session.commit()
    typed = edit_post(resident, first_name="Cornelis")
    resident.phone = "06 11112222"
    db.session.commit()
    as_coordinator.post(f"/bewoners/{resident.id}/bewerken", data=typed)

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/bewerken", data={**typed, "version": str(_reload(resident).version)}
    )

    assert response.status_code == 302
    assert _reload(resident).first_name == "Cornelis"


def test_a_change_committed_between_check_and_save_is_caught(
    app: Flask, make: Any, as_coordinator: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    resident = make.resident(first_name="Kees")
    db.session.commit()
    resident_id, typed = resident.id, edit_post(resident, first_name="Cornelis")
    from webapp.residents import routes

    original = routes.update_resident

    def someone_else_saves_first(*args: Any, **kwargs: Any) -> Any:
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE residents SET phone = '06 99990000', version = version + 1 WHERE id = :id"),
                {"id": resident_id},
            )
        return original(*args, **kwargs)

    monkeypatch.setattr(routes, "update_resident", someone_else_saves_first)

    response = as_coordinator.post(f"/bewoners/{resident_id}/bewerken", data=typed)

    assert response.status_code == 409
    assert 'value="Cornelis"' in response.text
    assert _reload(resident).first_name == "Kees"


def test_an_invalid_edit_is_refused_with_422(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident()
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{resident.id}/bewerken", data=edit_post(resident, postcode="abc"))

    assert response.status_code == 422
    assert "Vul een postcode in zoals 2282 AB." in response.text


# --- Intake talk ----------------------------------------------------------------------------------------


def test_recording_the_intake_today(make: Any, coordinator: User, as_coordinator: FlaskClient) -> None:
    resident = make.resident()
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{resident.id}/intake", data={"intake_on": today().isoformat()})

    resident = _reload(resident)
    assert response.status_code == 302
    assert resident.intake_on == today()
    assert resident.intake_by_id == coordinator.id


def test_recording_the_intake_on_an_earlier_date(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident()
    db.session.commit()
    earlier = today() - timedelta(days=4)

    as_coordinator.post(f"/bewoners/{resident.id}/intake", data={"intake_on": earlier.isoformat()})

    assert _reload(resident).intake_on == earlier


def test_a_held_intake_talk_cannot_lie_in_the_future(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident(intake_on=None)
    db.session.commit()

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/intake", data={"intake_on": (today() + timedelta(days=1)).isoformat()}
    )

    assert response.status_code == 422
    assert "Een gehouden intakegesprek ligt niet in de toekomst." in response.text
    assert _reload(resident).intake_on is None


def test_no_intake_is_recorded_for_a_closed_resident(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident(status=ResidentStatus.AFGESLOTEN, intake_on=None)
    db.session.commit()

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/intake", data={"intake_on": today().isoformat()}, follow_redirects=True
    )

    assert "Deze bewoner is afgesloten" in response.text
    assert _reload(resident).intake_on is None


# --- Closing --------------------------------------------------------------------------------------------


def test_closing_a_resident_records_the_reason(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident()
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{resident.id}/afsluiten", data={"reason": "Verhuisd naar Delft."})

    resident = _reload(resident)
    assert response.status_code == 302
    assert resident.status is ResidentStatus.AFGESLOTEN
    assert resident.closed_at is not None
    assert resident.closed_reason == "Verhuisd naar Delft."


def test_closing_needs_a_reason(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident()
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{resident.id}/afsluiten", data={"reason": "  "})

    assert response.status_code == 422
    assert "Vul de reden van afsluiten in." in response.text
    assert _reload(resident).status is ResidentStatus.WACHTEND


def test_closing_is_refused_while_a_match_is_active(make: Any, coordinator: User, as_coordinator: FlaskClient) -> None:
    resident = make.resident(first_name="Kees", last_name="Jansen")
    make.match(make.volunteer(), resident, coordinator)
    db.session.commit()

    response = as_coordinator.post(f"/bewoners/{resident.id}/afsluiten", data={"reason": "Wil stoppen."})

    assert response.status_code == 409
    assert "Kees Jansen heeft een koppeling met een vrijwilliger. Beëindig eerst de koppeling" in response.text
    assert _reload(resident).status is ResidentStatus.GEKOPPELD


def test_closing_lets_open_proposals_lapse(make: Any, coordinator: User, as_coordinator: FlaskClient) -> None:
    resident = make.resident()
    proposal = make.proposal(make.volunteer(), resident)
    db.session.commit()

    as_coordinator.post(f"/bewoners/{resident.id}/afsluiten", data={"reason": "Wil geen maatje meer."})

    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN


# --- Waiting list ---------------------------------------------------------------------------------------


def test_the_waiting_list_puts_the_longest_wait_first(make: Any, as_coordinator: FlaskClient) -> None:
    make.resident(first_name="Kort", waiting_since=today() - timedelta(days=3))
    make.resident(first_name="Lang", waiting_since=today() - timedelta(days=90))
    make.resident(first_name="Midden", waiting_since=today() - timedelta(days=30))
    db.session.commit()

    response = as_coordinator.get("/wachtlijst")

    text = response.text
    assert text.index("Lang ") < text.index("Midden ") < text.index("Kort ")
    assert '<td class="num">90<' in text


def test_the_waiting_list_shows_only_waiting_residents(
    make: Any, coordinator: User, as_coordinator: FlaskClient
) -> None:
    make.resident(first_name="Wacht")
    make.resident(first_name="Dicht", status=ResidentStatus.AFGESLOTEN)
    make.match(make.volunteer(), make.resident(first_name="Koppel"), coordinator)
    db.session.commit()

    response = as_coordinator.get("/wachtlijst")

    assert "Wacht " in response.text
    assert "Dicht " not in response.text
    assert "Koppel " not in response.text


def test_the_waiting_list_filters_on_programme_and_shows_intake_and_area(
    make: Any, as_coordinator: FlaskClient
) -> None:
    make.resident(first_name="Digi", programme="digitaal", intake_on=date(2026, 1, 5), pc4="2282")
    make.resident(first_name="Buddy", programme="buddy")
    db.session.commit()

    response = as_coordinator.get("/wachtlijst?programma=digitaal")

    assert "Digi " in response.text
    assert "Buddy " not in response.text
    assert "gedaan" in response.text
    assert "2282" in response.text


# --- Access ---------------------------------------------------------------------------------------------

RESIDENT_URLS = [
    ("get", "/bewoners"),
    ("get", "/bewoners/nieuw"),
    ("post", "/bewoners/nieuw"),
    ("get", "/bewoners/{id}"),
    ("get", "/bewoners/{id}/bewerken"),
    ("post", "/bewoners/{id}/bewerken"),
    ("post", "/bewoners/{id}/intake"),
    ("post", "/bewoners/{id}/afsluiten"),
    ("get", "/wachtlijst"),
]


@pytest.mark.parametrize(("method", "url"), RESIDENT_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(make: Any, client: FlaskClient, method: str, url: str) -> None:
    resident = make.resident()
    db.session.commit()

    response = getattr(client, method)(url.format(id=resident.id))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize(("method", "url"), RESIDENT_URLS)
def test_referrers_are_refused(make: Any, auth: Any, client: FlaskClient, method: str, url: str) -> None:
    referrer = make.user(Role.REFERRER)
    resident = make.referral(referrer).resident
    db.session.commit()
    auth.login(referrer.email)

    response = getattr(client, method)(url.format(id=resident.id), data={"reason": "x", "intake_on": "2026-01-01"})

    assert response.status_code == 403
    assert _reload(resident).status is ResidentStatus.WACHTEND


def test_an_admin_may_do_coordinator_work(make: Any, auth: Any, client: FlaskClient) -> None:
    admin = make.user(Role.ADMIN)
    db.session.commit()
    auth.login(admin.email)

    assert client.get("/bewoners").status_code == 200
    assert client.get("/wachtlijst").status_code == 200


# --- Planning the intake talk ------------------------------------------------------------------------------


def test_an_intake_talk_can_be_planned_for_a_later_day(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident(intake_on=None)
    db.session.commit()
    day = today() + timedelta(days=6)

    response = as_coordinator.post(
        f"/bewoners/{resident.id}/intake-plannen", data={"planned_on": day.isoformat(), "planned_at": "10:15"}
    )

    assert response.status_code == 302
    stored = _reload(resident)
    assert (stored.intake_planned_on, stored.intake_planned_at.strftime("%H:%M"), stored.intake_on) == (
        day,
        "10:15",
        None,
    )
    assert "gepland op" in as_coordinator.get(f"/bewoners/{resident.id}").text


def test_planning_an_intake_talk_in_the_past_is_refused_and_keeps_the_input(
    make: Any, as_coordinator: FlaskClient
) -> None:
    resident = make.resident(intake_on=None)
    db.session.commit()
    typed = (today() - timedelta(days=1)).isoformat()

    response = as_coordinator.post(f"/bewoners/{resident.id}/intake-plannen", data={"planned_on": typed})

    assert response.status_code == 422
    assert "Een afspraak ligt vandaag of later." in response.text
    assert f'value="{typed}"' in response.text
    assert _reload(resident).intake_planned_on is None


def test_recording_the_held_talk_clears_the_appointment(make: Any, as_coordinator: FlaskClient) -> None:
    resident = make.resident(intake_on=None, intake_planned_on=today())
    db.session.commit()

    as_coordinator.post(f"/bewoners/{resident.id}/intake", data={"intake_on": today().isoformat()})

    stored = _reload(resident)
    assert (stored.intake_on, stored.intake_planned_on) == (today(), None)


def test_a_planned_intake_talk_tells_the_referrer_the_referral_is_in_progress(
    make: Any, as_coordinator: FlaskClient
) -> None:
    referral = make.referral(make.user(Role.REFERRER))
    db.session.commit()

    as_coordinator.post(
        f"/bewoners/{referral.resident_id}/intake-plannen",
        data={"planned_on": (today() + timedelta(days=2)).isoformat()},
    )

    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status is ReferralStatus.IN_BEHANDELING


def test_the_page_of_a_resident_in_a_match_links_to_the_match(
    make: Any, coordinator: User, as_coordinator: FlaskClient
) -> None:
    resident = make.resident()
    match = make.match(make.volunteer(first_name="Mila"), resident, coordinator)
    db.session.commit()

    html = as_coordinator.get(f"/bewoners/{resident.id}").text

    assert f'href="/koppelingen/{match.id}"' in html
