"""Staff sign-in, sign-out, safe redirects and choosing one's own password."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import PASSWORD, Factories
from webapp.models import Role


def test_coordinator_signs_in_and_lands_on_the_dashboard(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()

    response = auth.login(user.email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinatie"


def test_referrer_lands_on_their_referrals(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.REFERRER)
    make.session.commit()

    response = auth.login(user.email)

    assert response.headers["Location"] == "/verwijzingen/"


def test_email_is_matched_without_regard_to_case(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    make.user(Role.COORDINATOR, email="carla@example.org")
    make.session.commit()

    response = auth.login("  Carla@Example.ORG ")

    assert response.status_code == 302


@pytest.mark.parametrize("email", ["carla@example.org", "nobody@example.org"])
def test_wrong_password_or_unknown_address_gives_the_same_message(
    client: FlaskClient, auth: AuthActions, make: Factories, email: str
) -> None:
    make.user(Role.COORDINATOR, email="carla@example.org")
    make.session.commit()

    response = auth.login(email, "wrong password here")

    assert response.status_code == 422
    assert "Deze combinatie van e-mailadres en wachtwoord kennen we niet." in response.text


def test_inactive_account_cannot_sign_in(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR, active=False)
    make.session.commit()

    response = auth.login(user.email)

    assert response.status_code == 422


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client: FlaskClient, make: Factories, target: str) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()

    response = client.post(f"/inloggen?next={target}", data={"email": user.email, "password": PASSWORD})

    assert response.headers["Location"] == "/coordinatie"


def test_next_returns_to_the_page_that_asked_for_sign_in(client: FlaskClient, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()

    response = client.post("/inloggen?next=/wachtlijst", data={"email": user.email, "password": PASSWORD})

    assert response.headers["Location"] == "/wachtlijst"


def test_temporary_password_must_be_replaced_before_anything_else(
    client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    user = make.user(Role.COORDINATOR, must_change_password=True)
    make.session.commit()
    auth.login(user.email)

    response = client.get("/coordinatie")

    assert response.status_code == 302
    assert response.headers["Location"] == "/wachtwoord"


def test_choosing_a_new_password_lets_the_user_in(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR, must_change_password=True)
    make.session.commit()
    auth.login(user.email)

    response = client.post(
        "/wachtwoord",
        data={"current": PASSWORD, "new": "een lange nieuwe zin", "repeat": "een lange nieuwe zin"},
    )

    assert response.headers["Location"] == "/coordinatie"
    assert client.get("/coordinatie").status_code == 200


@pytest.mark.parametrize(
    ("new", "repeat", "message"),
    [
        ("kort", "kort", "Kies minstens 12 tekens."),
        ("een lange nieuwe zin", "een andere zin hier", "De twee wachtwoorden zijn niet gelijk."),
        (PASSWORD, PASSWORD, "Kies een ander wachtwoord dan het huidige."),
    ],
)
def test_new_password_is_checked(
    client: FlaskClient, auth: AuthActions, make: Factories, new: str, repeat: str, message: str
) -> None:
    user = make.user(Role.COORDINATOR, must_change_password=True)
    make.session.commit()
    auth.login(user.email)

    response = client.post("/wachtwoord", data={"current": PASSWORD, "new": new, "repeat": repeat})

    assert response.status_code == 422
    assert message in response.text


def test_sign_out_ends_the_session(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    make.session.commit()
    auth.login(user.email)

    auth.logout()

    assert client.get("/coordinatie").status_code == 302
