"""Referrals by partner staff: the form, its validation, the minimal status, the organisation's list with search
and filter, withdrawing a referral, correcting the contact details, and who may see what."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
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
    Consent,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    MatchStatus,
    OrganisationKind,
    Programme,
    Proposal,
    ProposalStatus,
    Referral,
    Resident,
    ResidentSource,
    ResidentStatus,
    Role,
    User,
)
from webapp.rules import referral_status
from webapp.services import referrals
from webapp.services.matches import close_resident
from webapp.services.residents import plan_intake, record_intake


@pytest.fixture
def flatcoach(make: Any) -> User:
    organisation = make.organisation("Rijswijk Wonen", kind=OrganisationKind.WONEN)
    return make.user(Role.REFERRER, email="flatcoach@rijswijkwonen.nl", organisation=organisation, name="Fatima")


@pytest.fixture
def as_flatcoach(auth: Any, flatcoach: User, client: FlaskClient) -> FlaskClient:
    auth.login(flatcoach.email)
    return client


@pytest.fixture
def colleague(make: Any, flatcoach: User) -> User:
    """Another referrer at the flatcoach's organisation."""
    return make.user(Role.REFERRER, organisation=flatcoach.organisation, name="Kim Collega")


@pytest.fixture
def outsider(make: Any) -> User:
    """A referrer at another organisation."""
    return make.user(
        Role.REFERRER, organisation=make.organisation("Vidomes", kind=OrganisationKind.WONEN), name="Otto Ander"
    )


@pytest.fixture
def staff(make: Any) -> User:
    """A coordinator who records steps in the background (not signed in)."""
    return make.user(Role.COORDINATOR, name="Carla Coördinator")


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
    consents = db.session.scalars(select(Consent).where(Consent.resident_id == resident.id).order_by(Consent.id))
    # The consent to the referral covers intake and matching and sharing the status with the referrer.
    assert [(c.purpose, c.given_by, c.given_on, c.method, c.recorded_by_id) for c in consents] == [
        (purpose, ConsentGiver.PERSON, consent_on, ConsentMethod.SCHRIFTELIJK, flatcoach.id)
        for purpose in (ConsentPurpose.INTAKE_MATCHING, ConsentPurpose.SHARE_STATUS)
    ]
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


def test_the_status_is_in_progress_after_the_intake(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert referral.status is ReferralStatus.IN_BEHANDELING
    assert 'aria-current="step">in behandeling' in response.text


def test_the_status_is_in_progress_once_the_intake_is_planned(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    plan_intake(db.session, staff, referral.resident, today() + timedelta(days=3), None)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert referral.status is ReferralStatus.IN_BEHANDELING
    assert 'aria-current="step">in behandeling' in response.text


def test_a_proposal_alone_leaves_the_status_received(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    make.proposal(make.volunteer(), referral.resident)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert referral.status is ReferralStatus.ONTVANGEN
    assert 'aria-current="step">ontvangen' in response.text


def test_the_status_is_in_progress_during_the_introduction(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach, intake_on=today() - timedelta(days=5))
    make.match(make.volunteer(), referral.resident, status=MatchStatus.KENNISMAKING)
    db.session.commit()

    detail = as_flatcoach.get(f"/verwijzingen/{referral.id}")
    listing = as_flatcoach.get("/verwijzingen/")

    assert referral.status is ReferralStatus.IN_BEHANDELING
    assert 'aria-current="step">in behandeling' in detail.text
    assert '<span class="badge info">in behandeling</span>' in listing.text
    assert "gekoppeld</span>" not in listing.text


def test_the_status_is_matched_once_the_match_is_active(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach, intake_on=today() - timedelta(days=5))
    make.match(make.volunteer(), referral.resident, status=MatchStatus.ACTIEF)
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/")

    assert referral.status is ReferralStatus.GEKOPPELD
    assert '<span class="badge ok">gekoppeld</span>' in response.text


def test_the_status_is_closed_after_closing(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    close_resident(db.session, make.user(Role.COORDINATOR), referral.resident, "Wil toch geen maatje.")
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert referral.status is ReferralStatus.AFGESLOTEN
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


def test_a_referrer_sees_a_colleagues_referral(make: Any, colleague: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(colleague, first_name="Collega")
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert response.status_code == 200
    assert "Collega " in response.text
    assert "Kim Collega" in response.text


def test_a_referrer_gets_404_for_another_organisations_referral(
    make: Any, outsider: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(outsider)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert response.status_code == 404


def test_the_list_shows_the_organisations_referrals_and_never_another_organisations(
    make: Any, flatcoach: User, colleague: User, outsider: User, as_flatcoach: FlaskClient
) -> None:
    make.referral(flatcoach, first_name="Eigen")
    make.referral(colleague, first_name="Collega")
    make.referral(outsider, first_name="Ander")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/")

    assert "Eigen " in response.text
    assert "Collega " in response.text
    assert "Ander " not in response.text
    assert "Otto Ander" not in response.text


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

REFERRAL_URLS = [
    ("get", "/verwijzingen/"),
    ("get", "/verwijzingen/nieuw"),
    ("post", "/verwijzingen/nieuw"),
    ("post", "/verwijzingen/1/intrekken"),
    ("get", "/verwijzingen/1/wijzigen"),
    ("post", "/verwijzingen/1/wijzigen"),
]


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


# --- The organisation's list: search, filter, who referred, last change ---------------------------------------


def test_the_list_is_titled_with_the_organisation(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.get("/verwijzingen/")

    assert "<h1>Verwijzingen van Rijswijk Wonen</h1>" in response.text
    assert "Mijn verwijzingen" not in response.text


def test_the_referrers_nav_links_to_the_organisations_list(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.get("/verwijzingen/nieuw")

    assert '<a href="/verwijzingen/">Verwijzingen</a>' in response.text


def test_the_search_finds_a_resident_by_name(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    make.referral(flatcoach, first_name="Truus", last_name="Bakker")
    make.referral(flatcoach, first_name="Gerrit", last_name="Visser")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/?zoek=bakk")

    assert "Truus Bakker" in response.text
    assert "Gerrit Visser" not in response.text


@pytest.mark.parametrize("typed", ["2284 AB", "2284ab", "2284"])
def test_the_search_finds_a_resident_by_postcode(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient, typed: str
) -> None:
    make.referral(flatcoach, first_name="Truus", postcode="2284 AB", pc4="2284")
    make.referral(flatcoach, first_name="Gerrit", postcode="2282 AC", pc4="2282")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/", query_string={"zoek": typed})

    assert "Truus " in response.text
    assert "Gerrit " not in response.text


def test_the_search_never_finds_another_organisations_referral(
    make: Any, outsider: User, as_flatcoach: FlaskClient
) -> None:
    make.referral(outsider, first_name="Ander", last_name="Bakker")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/?zoek=Bakker")

    assert "Ander Bakker" not in response.text
    assert "0 verwijzingen" in response.text


def test_the_status_filter_shows_only_that_status(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient
) -> None:
    make.referral(flatcoach, first_name="Nieuw")
    spoken_to = make.referral(flatcoach, first_name="Gesproken")
    record_intake(db.session, staff, spoken_to.resident, today())
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/?status=in+behandeling")

    assert "Gesproken " in response.text
    assert "Nieuw " not in response.text
    assert '<option value="in behandeling" selected>' in response.text


def test_an_unknown_status_filter_shows_every_referral(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    make.referral(flatcoach, first_name="Nieuw")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/?status=weg")

    assert response.status_code == 200
    assert "Nieuw " in response.text


def test_the_search_form_is_a_get_form_without_a_csrf_token(as_flatcoach: FlaskClient) -> None:
    response = as_flatcoach.get("/verwijzingen/")

    search_form = re.search(r'<form method="get"[^>]*role="search".*?</form>', response.text, re.S)
    assert search_form is not None
    assert "csrf_token" not in search_form.group(0)


def test_pagination_keeps_the_search_and_the_filter(
    app: Flask, make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    app.config["SAMEN_PAGE_SIZE"] = 1
    make.referral(flatcoach, first_name="Truus", last_name="Bakker")
    make.referral(flatcoach, first_name="Tonnie", last_name="Bakker")
    make.referral(flatcoach, first_name="Gerrit", last_name="Visser")
    db.session.commit()

    first = as_flatcoach.get("/verwijzingen/?zoek=Bakker&status=ontvangen")
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert next_link is not None
    second = as_flatcoach.get(next_link.group(1).replace("&amp;", "&"))

    assert "Pagina 1 van 2" in first.text
    assert "zoek=Bakker" in next_link.group(1)
    assert "status=ontvangen" in next_link.group(1)
    assert "Pagina 2 van 2" in second.text
    assert "Gerrit" not in first.text + second.text


def test_the_list_says_who_referred_and_u_for_ones_own(
    make: Any, flatcoach: User, colleague: User, as_flatcoach: FlaskClient
) -> None:
    make.referral(flatcoach, first_name="Eigen")
    make.referral(colleague, first_name="Collega")
    db.session.commit()

    response = as_flatcoach.get("/verwijzingen/")

    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", response.text, re.S)
        for name in ("Eigen", "Collega")
        if f">{name} " in row
    }
    assert "Kim Collega" in rows["Collega"]
    assert re.search(r"<td[^>]*>u\s*<span", rows["Eigen"])
    assert "Fatima" not in rows["Eigen"]


def test_the_list_and_the_page_show_the_date_of_the_last_status_change(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    referral.resident.intake_on = date(2025, 3, 4)
    referrals.refresh_status(db.session, referral.resident_id, at=datetime(2025, 3, 4, 10))
    db.session.commit()

    listing = as_flatcoach.get("/verwijzingen/")
    detail = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert "4 mrt 2025" in listing.text
    assert "sinds 4 mrt 2025" in detail.text


# --- Withdrawing a referral -------------------------------------------------------------------------------------

WITHDRAW = {"reason": "Bewoner wil toch geen maatje."}


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_page_offers_to_withdraw_while_the_resident_waits(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert f'action="/verwijzingen/{referral.id}/intrekken"' in response.text


def test_a_withdrawn_referral_closes_the_resident_with_who_and_why(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verwijzingen/{referral.id}")
    db.session.expire_all()
    assert referral.resident.status is ResidentStatus.AFGESLOTEN
    assert referral.resident.closed_reason == "Ingetrokken door Fatima (Rijswijk Wonen): Bewoner wil toch geen maatje."
    assert referral.withdrawn_at is not None
    assert referral.status is ReferralStatus.AFGESLOTEN


def test_a_withdrawn_referral_says_so_on_its_page(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW, follow_redirects=True)

    assert "is ingetrokken" in response.text
    assert '<span class="badge neutral">afgesloten</span>' in response.text
    assert "intrekken</button>" not in response.text


def test_a_referral_in_progress_without_a_match_can_be_withdrawn(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    assert response.status_code == 302
    db.session.expire_all()
    assert referral.status is ReferralStatus.AFGESLOTEN


def test_a_colleague_may_withdraw_a_referral(make: Any, colleague: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(colleague)
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    assert response.status_code == 302
    db.session.expire_all()
    assert referral.resident.closed_reason.startswith("Ingetrokken door Fatima (Rijswijk Wonen):")


def test_withdrawing_lapses_the_residents_open_proposals(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    proposal = make.proposal(make.volunteer(), referral.resident)
    db.session.commit()

    as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.VERVALLEN


def test_withdrawing_is_audited_without_the_reason(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    events = _audit("referral.withdrawn")
    assert [(event.user_id, event.subject_type, event.subject_id) for event in events] == [
        (flatcoach.id, "resident", referral.resident_id)
    ]
    assert "toch geen maatje" not in str(events[0].detail)


def test_withdrawing_needs_a_reason(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data={"reason": "  "})

    assert response.status_code == 422
    assert "Vul de reden in waarom u de verwijzing intrekt." in response.text
    db.session.expire_all()
    assert referral.resident.status is ResidentStatus.WACHTEND
    assert referral.withdrawn_at is None


@pytest.mark.parametrize("match_status", [MatchStatus.KENNISMAKING, MatchStatus.ACTIEF])
def test_a_referral_with_a_match_cannot_be_withdrawn(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient, match_status: MatchStatus
) -> None:
    referral = make.referral(flatcoach, intake_on=today() - timedelta(days=5))
    make.match(make.volunteer(), referral.resident, status=match_status)
    db.session.commit()
    resident_status = referral.resident.status

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    assert response.status_code == 409
    assert "Neem contact op met Welzijn Rijswijk" in response.text
    db.session.expire_all()
    assert referral.resident.status is resident_status
    assert referral.resident.closed_reason == ""
    assert referral.withdrawn_at is None
    assert _audit("referral.withdrawn") == []


def test_the_refusal_does_not_tell_an_introduction_from_a_match(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    introduced = make.referral(flatcoach, intake_on=today() - timedelta(days=5))
    make.match(make.volunteer(), introduced.resident, status=MatchStatus.KENNISMAKING)
    matched = make.referral(flatcoach, intake_on=today() - timedelta(days=5))
    make.match(make.volunteer(), matched.resident, status=MatchStatus.ACTIEF)
    db.session.commit()

    messages = [
        re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)  # type: ignore[union-attr]
        for response in (
            as_flatcoach.post(f"/verwijzingen/{introduced.id}/intrekken", data=WITHDRAW),
            as_flatcoach.post(f"/verwijzingen/{matched.id}/intrekken", data=WITHDRAW),
        )
    ]

    assert messages[0] == messages[1]
    assert "kennis" not in messages[0]


def test_the_page_offers_no_withdrawal_during_the_introduction(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach, intake_on=today() - timedelta(days=5))
    make.match(make.volunteer(), referral.resident, status=MatchStatus.KENNISMAKING)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert "/intrekken" not in response.text
    assert "Neem contact op met Welzijn Rijswijk" in response.text


def test_a_closed_referral_cannot_be_withdrawn(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    close_resident(db.session, staff, referral.resident, "Verhuisd.")
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    assert response.status_code == 409
    db.session.expire_all()
    assert referral.resident.closed_reason == "Verhuisd."
    assert referral.withdrawn_at is None


def test_another_organisation_gets_404_when_withdrawing(make: Any, outsider: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(outsider)
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    assert response.status_code == 404
    db.session.expire_all()
    assert referral.resident.status is ResidentStatus.WACHTEND
    assert referral.withdrawn_at is None


def test_withdrawing_without_a_csrf_token_is_refused(
    app: Flask, make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/intrekken", data=WITHDRAW)

    assert response.status_code == 400
    db.session.expire_all()
    assert referral.resident.status is ResidentStatus.WACHTEND


# --- Correcting the contact details until the intake talk -------------------------------------------------------


def _correction(referral: Referral, **overrides: Any) -> dict[str, Any]:
    data = {
        "first_name": "Gerda",
        "last_name": "de Wit",
        "phone": "06 11223344",
        "email": "Gerda@Example.org",
        "postcode": "2284 ab",
        "address": "Laan 7",
        "version": str(referral.resident.version),
    }
    data.update(overrides)
    return data


def test_the_page_offers_a_correction_before_the_intake(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert f'href="/verwijzingen/{referral.id}/wijzigen"' in response.text


def test_the_correction_form_shows_the_stored_details_and_version(
    make: Any, flatcoach: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach, first_name="Truus", phone="070 3901234")
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}/wijzigen")

    assert response.status_code == 200
    assert 'value="Truus"' in response.text
    assert 'value="070 3901234"' in response.text
    assert f'name="version" type="hidden" value="{referral.resident.version}"' in response.text


def test_a_correction_before_the_intake_is_saved(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/wijzigen", data=_correction(referral))

    assert response.status_code == 302
    db.session.expire_all()
    resident = referral.resident
    assert (resident.first_name, resident.last_name, resident.phone, resident.email) == (
        "Gerda",
        "de Wit",
        "06 11223344",
        "gerda@example.org",
    )
    assert (resident.postcode, resident.pc4, resident.address) == ("2284 AB", "2284", "Laan 7")


def test_a_correction_is_audited_with_the_changed_fields(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()
    resident = referral.resident
    typed = _correction(referral, phone="06 99887766")
    typed |= {name: getattr(resident, name) for name in ("first_name", "last_name", "email", "postcode", "address")}

    as_flatcoach.post(f"/verwijzingen/{referral.id}/wijzigen", data=typed)

    events = _audit("referral.corrected")
    assert [(event.user_id, event.subject_type, event.subject_id) for event in events] == [
        (flatcoach.id, "referral", referral.id)
    ]
    assert events[0].fields == ["phone"]
    assert "06 99887766" not in str(events[0].detail)


def test_a_colleague_may_correct_the_details(make: Any, colleague: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(colleague)
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/wijzigen", data=_correction(referral))

    assert response.status_code == 302
    db.session.expire_all()
    assert referral.resident.first_name == "Gerda"


def test_an_invalid_correction_keeps_what_was_typed(make: Any, flatcoach: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(flatcoach, first_name="Truus")
    db.session.commit()

    response = as_flatcoach.post(
        f"/verwijzingen/{referral.id}/wijzigen", data=_correction(referral, postcode="9999 AA")
    )

    assert response.status_code == 422
    assert "Deze postcode kennen we niet." in response.text
    assert 'value="Gerda"' in response.text
    db.session.expire_all()
    assert referral.resident.first_name == "Truus"


@pytest.mark.parametrize("method", ["get", "post"])
def test_after_the_intake_welzijn_rijswijk_changes_the_details(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient, method: str
) -> None:
    referral = make.referral(flatcoach, first_name="Truus")
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    response = getattr(as_flatcoach, method)(f"/verwijzingen/{referral.id}/wijzigen", data=_correction(referral))

    assert response.status_code == 409
    assert "wijzigt de gegevens vanaf nu" in response.text
    db.session.expire_all()
    assert referral.resident.first_name == "Truus"
    assert _audit("referral.corrected") == []


def test_the_page_offers_no_correction_after_the_intake(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach)
    record_intake(db.session, staff, referral.resident, today())
    db.session.commit()

    response = as_flatcoach.get(f"/verwijzingen/{referral.id}")

    assert "/wijzigen" not in response.text


def test_a_closed_referral_cannot_be_corrected(
    make: Any, flatcoach: User, staff: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach, first_name="Truus")
    close_resident(db.session, staff, referral.resident, "Verhuisd.")
    db.session.commit()

    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/wijzigen", data=_correction(referral))

    assert response.status_code == 409
    db.session.expire_all()
    assert referral.resident.first_name == "Truus"


def test_a_correction_after_someone_elses_change_is_refused_and_keeps_the_input(
    make: Any, flatcoach: User, colleague: User, as_flatcoach: FlaskClient
) -> None:
    referral = make.referral(flatcoach, first_name="Truus", phone="070 3901234")
    db.session.commit()
    read_version = referral.resident.version
    changed_phone = replace(referrals.contact_details_of(referral.resident), phone="070 5550000")
    referrals.correct_contact_details(db.session, colleague, referral, changed_phone, read_version)
    db.session.commit()

    response = as_flatcoach.post(
        f"/verwijzingen/{referral.id}/wijzigen", data=_correction(referral, version=str(read_version))
    )

    assert response.status_code == 409
    assert "Iemand anders heeft de gegevens intussen gewijzigd" in response.text
    assert 'value="Gerda"' in response.text
    assert "070 5550000" in response.text
    assert f'name="version" type="hidden" value="{referral.resident.version}"' in response.text
    db.session.expire_all()
    assert (referral.resident.first_name, referral.resident.phone) == ("Truus", "070 5550000")


def test_another_organisation_gets_404_when_correcting(make: Any, outsider: User, as_flatcoach: FlaskClient) -> None:
    referral = make.referral(outsider, first_name="Truus")
    db.session.commit()

    page = as_flatcoach.get(f"/verwijzingen/{referral.id}/wijzigen")
    response = as_flatcoach.post(f"/verwijzingen/{referral.id}/wijzigen", data=_correction(referral))

    assert (page.status_code, response.status_code) == (404, 404)
    db.session.expire_all()
    assert referral.resident.first_name == "Truus"


def test_the_correction_form_reuses_the_referral_forms_fields(
    as_flatcoach: FlaskClient, make: Any, flatcoach: User
) -> None:
    referral = make.referral(flatcoach)
    db.session.commit()

    correction = as_flatcoach.get(f"/verwijzingen/{referral.id}/wijzigen").text
    new = as_flatcoach.get("/verwijzingen/nieuw").text

    for name in ("first_name", "last_name", "phone", "email", "postcode", "address"):
        tag = re.compile(rf'<input [^>]*name="{name}"[^>]*>')
        assert re.sub(r' value="[^"]*"', "", tag.search(correction).group(0)) == re.sub(  # type: ignore[union-attr]
            r' value="[^"]*"',
            "",
            tag.search(new).group(0),  # type: ignore[union-attr]
        )
