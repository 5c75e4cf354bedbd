"""Two-factor sign-in (TOTP): setting it up at /tweestaps with a QR code the app draws itself, signing in with a code
or a recovery code at /inloggen/code, codes that work once, required for coordinators and admins where the setting
says so (production), optional in development, and reset by an admin."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import PASSWORD, Factories
from webapp.auth.sessions import PENDING_KEY
from webapp.extensions import db
from webapp.models import AuditEvent, OrganisationKind, RecoveryCode, Role, User
from webapp.security import TOTP_STEP_SECONDS, token_hash
from webapp.services import accounts

REQUIRED = {"SAMEN_REQUIRE_TWO_FACTOR": True}
# Long ago: no code of today counts as used before.
LONG_AGO = datetime(2020, 1, 1)


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * TOTP_STEP_SECONDS)


def fresh_user(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


@pytest.fixture
def enrolled(make: Factories) -> tuple[User, str]:
    """A coordinator with two-factor sign-in on, and the secret of their app."""
    secret = pyotp.random_base32()
    user = make.user(Role.COORDINATOR, totp_secret=secret, totp_confirmed_at=LONG_AGO)
    db.session.commit()
    return user, secret


def give_recovery_codes(user: User) -> list[str]:
    codes = ["abcd-efgh-jkmn", "pqrs-tuvw-xyz2"]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=token_hash(code)) for code in codes)
    db.session.commit()
    return codes


def start_setup(client: FlaskClient) -> str:
    """Sign-in done: make the secret and return it as the page shows it."""
    client.post("/tweestaps/begin")
    page = client.get("/tweestaps")
    shown = re.search(r'<code class="secret" id="geheime-sleutel">([A-Z2-7 ]+)</code>', page.text)
    assert shown is not None, page.text
    return shown.group(1).replace(" ", "")


def shown_recovery_codes(html: str) -> list[str]:
    return re.findall(r'<li><code class="secret">([a-z2-9-]+)</code></li>', html)


# -- setting it up ---------------------------------------------------------------------------------------------


def test_the_setup_page_offers_to_begin(client: FlaskClient, coordinator: User) -> None:
    response = client.get("/tweestaps")

    assert response.status_code == 200
    assert 'action="/tweestaps/begin"' in response.text
    assert fresh_user(coordinator.id).totp_secret is None


def test_beginning_makes_a_secret_that_is_not_yet_in_use(client: FlaskClient, coordinator: User) -> None:
    response = client.post("/tweestaps/begin")

    user = fresh_user(coordinator.id)
    assert response.status_code == 302
    assert user.totp_secret is not None
    assert user.totp_confirmed_at is None
    assert not accounts.has_two_factor(user)


def test_the_qr_code_is_an_inline_svg_without_styles_or_outside_sources(client: FlaskClient, coordinator: User) -> None:
    client.post("/tweestaps/begin")

    page = client.get("/tweestaps").text

    svg = re.search(r"<svg\b.*?</svg>", page, re.DOTALL)
    assert svg is not None
    assert "style=" not in svg.group(0)
    assert "data:" not in page
    assert "<img" not in svg.group(0)
    assert "http" not in svg.group(0)
    assert "<script" not in page


def test_the_secret_is_shown_in_groups_of_four_for_typing(client: FlaskClient, coordinator: User) -> None:
    client.post("/tweestaps/begin")

    page = client.get("/tweestaps").text

    secret = fresh_user(coordinator.id).totp_secret
    groups = re.search(r'id="geheime-sleutel">([^<]+)<', page)
    assert groups is not None
    assert groups.group(1).split(" ") == [secret[i : i + 4] for i in range(0, len(secret), 4)]


def test_a_wrong_code_does_not_turn_it_on(client: FlaskClient, coordinator: User) -> None:
    secret = start_setup(client)
    wrong = f"{(int(code_at(secret)) + 1) % 1_000_000:06d}"

    response = client.post("/tweestaps", data={"code": wrong})

    assert response.status_code == 422
    assert "Deze code klopt niet." in response.text
    assert not accounts.has_two_factor(fresh_user(coordinator.id))


def test_a_code_from_the_app_turns_it_on_and_shows_ten_recovery_codes_once(
    client: FlaskClient, coordinator: User
) -> None:
    secret = start_setup(client)

    response = client.post("/tweestaps", data={"code": code_at(secret)})

    codes = shown_recovery_codes(response.text)
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == coordinator.id)).all()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert len(set(codes)) == 10
    assert sorted(stored) == sorted(token_hash(code) for code in codes)
    assert accounts.has_two_factor(fresh_user(coordinator.id))
    assert shown_recovery_codes(client.get("/tweestaps").text) == []


def test_setting_it_up_is_recorded_without_the_secret(client: FlaskClient, coordinator: User) -> None:
    secret = start_setup(client)
    code = code_at(secret)

    client.post("/tweestaps", data={"code": code})

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == accounts.TWO_FACTOR_ENROLLED))
    assert event is not None
    assert event.subject_id == coordinator.id
    assert secret not in str(event.detail)
    assert code not in str(event.detail)


def test_setting_it_up_keeps_this_session_and_ends_the_others(
    app: Flask, client: FlaskClient, auth: AuthActions, make: Factories
) -> None:
    user = make.user(Role.COORDINATOR)
    db.session.commit()
    auth.login(user.email)
    other_device = app.test_client()
    AuthActions(other_device).login(user.email)
    secret = start_setup(client)

    client.post("/tweestaps", data={"code": code_at(secret)})

    assert client.get("/coordinatie").status_code == 200
    assert other_device.get("/coordinatie").status_code == 302


def test_it_cannot_be_set_up_twice(client: FlaskClient, coordinator: User) -> None:
    secret = start_setup(client)
    client.post("/tweestaps", data={"code": code_at(secret)})

    response = client.post("/tweestaps/begin")

    assert response.status_code == 409
    assert fresh_user(coordinator.id).totp_secret == secret


# -- signing in with two factors -------------------------------------------------------------------------------


def test_after_the_password_the_code_is_asked_and_nobody_is_signed_in_yet(
    client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]
) -> None:
    user, _secret = enrolled

    response = auth.login(user.email)

    assert response.headers["Location"] == "/inloggen/code"
    assert client.get("/coordinatie").headers["Location"].startswith("/inloggen")
    assert client.get("/inloggen/code").status_code == 200


def test_the_half_way_session_holds_no_secret(
    app: Flask, client: FlaskClient, auth: AuthActions, enrolled: Any
) -> None:
    user, secret = enrolled

    auth.login(user.email)

    with client.session_transaction() as session:
        assert set(session[PENDING_KEY]) == {"user_id", "version", "at", "remember", "next"}
        assert secret not in str(dict(session))
        assert "_user_id" not in session


def test_a_code_from_the_app_completes_the_sign_in(
    client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]
) -> None:
    user, secret = enrolled

    response = auth.login_with_code(user.email, code_at(secret))

    assert response.headers["Location"] == "/coordinatie"
    assert client.get("/coordinatie").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == accounts.LOGIN))
    assert event.detail == {"method": "totp"}


def test_the_code_may_be_typed_with_a_space(client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]) -> None:
    user, secret = enrolled
    code = code_at(secret)

    response = auth.login_with_code(user.email, f"{code[:3]} {code[3:]}")

    assert response.headers["Location"] == "/coordinatie"


def test_the_page_it_asked_for_is_where_the_sign_in_ends(client: FlaskClient, enrolled: tuple[User, str]) -> None:
    user, secret = enrolled
    client.post("/inloggen?next=/wachtlijst", data={"email": user.email, "password": PASSWORD})

    response = client.post("/inloggen/code", data={"code": code_at(secret)})

    assert response.headers["Location"] == "/wachtlijst"


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (1, True), (-3, False), (3, False)])
def test_a_code_one_step_early_or_late_is_accepted_not_more(
    client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str], offset: int, accepted: bool
) -> None:
    user, secret = enrolled

    response = auth.login_with_code(user.email, code_at(secret, offset))

    assert (response.status_code == 302) is accepted


def test_a_wrong_code_is_refused_and_recorded(
    client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]
) -> None:
    user, _secret = enrolled

    response = auth.login_with_code(user.email, "000000")

    assert response.status_code == 422
    assert "Deze code klopt niet." in response.text
    assert client.get("/coordinatie").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == accounts.LOGIN_FAILED))
    assert event.subject_id == user.id
    assert "000000" not in str(event.detail)


def test_a_code_used_before_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]
) -> None:
    user, secret = enrolled
    code = code_at(secret)
    auth.login_with_code(user.email, code)
    other_device = AuthActions(app.test_client())

    response = other_device.login_with_code(user.email, code)

    assert response.status_code == 422
    assert "Deze code is al gebruikt." in response.text


def test_a_code_older_than_the_last_one_used_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]
) -> None:
    user, secret = enrolled
    auth.login_with_code(user.email, code_at(secret, 1))
    other_device = AuthActions(app.test_client())

    response = other_device.login_with_code(user.email, code_at(secret))

    assert response.status_code == 422


def test_the_confirming_code_cannot_sign_in_again(app: Flask, client: FlaskClient, make: Factories) -> None:
    user = make.user(Role.COORDINATOR)
    db.session.commit()
    auth = AuthActions(client)
    auth.login(user.email)
    secret = start_setup(client)
    code = code_at(secret)
    client.post("/tweestaps", data={"code": code})
    auth.logout()

    response = auth.login_with_code(user.email, code)

    assert response.status_code == 422


def test_a_recovery_code_works_once(
    app: Flask, client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]
) -> None:
    user, _secret = enrolled
    codes = give_recovery_codes(user)

    first = auth.login_with_code(user.email, codes[0].upper().replace("-", " "))
    second = AuthActions(app.test_client()).login_with_code(user.email, codes[0])

    assert first.headers["Location"] == "/coordinatie"
    assert second.status_code == 422
    assert accounts.unused_recovery_codes(db.session, user) == 1


def test_a_recovery_code_of_another_account_does_not_work(
    client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str], make: Factories
) -> None:
    user, _secret = enrolled
    other = make.user(Role.COORDINATOR)
    codes = give_recovery_codes(other)

    response = auth.login_with_code(user.email, codes[0])

    assert response.status_code == 422


def test_the_code_page_without_a_password_first_sends_back(client: FlaskClient) -> None:
    response = client.post("/inloggen/code", data={"code": "123456"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/inloggen"


def test_the_half_way_sign_in_expires(client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]) -> None:
    user, secret = enrolled
    auth.login(user.email)
    with client.session_transaction() as session:
        pending = dict(session[PENDING_KEY])
        pending["at"] -= 10 * 60
        session[PENDING_KEY] = pending

    response = client.post("/inloggen/code", data={"code": code_at(secret)})

    assert response.headers["Location"] == "/inloggen"
    assert client.get("/coordinatie").status_code == 302


def test_a_new_password_meanwhile_ends_the_half_way_sign_in(
    client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str]
) -> None:
    user, secret = enrolled
    auth.login(user.email)
    accounts.end_all_sessions(db.session, user)
    db.session.commit()

    response = client.post("/inloggen/code", data={"code": code_at(secret)})

    assert response.headers["Location"] == "/inloggen"


def test_remember_me_is_given_only_after_the_second_factor(client: FlaskClient, enrolled: tuple[User, str]) -> None:
    user, secret = enrolled

    first = client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    second = client.post("/inloggen/code", data={"code": code_at(secret)})

    assert "samen_onthouden" not in " ".join(first.headers.getlist("Set-Cookie"))
    assert "samen_onthouden" in " ".join(second.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "SAMEN_LOGIN_ACCOUNT_LIMIT": "3 per minute"}])
def test_the_code_page_is_rate_limited_per_account(
    app: Flask, client: FlaskClient, auth: AuthActions, enrolled: tuple[User, str], app_config: dict[str, Any]
) -> None:
    user, _secret = enrolled
    auth.login(user.email)

    answers = [client.post("/inloggen/code", data={"code": "000000"}).status_code for _ in range(4)]
    other_device = AuthActions(app.test_client())
    other_device.login(user.email)
    same_account_elsewhere = other_device.client.post("/inloggen/code", data={"code": "000000"}).status_code

    assert answers == [422, 422, 422, 429]
    assert same_account_elsewhere == 429


# -- required or optional --------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [REQUIRED])
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_where_required_coordinators_and_admins_set_it_up_before_anything_else(
    client: FlaskClient, auth: AuthActions, make: Factories, role: Role, app_config: dict[str, Any]
) -> None:
    user = make.user(role)
    db.session.commit()

    response = auth.login(user.email)

    assert response.headers["Location"] == "/tweestaps"
    assert client.get("/coordinatie").headers["Location"] == "/tweestaps"
    assert client.get("/tweestaps").status_code == 200


@pytest.mark.parametrize("app_config", [REQUIRED])
def test_where_required_the_setup_opens_the_way(
    client: FlaskClient, auth: AuthActions, make: Factories, app_config: dict[str, Any]
) -> None:
    user = make.user(Role.COORDINATOR)
    db.session.commit()
    auth.login(user.email)
    secret = start_setup(client)

    client.post("/tweestaps", data={"code": code_at(secret)})

    assert client.get("/coordinatie").status_code == 200


@pytest.mark.parametrize("app_config", [REQUIRED])
def test_where_required_a_temporary_password_is_replaced_first(
    client: FlaskClient, auth: AuthActions, make: Factories, app_config: dict[str, Any]
) -> None:
    user = make.user(Role.COORDINATOR, must_change_password=True)
    db.session.commit()
    auth.login(user.email)
    new = "een lange nieuwe zin hier"

    response = client.post("/wachtwoord", data={"current": PASSWORD, "new": new, "repeat": new})

    assert response.headers["Location"] == "/tweestaps"


@pytest.mark.parametrize("app_config", [REQUIRED])
def test_referrers_are_not_required_to_use_two_factors(
    client: FlaskClient, auth: AuthActions, make: Factories, app_config: dict[str, Any]
) -> None:
    user = make.user(Role.REFERRER, organisation=make.organisation("Vidomes", OrganisationKind.WONEN))
    db.session.commit()

    response = auth.login(user.email)

    assert response.headers["Location"] == "/verwijzingen/"
    assert client.get("/verwijzingen/").status_code == 200


def test_in_development_it_is_optional(client: FlaskClient, auth: AuthActions, make: Factories) -> None:
    user = make.user(Role.ADMIN)
    db.session.commit()

    response = auth.login(user.email)

    assert response.headers["Location"] == "/coordinatie"
    assert client.get("/coordinatie").status_code == 200


def test_the_sign_in_page_links_to_the_setup(client: FlaskClient) -> None:
    page = client.get("/inloggen").text

    assert 'href="/tweestaps"' in page
    assert "Tweestapsverificatie instellen" in page


@pytest.mark.parametrize(
    ("environment", "required"),
    [
        ({}, False),
        ({"SAMEN_ENV": "production", "DATABASE_URL": "sqlite://", "REDIS_URL": "redis://127.0.0.1:6379/15"}, True),
    ],
)
def test_it_is_required_in_production_and_optional_in_development(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], required: bool
) -> None:
    from webapp import create_app

    monkeypatch.delenv("SAMEN_REQUIRE_TWO_FACTOR", raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-for-the-configuration")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["SAMEN_REQUIRE_TWO_FACTOR"] is required


# -- an admin resets it ----------------------------------------------------------------------------------------


def test_an_admin_resets_a_colleagues_second_factor(
    app: Flask, client: FlaskClient, make: Factories, enrolled: tuple[User, str]
) -> None:
    user, secret = enrolled
    give_recovery_codes(user)
    colleague_device = AuthActions(app.test_client())
    colleague_device.login_with_code(user.email, code_at(secret))
    admin = make.user(Role.ADMIN)
    db.session.commit()
    AuthActions(client).login_as(admin)

    response = client.post(f"/beheer/accounts/{user.id}/tweestaps-opnieuw")

    saved = fresh_user(user.id)
    assert response.status_code == 302
    assert saved.totp_secret is None
    assert not accounts.has_two_factor(saved)
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0
    assert colleague_device.client.get("/coordinatie").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == accounts.TWO_FACTOR_RESET))
    assert (event.user_id, event.subject_id) == (admin.id, user.id)


def test_after_a_reset_the_password_alone_signs_in_again_in_development(
    app: Flask, client: FlaskClient, auth: AuthActions, make: Factories, enrolled: tuple[User, str]
) -> None:
    user, _secret = enrolled
    accounts.reset_two_factor(db.session, make.user(Role.ADMIN), user)
    db.session.commit()

    response = auth.login(user.email)

    assert response.headers["Location"] == "/coordinatie"


def test_only_admins_reset_a_second_factor(
    client: FlaskClient, auth: AuthActions, make: Factories, enrolled: tuple[User, str]
) -> None:
    user, _secret = enrolled
    other = make.user(Role.COORDINATOR)
    db.session.commit()
    auth.login_as(other)

    response = client.post(f"/beheer/accounts/{user.id}/tweestaps-opnieuw")

    assert response.status_code == 403
    assert accounts.has_two_factor(fresh_user(user.id))
