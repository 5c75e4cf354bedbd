"""Rate limits: sign-in per address and per account, sign-ups counted when accepted (and, generously, when refused),
the 429 page that says how long to wait and whom to call, and the client's address behind the configured proxies.

The limits run on memory storage here (one app, one process); tests/server/test_gunicorn_limits.py shows them
shared by two gunicorn workers through Redis, and the last test here runs them on Redis in-process.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.test_edge import security_header_problems
from tests.webapp.test_public import signup_data
from webapp.extensions import db
from webapp.models import Volunteer

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SAMEN_LOGIN_LIMIT": "100 per minute",
    "SAMEN_LOGIN_ACCOUNT_LIMIT": "3 per minute",
    "SAMEN_SIGNUP_LIMIT": "2 per hour",
    "SAMEN_SIGNUP_ERROR_LIMIT": "4 per hour",
    "SAMEN_CONTACT_PHONE": "070 999 88 77",
    "SAMEN_CONTACT_EMAIL": "hulp@welzijn.example",
}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(LIMITS)


def sign_in(client: FlaskClient, email: str, address: str = "192.0.2.1", **headers: str) -> Any:
    return client.post(
        "/inloggen",
        data={"email": email, "password": "niet het wachtwoord"},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _volunteers() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Volunteer)) or 0)


# -- sign-in -----------------------------------------------------------------------------------------------------


def test_sign_in_attempts_for_one_account_stop_at_the_account_limit(client: FlaskClient) -> None:
    statuses = [sign_in(client, "jan@example.org").status_code for _ in range(5)]

    assert statuses == [422, 422, 422, 429, 429]


def test_the_account_limit_counts_the_email_as_typed_lower_cased(client: FlaskClient) -> None:
    for typed in ("Jan@Example.org", "JAN@example.org", " jan@example.org "):
        sign_in(client, typed)

    assert sign_in(client, "jan@example.org").status_code == 429


def test_the_account_limit_holds_from_other_addresses_too(client: FlaskClient) -> None:
    for number in range(3):
        sign_in(client, "jan@example.org", address=f"192.0.2.{number + 10}")

    assert sign_in(client, "jan@example.org", address="198.51.100.7").status_code == 429


def test_another_account_can_still_sign_in_when_one_is_limited(client: FlaskClient) -> None:
    for _ in range(4):
        sign_in(client, "jan@example.org")

    assert sign_in(client, "piet@example.org").status_code == 422


@pytest.mark.parametrize("app_config", [{**LIMITS, "SAMEN_LOGIN_LIMIT": "3 per minute"}])
def test_sign_in_attempts_from_one_address_stop_at_the_address_limit(client: FlaskClient) -> None:
    statuses = [sign_in(client, f"persoon{number}@example.org").status_code for number in range(4)]

    assert statuses == [422, 422, 422, 429]


@pytest.mark.parametrize("app_config", [{**LIMITS, "SAMEN_LOGIN_LIMIT": "3 per minute"}])
def test_another_address_can_still_sign_in_when_one_is_limited(client: FlaskClient) -> None:
    for number in range(3):
        sign_in(client, f"persoon{number}@example.org")

    assert sign_in(client, "ander@example.org", address="198.51.100.7").status_code == 422


def test_showing_the_sign_in_page_is_never_limited(client: FlaskClient) -> None:
    statuses = {client.get("/inloggen").status_code for _ in range(10)}

    assert statuses == {200}


# -- behind the configured proxies ---------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{**LIMITS, "SAMEN_LOGIN_LIMIT": "2 per minute", "SAMEN_PROXY_COUNT": 1}])
def test_behind_one_proxy_each_client_address_has_its_own_limit(client: FlaskClient) -> None:
    for number in range(2):
        sign_in(client, f"a{number}@example.org", address="10.0.0.1", **{"X-Forwarded-For": "203.0.113.5"})

    other_client = sign_in(client, "b@example.org", address="10.0.0.1", **{"X-Forwarded-For": "203.0.113.6"})
    same_client = sign_in(client, "c@example.org", address="10.0.0.1", **{"X-Forwarded-For": "203.0.113.5"})

    assert (other_client.status_code, same_client.status_code) == (422, 429)


@pytest.mark.parametrize("app_config", [{**LIMITS, "SAMEN_LOGIN_LIMIT": "2 per minute"}])
def test_without_a_configured_proxy_a_forwarded_address_is_not_believed(client: FlaskClient) -> None:
    for number in range(2):
        sign_in(client, f"a{number}@example.org", address="10.0.0.1", **{"X-Forwarded-For": f"203.0.113.{number}"})

    response = sign_in(client, "b@example.org", address="10.0.0.1", **{"X-Forwarded-For": "203.0.113.99"})

    assert response.status_code == 429


# -- the 429 page -----------------------------------------------------------------------------------------------


@pytest.fixture
def limited_page(client: FlaskClient) -> Any:
    for _ in range(3):
        sign_in(client, "jan@example.org")
    return sign_in(client, "jan@example.org")


def test_the_too_many_page_says_in_dutch_how_long_to_wait(limited_page: Any) -> None:
    assert limited_page.status_code == 429
    assert "Probeer het over 1 minuut opnieuw." in limited_page.text


@pytest.mark.parametrize("app_config", [{**LIMITS, "SAMEN_LOGIN_ACCOUNT_LIMIT": "3 per hour"}])
def test_the_wait_is_counted_in_minutes_from_the_limits_reset(limited_page: Any) -> None:
    assert "Probeer het over 60 minuten opnieuw." in limited_page.text


def test_the_too_many_page_gives_the_contact_details(limited_page: Any) -> None:
    assert "070 999 88 77" in limited_page.text
    assert 'href="tel:0709998877"' in limited_page.text
    assert 'href="mailto:hulp@welzijn.example"' in limited_page.text


def test_the_too_many_page_tells_the_browser_when_to_retry(limited_page: Any) -> None:
    assert 0 < int(limited_page.headers["Retry-After"]) <= 60


def test_the_too_many_page_carries_the_security_headers(limited_page: Any) -> None:
    assert security_header_problems(limited_page) == []


# -- sign-ups ----------------------------------------------------------------------------------------------------


def test_sign_ups_with_errors_do_not_use_up_the_accepted_sign_ups(client: FlaskClient) -> None:
    for _ in range(3):
        client.post("/aanmelden", data=signup_data(first_name=""))

    statuses = [
        client.post("/aanmelden", data=signup_data(email=f"vrijwilliger{n}@example.org")).status_code for n in range(2)
    ]

    assert statuses == [302, 302]
    assert _volunteers() == 2


def test_accepted_sign_ups_stop_at_the_sign_up_limit(client: FlaskClient) -> None:
    statuses = [
        client.post("/aanmelden", data=signup_data(email=f"vrijwilliger{n}@example.org")).status_code for n in range(3)
    ]

    assert statuses == [302, 302, 429]
    assert _volunteers() == 2


def test_the_sign_up_limit_page_gives_the_wait_and_the_contact_details(client: FlaskClient) -> None:
    for n in range(2):
        client.post("/aanmelden", data=signup_data(email=f"vrijwilliger{n}@example.org"))

    response = client.post("/aanmelden", data=signup_data(email="nog-een@example.org"))

    assert response.status_code == 429
    assert "Probeer het over 60 minuten opnieuw." in response.text
    assert "hulp@welzijn.example" in response.text


def test_sign_ups_with_errors_stop_at_their_own_generous_limit(client: FlaskClient) -> None:
    statuses = [client.post("/aanmelden", data=signup_data(first_name="")).status_code for _ in range(5)]

    assert statuses == [422, 422, 422, 422, 429]


def test_switching_the_language_counts_for_neither_limit(client: FlaskClient) -> None:
    for _ in range(6):
        client.post("/aanmelden", data={**signup_data(), "taal": "en"})

    response = client.post("/aanmelden", data=signup_data())

    assert response.status_code == 302


# -- the contact details on the public pages ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/privacy", "/aanmelden/bedankt"])
def test_the_public_pages_give_the_contact_details(client: FlaskClient, url: str) -> None:
    response = client.get(url)

    assert "070 999 88 77" in response.text
    assert 'href="mailto:hulp@welzijn.example"' in response.text


# -- Redis, as in production ---------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (.ci/run sets it to the machine's Redis)")
    import redis

    prefix = f"samen-test-{uuid.uuid4().hex}"
    yield prefix
    connection = redis.Redis.from_url(url)
    keys = list(connection.scan_iter(f"*{prefix}*"))
    if keys:
        connection.delete(*keys)


@pytest.fixture
def redis_app(database_url_for_test: str, redis_prefix: str) -> Iterator[Flask]:
    from webapp import create_app
    from webapp.extensions import limiter

    # Flask-Limiter keeps the first app's key prefix on its one Limiter; each test app here needs its own.
    limiter._key_prefix = ""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url_for_test,
            "WTF_CSRF_ENABLED": False,
            **LIMITS,
            "RATELIMIT_STORAGE_URI": os.environ["TEST_REDIS_URL"],
            "RATELIMIT_KEY_PREFIX": redis_prefix,
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    limiter._key_prefix = ""


def test_the_limits_count_in_redis(redis_app: Flask, redis_prefix: str) -> None:
    import redis

    client = redis_app.test_client()

    statuses = [sign_in(client, "jan@example.org").status_code for _ in range(4)]

    assert statuses == [422, 422, 422, 429]
    stored = list(redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).scan_iter(f"*{redis_prefix}*"))
    assert stored
    assert not any(b"jan" in key for key in stored)  # the storage sees a keyed hash, not the address
