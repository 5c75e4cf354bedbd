"""Referrals by partner staff: the form, its validation, the minimal status, and who may see what."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.webapp.residents_helpers import referral_post
from webapp.clock import local_today as today
from webapp.enums import ReferralStatus
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    ConsentBy,
    ConsentMethod,
    OrganisationKind,
    Programme,
    Referral,
    Resident,
    ResidentSource,
    ResidentStatus,
    Role,
    User,
)
from webapp.services.matches import close_resident
from webapp.services.residents import referral_status


@pytest.fixture
def flatcoach(make: Any) -> User:
    organisation = make.organisation("Rijswijk Wonen", kind=OrganisationKind.WONEN)
    return make.user(Role.REFERRER, email="flatcoach@rijswijkwonen.nl", organisation=organisation, name="Fatima")


@pytest.fixture
def as_flatcoach(auth: Any, flatcoach: User, client: FlaskClient) -> FlaskClient:
    auth.login(flatcoach.email)
    return client


@pytest.fixture
def age_bound_programme(app: Flask) -> Programme:
    """Jong ontmoet Oud: residents of 65 and over, volunteers up to 30 (migration 0001's policy)."""
    programme = db.session.get(Programme, "jong-ontmoet-oud")
    assert programme is not None
    assert (programme.resident_min_age, programme.volunteer_max_age) == (65, 30)
    return programme


def _only_resident() -> Resident:
    residents = db.session.scalars(select(Resident)).all()
    assert len(residents) == 1
    return residents[0]


# --- Creating a referral --------------------------------------------------------------------------------


def test_the_referral_form_offers_the_active_programmes_and_dates_consent_today(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.get("/verwijzingen/nieuw")

    assert response.status_code == 200
    assert 'value="jong-ontmoet-oud"' in response.text
    assert f'value="{today().isoformat()}"' in response.text
    assert "alleen nodig voor huisbezoek" in response.text.lower()


def test_a_referral_creates_a_waiting_resident_with_the_consent_record(
    as_flatcoach: FlaskClient, flatcoach: User
) -> None:
    consent_on = today() - timedelta(days=2)

    response = as_flatcoach.post(
        "/verwijzingen/nieuw", data=referral_post(consent_on=consent_on.isoformat(), consent_method="schriftelijk")
    )

    assert response.status_code == 302
    resident = _only_resident()
    assert (resident.first_name, resident.last_name, resident.postcode, resident.pc4) == (
        "Truus",
        "van Leeuwen",
        "2282 AB",
        "2282",
    )
    assert resident.source is ResidentSource.VERWIJZING
    assert resident.status is ResidentStatus.WACHTEND
    assert resident.waiting_since == today()
    assert resident.consent_by is ConsentBy.BEWONER
    assert resident.consent_on == consent_on
    assert resident.consent_method is ConsentMethod.SCHRIFTELIJK
    assert resident.consent_recorded_by_id == flatcoach.id
    assert resident.intake_on is None
    assert resident.availability == ["tue-afternoon", "thu-morning"]


def test_a_referral_records_the_referrer_their_organisation_and_the_reason(
    as_flatcoach: FlaskClient, flatcoach: User
) -> None:
    as_flatcoach.post("/verwijzingen/nieuw", data=referral_post())

    referral = db.session.scalars(select(Referral)).one()
    assert referral.referrer_id == flatcoach.id
    assert referral.organisation_id == flatcoach.organisation_id
    assert referral.reason == "Weinig contacten sinds het overlijden van haar man."
    assert referral.resident_id == _only_resident().id


def test_a_referral_is_audited(as_flatcoach: FlaskClient, flatcoach: User) -> None:
    as_flatcoach.post("/verwijzingen/nieuw", data=referral_post())

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.created")).one()
    assert event.user_id == flatcoach.id
    assert event.subject_id == db.session.scalars(select(Referral)).one().id


def test_after_sending_the_referrer_sees_the_referral_as_received(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.post("/verwijzingen/nieuw", data=referral_post(), follow_redirects=True)

    assert response.status_code == 200
    assert "heeft de verwijzing ontvangen" in response.text
    listing = as_flatcoach.get("/verwijzingen/")
    assert "Truus van Leeuwen" in listing.text
    assert "ontvangen" in listing.text


def test_the_optional_data_is_stored_when_given(as_flatcoach: FlaskClient) -> None:
    as_flatcoach.post(
        "/verwijzingen/nieuw",
        data=referral_post(
            email="Truus@Example.org",
            address="Herenstraat 1",
            gender="vrouw",
            preferred_gender="vrouw",
            max_distance_km="2",
            languages=["nl", "pap"],
        ),
    )

    resident = _only_resident()
    assert resident.email == "truus@example.org"
    assert resident.address == "Herenstraat 1"
    assert resident.gender.value == "vrouw"
    assert resident.preferred_gender.value == "vrouw"
    assert resident.max_distance_km == 2.0
    assert resident.languages == ["nl", "pap"]


def test_a_birth_date_that_fits_an_age_bound_programme_is_accepted(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.post(
        "/verwijzingen/nieuw", data=referral_post(programme="jong-ontmoet-oud", birth_date="1950-03-01")
    )

    assert response.status_code == 302
    assert _only_resident().birth_date == date(1950, 3, 1)


# --- Validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"postcode": "2282 A"}, "Vul een postcode in zoals 2282 AB."),
        ({"postcode": "9999 AA"}, "Deze postcode kennen we niet."),
        ({"postcode": "2280 AA"}, "Dit is een postcode voor postbussen."),
        ({"postcode": ""}, "Vul de postcode in."),
        ({"consent_confirmed": None}, "Een verwijzing kan alleen als de bewoner ermee instemt."),
        ({"consent_by": None}, "Kies wie toestemming gaf."),
        ({"consent_method": None}, "Kies hoe de toestemming is gegeven."),
        ({"consent_on": ""}, "Vul de datum in waarop de toestemming is gegeven."),
        (
            {"consent_on": (today() + timedelta(days=1)).isoformat()},
            "De datum van de toestemming kan niet in de toekomst liggen.",
        ),
        ({"availability": None}, "Kies minstens één dagdeel waarop de bewoner kan."),
        ({"programme": None}, "Kies een programma."),
        ({"reason": ""}, "Vul de reden van de verwijzing in."),
        ({"first_name": ""}, "Vul de voornaam in."),
        ({"phone": ""}, "Vul het telefoonnummer van de bewoner in."),
        ({"phone": "bel me"}, "Vul een telefoonnummer in"),
        ({"email": "truus@"}, "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
        ({"birth_date": (today() + timedelta(days=3)).isoformat()}, "Een geboortedatum ligt niet in de toekomst."),
    ],
)
def test_an_invalid_referral_is_refused_with_a_clear_message(
    as_flatcoach: FlaskClient, overrides: dict[str, Any], message: str
) -> None:
    response = as_flatcoach.post("/verwijzingen/nieuw", data=referral_post(**overrides))

    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalars(select(Resident)).all() == []


def test_an_age_bound_programme_needs_a_birth_date(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.post("/verwijzingen/nieuw", data=referral_post(programme="jong-ontmoet-oud"))

    assert response.status_code == 422
    assert "Vul de geboortedatum in: Jong ontmoet Oud is voor bewoners vanaf 65 jaar." in response.text


def test_an_age_bound_programme_refuses_a_resident_outside_its_bounds(as_flatcoach: FlaskClient) -> None:
    birth_date = today().replace(year=today().year - 40) - timedelta(days=1)

    response = as_flatcoach.post(
        "/verwijzingen/nieuw", data=referral_post(programme="jong-ontmoet-oud", birth_date=birth_date.isoformat())
    )

    assert response.status_code == 422
    assert "Jong ontmoet Oud is voor bewoners vanaf 65 jaar; met deze geboortedatum is de bewoner 40." in response.text


def test_a_programme_without_age_bounds_needs_no_birth_date(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.post("/verwijzingen/nieuw", data=referral_post(programme="bewegen", birth_date=""))

    assert response.status_code == 302
    assert _only_resident().birth_date is None


def test_an_invalid_referral_keeps_what_was_typed(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.post(
        "/verwijzingen/nieuw", data=referral_post(postcode="9999 AA", first_name="Gerrit", address="Laan 7")
    )

    assert response.status_code == 422
    assert 'value="Gerrit"' in response.text
    assert 'value="Laan 7"' in response.text
    assert "Weinig contacten sinds het overlijden van haar man." in response.text
    assert 'value="tue-afternoon" id="availability-tue-afternoon" checked' in response.text


def test_an_inactive_programme_is_neither_offered_nor_accepted(as_flatcoach: FlaskClient) -> None:
    db.session.get(Programme, "cultuur").active = False
    db.session.commit()

    form = as_flatcoach.get("/verwijzingen/nieuw")
    response = as_flatcoach.post("/verwijzingen/nieuw", data=referral_post(programme="cultuur"))

    assert 'value="cultuur"' not in form.text
    assert response.status_code == 422
    assert db.session.scalars(select(Resident)).all() == []


def test_a_referral_without_a_csrf_token_is_refused(app: Flask, as_flatcoach: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True

    response = as_flatcoach.post("/verwijzingen/nieuw", data=referral_post())

    assert response.status_code == 400
    assert db.session.scalars(select(Resident)).all() == []


# --- The minimal status ---------------------------------------------------------------------------------


def test_a_new_referral_has_status_received(make: Any, flatcoach: User) -> None:
    referral = make.referral(flatcoach)

    assert referral_status(referral.resident) is ReferralStatus.ONTVANGEN


def test_the_status_is_in_progress_after_the_intake(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    referral.resident.intake_on = today()
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert referral_status(referral.resident) is ReferralStatus.IN_BEHANDELING
    assert 'aria-current="step">in behandeling' in response.text


def test_the_status_is_in_progress_once_a_proposal_exists(make: Any, flatcoach: User) -> None:
    referral = make.referral(flatcoach)
    make.proposal(make.volunteer(), referral.resident)

    assert referral_status(referral.resident) is ReferralStatus.IN_BEHANDELING


def test_the_status_is_matched_with_an_active_match(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    make.match(make.volunteer(), referral.resident, make.user(Role.COORDINATOR))
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/")

    assert referral_status(referral.resident) is ReferralStatus.GEKOPPELD
    assert '<span class="badge ok">gekoppeld</span>' in response.text


def test_the_status_is_closed_after_closing(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    close_resident(db.session, make.user(Role.COORDINATOR), referral.resident, "Wil toch geen maatje.")
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert referral_status(referral.resident) is ReferralStatus.AFGESLOTEN
    assert "De aanmelding is afgesloten." in response.text
    assert "Wil toch geen maatje." not in response.text


def test_the_list_shows_the_newest_referral_first(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    older = make.referral(flatcoach, first_name="Oud")
    older.created_at = older.created_at - timedelta(days=3)
    make.referral(flatcoach, first_name="Nieuw")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/")

    assert response.text.index("Nieuw ") < response.text.index("Oud ")


# --- Who may see what -----------------------------------------------------------------------------------


def test_a_referrer_gets_404_for_a_colleagues_referral(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    colleague = make.user(Role.REFERRER, organisation=flatcoach.organisation)
    referral = make.referral(colleague)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert response.status_code == 404


def test_a_referrer_gets_404_for_another_organisations_referral(make: Any, as_flatcoach: FlaskClient) -> None:
    other = make.user(Role.REFERRER, organisation=make.organisation("Vidomes", kind=OrganisationKind.WONEN))
    referral = make.referral(other)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert response.status_code == 404


def test_the_list_shows_only_the_referrers_own_referrals(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    make.referral(flatcoach, first_name="Eigen")
    make.referral(make.user(Role.REFERRER, organisation=flatcoach.organisation), first_name="Collega")
    make.referral(make.user(Role.REFERRER), first_name="Ander")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/")

    assert "Eigen " in response.text
    assert "Collega" not in response.text
    assert "Ander " not in response.text


def test_referrals_made_for_a_former_organisation_are_no_longer_shown(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach, first_name="Vroeger")
    flatcoach.organisation = make.organisation("Florence", kind=OrganisationKind.ZORG)
    db.session.commit()

    listing = as_flatcoach.get("/verwijzingen/")
    detail = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert "Vroeger" not in listing.text
    assert detail.status_code == 404


def test_an_unknown_referral_is_404(as_flatcoach: FlaskClient) -> None:
    assert as_flatcoach.get("/verwijzingen/999999").status_code == 404


def test_the_referrer_never_sees_notes_proposals_volunteers_or_the_reason_afterwards(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    referral.resident.notes = "Geheime notitie van de coördinator"
    make.proposal(make.volunteer(first_name="Zwaantje", last_name="Zonderland"), referral.resident)
    db.session.commit()

    pages = [as_flatcoach.get("/verwijzingen/").text, as_flatcoach.get(f"/verwijzingen/{referral.id}").text]

    for page in pages:
        assert "Geheime notitie" not in page
        assert "Zwaantje" not in page
        assert "Zonderland" not in page
        assert "Vereenzaamd na verhuizing" not in page


# --- Access ---------------------------------------------------------------------------------------------

REFERRAL_URLS = [("get", "/verwijzingen/"), ("get", "/verwijzingen/nieuw"), ("post", "/verwijzingen/nieuw")]


@pytest.mark.parametrize(("method", "url"), [*REFERRAL_URLS, ("get", "/verwijzingen/1")])
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, method: str, url: str) -> None:
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
@pytest.mark.parametrize(("method", "url"), REFERRAL_URLS)
def test_staff_without_the_referrer_role_are_refused(
    make: Any, auth: Any, client: FlaskClient, role: Role, method: str, url: str
) -> None:
    user = make.user(role)
    db.session.commit()
    auth.login(user.email)

    response = getattr(client, method)(url, data=referral_post())

    assert response.status_code == 403
    assert db.session.scalars(select(Resident)).all() == []


def test_a_coordinator_gets_403_not_404_for_a_referral_detail(make: Any, auth: Any, client: FlaskClient) -> None:
    referral = make.referral(make.user(Role.REFERRER))
    coordinator = make.user(Role.COORDINATOR)
    db.session.commit()
    auth.login(coordinator.email)

    assert client.get(f"/verwijzingen/{referral.id}").status_code == 403


def test_the_list_is_paginated(app: Flask, make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 1
    make.referral(flatcoach, first_name="Eerste")
    make.referral(flatcoach, first_name="Tweede")
    db.session.commit()

    first = as_flatcoach.get("/verwijzingen/")
    second = as_flatcoach.get("/verwijzingen/?pagina=2")

    assert "Pagina 1 van 2" in first.text
    assert "Tweede " in first.text
    assert "Eerste " in second.text
