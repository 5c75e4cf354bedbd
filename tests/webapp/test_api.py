"""The JSON API for partner systems (/api/v1): who may do what with a token, what a referral through the API does,
what a referrer sees of its referrals, the coalition's figures, and every error as problem+json (RFC 9457)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories, today
from webapp.api.routes import REFERRAL_EXAMPLE
from webapp.extensions import db
from webapp.models import (
    ApiToken,
    AuditEvent,
    Consent,
    ConsentPurpose,
    MatchStatus,
    Organisation,
    OrganisationKind,
    Referral,
    Resident,
    Role,
    User,
)
from webapp.services import api_tokens, consent

PROBLEM = "application/problem+json"


@dataclass
class Partner:
    organisation: Organisation
    referrer: User
    token: str  # a referrer token's secret

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _partner(make: Factories, name: str, email: str) -> Partner:
    organisation = make.organisation(name, OrganisationKind.WONEN)
    referrer = make.user(Role.REFERRER, email=email, organisation=organisation, name=f"Verwijzer {name}")
    issued = api_tokens.issue(db.session, None, organisation, Role.REFERRER, f"CRM {name}")
    db.session.commit()
    return Partner(organisation, referrer, issued.secret)


@pytest.fixture
def partner(make: Factories) -> Partner:
    make.controller()
    return _partner(make, "Rijswijk Wonen", "flatcoach@rijswijkwonen.nl")


@pytest.fixture
def other_partner(make: Factories) -> Partner:
    return _partner(make, "Vidomes", "coach@vidomes.nl")


@pytest.fixture
def viewer_token(make: Factories) -> str:
    organisation = make.organisation("Gemeente Rijswijk", OrganisationKind.GEMEENTE)
    issued = api_tokens.issue(db.session, None, organisation, Role.VIEWER, "Dashboard gemeente")
    db.session.commit()
    return issued.secret


def bearer(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}


def referral_body(partner: Partner, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(REFERRAL_EXAMPLE)
    body["referrer_email"] = partner.referrer.email
    body["consent"]["given_on"] = (today() - timedelta(days=1)).isoformat()
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = body
        for parent in parents:
            target = target[parent]
        if value is ...:
            del target[last]
        else:
            target[last] = value
    return body


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert all(isinstance(body[key], str) and body[key] for key in ("type", "title", "detail"))
    return dict(body)


def pointers(problem: dict[str, Any]) -> set[str]:
    return {error.get("pointer") or error.get("parameter") for error in problem["errors"]}


# -- referring through the API ------------------------------------------------------------------------------------


def test_a_referral_through_the_api_is_the_web_forms_referral(client: FlaskClient, partner: Partner) -> None:
    response = client.post("/api/v1/referrals", json=referral_body(partner), headers=partner.headers)

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    referral = db.session.get(Referral, body["id"])
    assert referral is not None
    assert response.headers["Location"] == f"/api/v1/referrals/{referral.id}"
    assert body["status"] == "ontvangen"
    assert body["status_label"] == "ontvangen"
    assert body["consent_withdrawn"] is False
    assert referral.referrer_id == partner.referrer.id
    assert referral.organisation_id == partner.organisation.id
    resident = referral.resident
    assert (resident.first_name, resident.postcode, resident.pc4) == ("Anna", "2284 AJ", "2284")
    assert resident.availability == ["tue-afternoon", "thu-morning"]
    purposes = set(db.session.scalars(select(Consent.purpose).where(Consent.resident_id == resident.id)))
    assert purposes == {ConsentPurpose.INTAKE_MATCHING, ConsentPurpose.SHARE_STATUS}
    recorded_by = set(db.session.scalars(select(Consent.recorded_by_id).where(Consent.resident_id == resident.id)))
    assert recorded_by == {partner.referrer.id}
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == referral.id)))
    assert {"referral.created", "api.referral_created"} <= actions


def test_the_api_refuses_what_the_web_form_refuses_with_the_forms_messages(
    client: FlaskClient, partner: Partner
) -> None:
    body = referral_body(
        partner,
        resident__postcode="1234 ZZ",
        resident__phone="bel mij",
        resident__first_name="   ",
    )

    problem = assert_problem(client.post("/api/v1/referrals", json=body, headers=partner.headers), 422)

    messages = {error["pointer"]: error["detail"] for error in problem["errors"]}
    assert messages["#/resident/first_name"] == "Vul de voornaam in."
    assert messages["#/resident/phone"].startswith("Vul een telefoonnummer in")
    assert messages["#/resident/postcode"].startswith("Deze postcode kennen we niet.")
    assert db.session.scalar(select(func.count(Resident.id))) == 0


def test_the_use_cases_own_checks_hold_for_the_api(client: FlaskClient, partner: Partner) -> None:
    child = referral_body(partner, resident__birth_date=(today() - timedelta(days=365 * 10)).isoformat())
    by_representative = referral_body(
        partner,
        resident__birth_date=(today() - timedelta(days=365 * 10)).isoformat(),
        consent__given_by="vertegenwoordiger",
    )

    problem = assert_problem(client.post("/api/v1/referrals", json=child, headers=partner.headers), 422)
    accepted = client.post("/api/v1/referrals", json=by_representative, headers=partner.headers)

    # Under 16 the consent must come from a legal representative, as on the web form.
    assert pointers(problem) == {"#/consent/given_by"}
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


def test_consent_in_the_future_or_for_one_purpose_only_is_refused(client: FlaskClient, partner: Partner) -> None:
    future = referral_body(partner, consent__given_on=(today() + timedelta(days=1)).isoformat())
    one_purpose = referral_body(partner, consent__purposes=["intake_koppelen"])

    future_problem = assert_problem(client.post("/api/v1/referrals", json=future, headers=partner.headers), 422)
    purpose_problem = assert_problem(client.post("/api/v1/referrals", json=one_purpose, headers=partner.headers), 422)

    assert pointers(future_problem) == {"#/consent/given_on"}
    assert pointers(purpose_problem) == {"#/consent/purposes"}


def test_the_referrer_must_be_an_active_referrer_of_the_tokens_organisation(
    client: FlaskClient, partner: Partner, other_partner: Partner
) -> None:
    colleague_elsewhere = referral_body(partner, referrer_email=other_partner.referrer.email)
    partner.referrer.active = False
    db.session.commit()

    for body in (colleague_elsewhere, referral_body(partner)):
        problem = assert_problem(client.post("/api/v1/referrals", json=body, headers=partner.headers), 422)
        assert pointers(problem) == {"#/referrer_email"}


def test_malformed_input_gets_a_field_list_with_pointers(client: FlaskClient, partner: Partner) -> None:
    body = referral_body(partner, resident__first_name=5, resident__nickname="Annie", consent=...)

    problem = assert_problem(client.post("/api/v1/referrals", json=body, headers=partner.headers), 422)

    assert problem["type"].endswith(":ongeldige-invoer")
    assert pointers(problem) == {"#/resident/first_name", "#/resident/nickname", "#/consent"}


def test_control_characters_are_refused_before_they_reach_the_database(client: FlaskClient, partner: Partner) -> None:
    body = referral_body(partner, referrer_email="a\x00@b.nl", resident__last_name="de\x07Vries", reason="Een\nreden")

    problem = assert_problem(client.post("/api/v1/referrals", json=body, headers=partner.headers), 422)

    assert pointers(problem) == {"#/referrer_email", "#/resident/last_name"}
    assert all("onzichtbaar teken" in error["detail"] for error in problem["errors"])


# -- what a referrer token sees -----------------------------------------------------------------------------------


def test_a_referrer_token_sees_only_its_organisations_referrals(
    client: FlaskClient, make: Factories, partner: Partner, other_partner: Partner
) -> None:
    colleague = make.user(Role.REFERRER, organisation=partner.organisation)
    own = [make.referral(partner.referrer), make.referral(colleague)]
    elsewhere = make.referral(other_partner.referrer)
    db.session.commit()

    listed = client.get("/api/v1/referrals", headers=partner.headers)
    own_detail = client.get(f"/api/v1/referrals/{own[1].id}", headers=partner.headers)
    other_detail = client.get(f"/api/v1/referrals/{elsewhere.id}", headers=partner.headers)
    unknown = client.get("/api/v1/referrals/999999", headers=partner.headers)

    assert listed.status_code == 200
    assert {item["id"] for item in listed.get_json()["items"]} == {referral.id for referral in own}
    assert listed.get_json()["total"] == 2
    assert own_detail.status_code == 200
    assert own_detail.get_json()["id"] == own[1].id
    # Another organisation's referral answers exactly as one that does not exist: its existence does not leak.
    assert_problem(other_detail, 404)
    assert other_detail.get_data() == unknown.get_data()


def test_the_list_is_paginated(client: FlaskClient, make: Factories, partner: Partner) -> None:
    for _ in range(3):
        make.referral(partner.referrer)
    db.session.commit()

    first = client.get("/api/v1/referrals?per_page=2", headers=partner.headers).get_json()
    second = client.get("/api/v1/referrals?per_page=2&page=2", headers=partner.headers).get_json()
    beyond = client.get("/api/v1/referrals?per_page=2&page=9", headers=partner.headers).get_json()
    wrong = client.get("/api/v1/referrals?per_page=500&page=x", headers=partner.headers)

    assert (first["total"], first["pages"], len(first["items"])) == (3, 2, 2)
    assert len(second["items"]) == 1
    assert beyond["items"] == []
    assert pointers(assert_problem(wrong, 422)) == {"page", "per_page"}


def test_an_unknown_query_parameter_is_refused(client: FlaskClient, partner: Partner) -> None:
    # A typo such as ?pagina=2 would otherwise silently give the first page.
    response = client.get("/api/v1/referrals?pagina=2", headers=partner.headers)

    problem = assert_problem(response, 422)
    assert pointers(problem) == {"pagina"}
    assert problem["errors"][0]["detail"] == "Dit veld kent de API niet."


def test_the_status_follows_the_web_apps_rule(client: FlaskClient, make: Factories, partner: Partner) -> None:
    coordinator = make.user(Role.COORDINATOR)
    talked = make.referral(partner.referrer, intake_on=today() - timedelta(days=3), intake_by=coordinator)
    matched = make.referral(partner.referrer, intake_on=today() - timedelta(days=30), intake_by=coordinator)
    make.match(make.volunteer(), matched.resident, status=MatchStatus.ACTIEF)
    db.session.commit()

    statuses = {
        referral.id: client.get(f"/api/v1/referrals/{referral.id}", headers=partner.headers).get_json()["status"]
        for referral in (talked, matched)
    }

    assert statuses == {talked.id: "in_behandeling", matched.id: "gekoppeld"}


def test_a_withdrawn_consent_to_share_the_status_shows_only_that(
    client: FlaskClient, make: Factories, partner: Partner
) -> None:
    referral = make.referral(partner.referrer)
    consent.withdraw(db.session, referral.resident, ConsentPurpose.SHARE_STATUS, make.user(Role.COORDINATOR))
    db.session.commit()

    detail = client.get(f"/api/v1/referrals/{referral.id}", headers=partner.headers).get_json()
    listed = client.get("/api/v1/referrals", headers=partner.headers).get_json()["items"]

    assert detail["status"] == "toestemming_ingetrokken"
    assert detail["consent_withdrawn"] is True
    assert detail["status_since"] is None
    assert detail["withdrawn_at"] is None
    assert "ingetrokken" in detail["message"]
    assert listed == [detail]


def test_reading_a_referral_is_in_the_audit_trail(client: FlaskClient, make: Factories, partner: Partner) -> None:
    referral = make.referral(partner.referrer)
    db.session.commit()

    client.get(f"/api/v1/referrals/{referral.id}", headers=partner.headers)
    client.get("/api/v1/referrals", headers=partner.headers)

    viewed = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "viewed", AuditEvent.subject_id == referral.resident_id)
    )
    listed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.referrals_listed"))
    token_id = db.session.scalar(select(func.max(AuditEvent.subject_id)).where(AuditEvent.subject_type == "api_token"))
    assert viewed is not None
    assert (viewed.detail["via"], viewed.detail["api_token"]) == ("api", token_id)
    assert listed is not None
    assert listed.detail["referrals"] == [referral.id]


# -- the coalition's figures --------------------------------------------------------------------------------------


def test_a_viewer_token_reads_the_figures_as_a_viewer_sees_them(
    client: FlaskClient, make: Factories, viewer_token: str
) -> None:
    referrer = make.user(Role.REFERRER)
    for _ in range(2):
        make.referral(referrer)
    db.session.commit()

    response = client.get("/api/v1/coalition/figures", headers=bearer(viewer_token))

    assert response.status_code == 200
    figures = response.get_json()
    assert figures["suppressed"] is True
    assert figures["min_cell"] == 5
    tables = {table["key"]: table for table in figures["tables"]}
    waiting = tables["wachtlijst_programma"]
    cells = [cell for row in waiting["rows"] for cell in row["cells"] if cell["hidden"] is not None]
    # Two waiting residents: a count of 1-4 is hidden, as "<5" on the dashboard, and has no value here.
    assert cells
    assert all(cell["value"] is None for cell in cells)
    assert {cell["shown"] for cell in cells} <= {"<5", "–"}


def test_a_viewer_token_cannot_refer_or_read_referrals(
    client: FlaskClient, partner: Partner, viewer_token: str
) -> None:
    created = client.post("/api/v1/referrals", json=referral_body(partner), headers=bearer(viewer_token))
    listed = client.get("/api/v1/referrals", headers=bearer(viewer_token))
    figures_by_referrer = client.get("/api/v1/coalition/figures", headers=partner.headers)

    for response in (created, listed, figures_by_referrer):
        assert assert_problem(response, 403)["type"].endswith(":verkeerde-sleutel")
    assert db.session.scalar(select(func.count(Referral.id))) == 0


# -- tokens that do not (or no longer) work -----------------------------------------------------------------------


def test_without_a_token_or_with_a_wrong_one_the_answer_is_401(client: FlaskClient, partner: Partner) -> None:
    missing = client.get("/api/v1/referrals")
    basic = client.get("/api/v1/referrals", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    unknown = client.get("/api/v1/referrals", headers=bearer("samen_not-a-token"))

    assert assert_problem(missing, 401)["type"].endswith(":niet-aangemeld")
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="samen"'
    assert_problem(basic, 401)
    assert_problem(unknown, 401)
    assert unknown.headers["WWW-Authenticate"] == 'Bearer realm="samen", error="invalid_token"'


def test_a_revoked_token_gets_401_at_once(client: FlaskClient, make: Factories, partner: Partner) -> None:
    assert client.get("/api/v1/referrals", headers=partner.headers).status_code == 200
    token = db.session.scalars(select(ApiToken).where(ApiToken.organisation_id == partner.organisation.id)).one()
    api_tokens.revoke(db.session, make.user(Role.ADMIN), token)
    db.session.commit()

    assert_problem(client.get("/api/v1/referrals", headers=partner.headers), 401)


def test_a_token_of_a_deactivated_organisation_stops_working(
    client: FlaskClient, make: Factories, partner: Partner
) -> None:
    from webapp.services import accounts

    accounts.update_organisation(
        db.session,
        make.user(Role.ADMIN),
        partner.organisation,
        name=partner.organisation.name,
        kind=partner.organisation.kind,
        active=False,
    )
    db.session.commit()

    assert_problem(client.get("/api/v1/referrals", headers=partner.headers), 401)


def test_a_session_cookie_alone_is_no_way_in(
    app: Flask, client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    referrer = make.user(Role.REFERRER, must_change_password=True)
    make.referral(referrer)
    db.session.commit()
    auth.login_as(referrer)

    web = client.get("/verwijzingen/")
    api = client.get("/api/v1/referrals")

    # The web app sends this account to choose a password first; the API neither follows the session nor sets one.
    assert web.status_code == 302
    assert_problem(api, 401)
    assert "Set-Cookie" not in api.headers


def test_the_api_needs_no_csrf_token(app_with_csrf: FlaskClient, partner: Partner) -> None:
    response = app_with_csrf.post("/api/v1/referrals", json=referral_body(partner), headers=partner.headers)

    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.fixture
def app_with_csrf(app: Flask) -> FlaskClient:
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


# -- every error as problem+json, the web pages untouched ---------------------------------------------------------


def test_malformed_json_and_another_kind_of_body(client: FlaskClient, partner: Partner) -> None:
    json_headers = {**partner.headers, "Content-Type": "application/json"}
    broken = client.post("/api/v1/referrals", data="{not json", headers=json_headers)
    not_a_number = client.post("/api/v1/referrals", data='{"x": NaN}', headers=json_headers)
    form = client.post("/api/v1/referrals", data={"first_name": "Anna"}, headers=partner.headers)

    assert assert_problem(broken, 400)["type"].endswith(":ongeldige-json")
    assert_problem(not_a_number, 400)
    assert assert_problem(form, 415)["type"].endswith(":geen-json")


def test_unknown_paths_and_methods_on_the_api(client: FlaskClient, partner: Partner) -> None:
    unknown = client.get("/api/v1/bestaat-niet", headers=partner.headers)
    method = client.delete("/api/v1/referrals", headers=partner.headers)

    assert_problem(unknown, 404)
    assert assert_problem(method, 405)["detail"] == "Dit adres kan niet met DELETE worden gebruikt."
    assert set(method.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 2048}])
def test_a_body_too_large_is_413(client: FlaskClient, partner: Partner) -> None:
    body = referral_body(partner, reason="x" * 5000)

    assert_problem(client.post("/api/v1/referrals", json=body, headers=partner.headers), 413)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "SAMEN_API_LIMIT": "2 per minute"}])
def test_the_limit_is_per_token_and_answers_429_with_retry_after(
    client: FlaskClient, partner: Partner, viewer_token: str
) -> None:
    answers = [client.get("/api/v1/referrals", headers=partner.headers).status_code for _ in range(3)]
    other_token = client.get("/api/v1/coalition/figures", headers=bearer(viewer_token))
    refused = client.get("/api/v1/referrals", headers=partner.headers)

    assert answers == [200, 200, 429]
    assert other_token.status_code == 200
    problem = assert_problem(refused, 429)
    assert problem["type"].endswith(":te-veel-verzoeken")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("app_config", [{"PROPAGATE_EXCEPTIONS": False}])
def test_a_server_error_is_problem_json_too(
    client: FlaskClient, partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapp.services import referrals as referral_service

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(referral_service, "of_organisation_id", broken)

    problem = assert_problem(client.get("/api/v1/referrals", headers=partner.headers), 500)

    assert "the database" not in problem["detail"]


def test_the_language_follows_accept_language(client: FlaskClient, partner: Partner, viewer_token: str) -> None:
    dutch = client.get("/api/v1/coalition/figures", headers=partner.headers)
    english = client.get("/api/v1/coalition/figures", headers={**partner.headers, "Accept-Language": "en;q=0.9"})
    unknown = client.get("/api/v1/coalition/figures", headers={**partner.headers, "Accept-Language": "fr"})

    assert assert_problem(dutch, 403)["title"] == "Geen toegang"
    assert assert_problem(english, 403)["title"] == "No access"
    assert english.headers["Content-Language"] == "en"
    assert assert_problem(unknown, 403)["title"] == "Geen toegang"
    figures = client.get("/api/v1/coalition/figures", headers=bearer(viewer_token, **{"Accept-Language": "en"}))
    assert figures.get_json()["tables"][0]["title"] == "Loneliness of residents"


def test_the_web_pages_keep_their_html_error_pages(client: FlaskClient) -> None:
    response = client.get("/bestaat-niet")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


# -- the OpenAPI document -----------------------------------------------------------------------------------------


def test_the_openapi_document_is_3_1_and_describes_every_operation(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    assert operations == {
        ("POST", "/api/v1/referrals"),
        ("GET", "/api/v1/referrals"),
        ("GET", "/api/v1/referrals/{referral_id}"),
        ("GET", "/api/v1/coalition/figures"),
    }
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    unprocessable = document["paths"]["/api/v1/referrals"]["post"]["responses"]["422"]["$ref"].rsplit("/", 1)[-1]
    assert PROBLEM in document["components"]["responses"][unprocessable]["content"]


def test_the_openapi_document_validates_as_openapi_3_1(client: FlaskClient) -> None:
    import schemathesis

    document = client.get("/api/v1/openapi.json").get_json()

    schema = schemathesis.openapi.from_dict(document)
    schema.validate()  # against the OpenAPI 3.1 meta-schema; raises on any violation
    operations = [result.ok() for result in schema.get_all_operations()]

    assert len(operations) == 4
    broken = {**document, "paths": {"/api/v1/referrals": {"get": {"responses": "none"}}}}
    with pytest.raises(Exception, match="responses"):
        schemathesis.openapi.from_dict(broken).validate()
