"""API tokens: issued by admins at /beheer/api-sleutels (shown once, stored hashed, revoked after confirmation) and
on the command line (``flask samen create-api-token``), each in the audit trail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, text

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories
from webapp.extensions import db
from webapp.models import ApiToken, AuditEvent, Organisation, OrganisationKind, Role, User
from webapp.security import token_hash


@pytest.fixture
def admin(make: Factories, auth: AuthActions) -> User:
    user = make.user(Role.ADMIN, name="Ada Beheer")
    db.session.commit()
    auth.login_as(user)
    return user


@pytest.fixture
def housing(make: Factories) -> Organisation:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    db.session.commit()
    return organisation


def shown_secret(html: str) -> str | None:
    match = re.search(r'<code class="secret" id="api-sleutel">([^<]+)</code>', html)
    return match.group(1) if match else None


def every_stored_value() -> str:
    """Every value of every column of the tokens table, as text."""
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    return " ".join(str(value) for row in rows for value in row)


def issue_on_page(client: FlaskClient, organisation: Organisation, role: str = "referrer", name: str = "CRM") -> Any:
    return client.post(
        "/beheer/api-sleutels/nieuw", data={"organisation": str(organisation.id), "role": role, "name": name}
    )


def test_an_admin_issues_a_token_that_is_shown_once_and_stored_hashed(
    client: FlaskClient, admin: User, housing: Organisation
) -> None:
    response = issue_on_page(client, housing, name="Zaaksysteem Rijswijk Wonen")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = shown_secret(response.get_data(as_text=True))
    assert secret is not None
    assert secret.startswith("samen_")
    token = db.session.scalars(select(ApiToken)).one()
    assert (token.organisation_id, token.role, token.created_by_id) == (housing.id, Role.REFERRER, admin.id)
    assert token.token_hash == token_hash(secret)
    assert secret not in every_stored_value()
    assert secret[len(token.prefix) :] not in every_stored_value()
    listed = client.get("/beheer/api-sleutels").get_data(as_text=True)
    assert "Zaaksysteem Rijswijk Wonen" in listed
    assert token.prefix in listed
    assert secret not in listed
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.issued"))
    assert event is not None
    assert (event.user_id, event.subject_id, event.detail) == (
        admin.id,
        token.id,
        {"organisation_id": housing.id, "role": "referrer"},
    )


def test_the_issue_form_refuses_what_it_must(
    client: FlaskClient, admin: User, housing: Organisation, make: Factories
) -> None:
    closed = make.organisation("Gesloten", OrganisationKind.ZORG, active=False)
    db.session.commit()

    no_name = issue_on_page(client, housing, name="  ")
    staff_role = issue_on_page(client, housing, role="admin")
    inactive = issue_on_page(client, closed)
    control = issue_on_page(client, housing, name="CRM\x07")

    for response in (no_name, staff_role, inactive, control):
        assert response.status_code == 422
    assert "Geef de sleutel een naam" in no_name.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).all() == []


def test_an_admin_revokes_a_token_after_confirming(client: FlaskClient, admin: User, housing: Organisation) -> None:
    secret = shown_secret(issue_on_page(client, housing).get_data(as_text=True))
    token = db.session.scalars(select(ApiToken)).one()

    confirmation = client.get(f"/beheer/api-sleutels/{token.id}/intrekken")
    assert confirmation.status_code == 200
    assert "Weet u het zeker?" in confirmation.get_data(as_text=True)
    assert token.revoked_at is None

    revoked = client.post(f"/beheer/api-sleutels/{token.id}/intrekken")
    again = client.post(f"/beheer/api-sleutels/{token.id}/intrekken")

    assert revoked.status_code == 302
    assert again.status_code == 409
    db.session.expire_all()
    assert token.revoked_at is not None
    assert token.revoked_by_id == admin.id
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "ingetrokken" in client.get("/beheer/api-sleutels").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.revoked")) is not None


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_revoking_needs_the_forms_csrf_token(client: FlaskClient, admin: User, housing: Organisation) -> None:
    from webapp.services import api_tokens

    token = api_tokens.issue(db.session, None, housing, Role.VIEWER, "Dashboard").token
    db.session.commit()

    response = client.post(f"/beheer/api-sleutels/{token.id}/intrekken")

    assert response.status_code == 400
    db.session.expire_all()
    assert token.revoked_at is None


def test_only_admins_see_the_api_keys(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    auth.login_as(make.user(Role.COORDINATOR))
    db.session.commit()

    assert client.get("/beheer/api-sleutels").status_code == 403
    assert client.get("/beheer/api-sleutels/nieuw").status_code == 403


def test_the_admin_nav_links_the_api_keys(client: FlaskClient, admin: User) -> None:
    assert 'href="/beheer/api-sleutels"' in client.get("/beheer/accounts").get_data(as_text=True)


# -- the command line ---------------------------------------------------------------------------------------------


def test_the_command_prints_a_token_once_and_stores_its_hash(
    app: Flask, runner: FlaskCliRunner, housing: Organisation
) -> None:
    result = runner.invoke(
        args=["samen", "create-api-token", "--organisation", "Rijswijk Wonen", "--role", "viewer", "--name", "BI"]
    )

    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    token = db.session.scalars(select(ApiToken)).one()
    assert token.token_hash == token_hash(secret)
    assert (token.role, token.name, token.created_by_id) == (Role.VIEWER, "BI", None)
    assert secret not in every_stored_value()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.issued")) is not None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--organisation", "Bestaat Niet", "--role", "referrer"], "no organisation is called 'Bestaat Niet'"),
        (["--organisation", "Rijswijk Wonen", "--role", "admin"], "use one of: referrer, viewer"),
        (["--organisation", "Rijswijk Wonen"], "Missing option '--role'"),
    ],
)
def test_the_command_says_clearly_what_is_wrong(
    runner: FlaskCliRunner, housing: Organisation, arguments: list[str], message: str
) -> None:
    result = runner.invoke(args=["samen", "create-api-token", *arguments])

    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalars(select(ApiToken)).all() == []


def test_the_command_refuses_an_inactive_organisation(runner: FlaskCliRunner, make: Factories) -> None:
    make.organisation("Gesloten", OrganisationKind.ZORG, active=False)
    db.session.commit()

    result = runner.invoke(args=["samen", "create-api-token", "--organisation", "Gesloten", "--role", "viewer"])

    assert result.exit_code != 0
    assert "niet actief" in result.output
