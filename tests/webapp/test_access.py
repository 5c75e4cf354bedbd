"""Every staff URL refuses anonymous visitors (sign in first) and staff of the wrong role (403)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories
from webapp import create_app
from webapp.models import Role

PUBLIC_ENDPOINTS = {
    "static",
    "public.home",
    "public.privacy",
    "public.set_language",
    "public.healthz",
    "public.volunteer_signup",
    "public.signup_thanks",
    # The loneliness questionnaire through a one-time link: the link is the key (tests/webapp/test_measurements.py).
    "measure.fill_in",
    "measure.thanks",
    "auth.login",
    "auth.logout",
    # The API's OpenAPI document describes it to anyone; the API's operations answer a token, never a session.
    "api-docs.openapi_json",
}
#: Blueprints that a bearer token opens, not a session (tests/webapp/test_api.py; the access matrix checks that
#: every session, of every role, gets a 401 there).
TOKEN_BLUEPRINTS = {"api"}
# Which roles may use each blueprint; any signed-in staff member may change their own password.
ALLOWED_ROLES = {
    "referrals": {Role.REFERRER},
    "residents": {Role.COORDINATOR, Role.ADMIN},
    "coordination": {Role.COORDINATOR, Role.ADMIN},
    "matching": {Role.COORDINATOR, Role.ADMIN},
    "matches": {Role.COORDINATOR, Role.ADMIN},
    "measure": {Role.COORDINATOR, Role.ADMIN},
    "rights": {Role.COORDINATOR, Role.ADMIN},
    "auditlog": {Role.ADMIN},
    "admin": {Role.ADMIN},
    # The coalition's dashboard: the only staff pages a viewer sees (besides their own account's).
    "coalition": {Role.COORDINATOR, Role.ADMIN, Role.VIEWER},
    "auth": {Role.REFERRER, Role.COORDINATOR, Role.ADMIN, Role.VIEWER},
}


def _staff_urls() -> list[tuple[str, str, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.split(".")[0] in TOKEN_BLUEPRINTS:
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, path))
    return urls


STAFF_URLS = _staff_urls()


def test_every_endpoint_is_classified() -> None:
    unknown = {endpoint.split(".")[0] for endpoint, _, _ in STAFF_URLS} - set(ALLOWED_ROLES)
    assert not unknown, f"new blueprint(s) without an access rule in this test: {unknown}"


@pytest.mark.parametrize(("endpoint", "method", "path"), STAFF_URLS, ids=[f"{m} {p}" for _, m, p in STAFF_URLS])
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, endpoint: str, method: str, path: str) -> None:
    response = client.open(path, method=method)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


WRONG_ROLE_CASES = [
    (endpoint, method, path, role)
    for endpoint, method, path in STAFF_URLS
    for role in Role
    if role not in ALLOWED_ROLES.get(endpoint.split(".")[0], set())
]


@pytest.mark.parametrize(
    ("endpoint", "method", "path", "role"),
    WRONG_ROLE_CASES,
    ids=[f"{r.value} {m} {p}" for _, m, p, r in WRONG_ROLE_CASES],
)
def test_staff_of_the_wrong_role_are_refused(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make: Factories,
    endpoint: str,
    method: str,
    path: str,
    role: Role,
) -> None:
    user = make.user(role)
    make.session.commit()
    auth.login_as(user)

    response = client.open(path, method=method)

    assert response.status_code == 403
