"""Every session can be revoked: a copied session cookie or remember-me cookie stops working at sign-out, a new
password, and deactivation of the account or its organisation; sessions expire when idle and after a fixed lifetime;
the remember-me token rotates at each use and a reused copy ends everything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import PASSWORD, Factories
from webapp.auth.sessions import (
    FLASK_LOGIN_REMEMBER_COOKIE,
    REMEMBER_COOKIE,
    SEEN_KEY,
    SIGNED_IN_KEY,
    VERSION_KEY,
)
from webapp.extensions import db
from webapp.models import AuditEvent, Organisation, OrganisationKind, RememberToken, Role, User, utcnow
from webapp.security import token_hash
from webapp.services import accounts

PAGE = "/verwijzingen/"  # a page only a signed-in referrer sees
NEW_PASSWORD = "een heel nieuwe zin om te onthouden"


@pytest.fixture
def referrer(make: Factories) -> User:
    organisation = make.organisation("Rijswijk Wonen", OrganisationKind.WONEN)
    user = make.user(Role.REFERRER, email="fleur@rijswijkwonen.nl", organisation=organisation)
    db.session.commit()
    return user


@pytest.fixture
def admin_client(app: Flask, make: Factories) -> FlaskClient:
    admin = make.user(Role.ADMIN, email="beheer@welzijnrijswijk.nl")
    db.session.commit()
    client = app.test_client()
    AuthActions(client).login_as(admin)
    return client


def session_cookie_name(app: Flask) -> str:
    return str(app.config["SESSION_COOKIE_NAME"])


def copy_cookie(source: FlaskClient, target: FlaskClient, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie to copy"
    target.set_cookie(name, cookie.value)


def signed_in_elsewhere(app: Flask) -> FlaskClient:
    return app.test_client()


def is_sent_to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/inloggen")


def fresh_user(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


# -- what ends a session ---------------------------------------------------------------------------------------


def sign_out(client: FlaskClient, admin_client: FlaskClient, user: User) -> None:
    client.post("/uitloggen")


def change_password(client: FlaskClient, admin_client: FlaskClient, user: User) -> None:
    response = client.post("/wachtwoord", data={"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert response.status_code == 302


def deactivate_account(client: FlaskClient, admin_client: FlaskClient, user: User) -> None:
    response = admin_client.post(
        f"/beheer/accounts/{user.id}",
        data={"name": user.name, "role": user.role.value, "organisation_id": str(user.organisation_id)},
    )
    assert response.status_code == 302


def deactivate_organisation(client: FlaskClient, admin_client: FlaskClient, user: User) -> None:
    organisation = db.session.get(Organisation, user.organisation_id)
    assert organisation is not None
    response = admin_client.post(
        f"/beheer/organisaties/{organisation.id}", data={"name": organisation.name, "kind": organisation.kind.value}
    )
    assert response.status_code == 302


ENDINGS: dict[str, Callable[[FlaskClient, FlaskClient, User], None]] = {
    "sign-out": sign_out,
    "password change": change_password,
    "account deactivated": deactivate_account,
    "organisation deactivated": deactivate_organisation,
}


def test_a_copied_session_cookie_works_while_the_session_lives(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User
) -> None:
    auth.login(referrer.email)
    copy = signed_in_elsewhere(app)
    copy_cookie(client, copy, session_cookie_name(app))

    response = copy.get(PAGE)

    assert response.status_code == 200


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_copied_session_cookie_is_refused_afterwards(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User, admin_client: FlaskClient, ending: str
) -> None:
    auth.login(referrer.email)
    copy = signed_in_elsewhere(app)
    copy_cookie(client, copy, session_cookie_name(app))

    ENDINGS[ending](client, admin_client, referrer)
    response = copy.get(PAGE)

    assert is_sent_to_sign_in(response)


def test_a_copied_remember_me_cookie_works_while_the_token_lives(
    app: Flask, client: FlaskClient, referrer: User
) -> None:
    client.post("/inloggen", data={"email": referrer.email, "password": PASSWORD, "remember": "y"})
    copy = signed_in_elsewhere(app)
    copy_cookie(client, copy, REMEMBER_COOKIE)

    response = copy.get(PAGE)

    assert response.status_code == 200


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_copied_remember_me_cookie_is_refused_afterwards(
    app: Flask, client: FlaskClient, referrer: User, admin_client: FlaskClient, ending: str
) -> None:
    client.post("/inloggen", data={"email": referrer.email, "password": PASSWORD, "remember": "y"})
    copy = signed_in_elsewhere(app)
    copy_cookie(client, copy, REMEMBER_COOKIE)

    ENDINGS[ending](client, admin_client, referrer)
    response = copy.get(PAGE)

    assert is_sent_to_sign_in(response)
    assert db.session.scalar(select(func.count(RememberToken.id))) == 0


def test_signing_out_ends_the_sessions_on_other_devices_too(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User
) -> None:
    auth.login(referrer.email)
    other_device = app.test_client()
    AuthActions(other_device).login(referrer.email)

    auth.logout()

    assert is_sent_to_sign_in(other_device.get(PAGE))


def test_whoever_changes_the_password_stays_signed_in_on_this_device(
    client: FlaskClient, auth: AuthActions, referrer: User, admin_client: FlaskClient
) -> None:
    auth.login(referrer.email)

    change_password(client, admin_client, referrer)

    assert client.get(PAGE).status_code == 200
    assert fresh_user(referrer.id).password_changed_at is not None


def test_a_session_from_before_session_versions_is_refused(client: FlaskClient, referrer: User) -> None:
    # What Flask-Login alone used to write: the account id and nothing to check it against.
    with client.session_transaction() as session:
        session["_user_id"] = str(referrer.id)
        session["_fresh"] = True

    assert is_sent_to_sign_in(client.get(PAGE))


def test_a_session_with_an_older_version_is_refused(client: FlaskClient, auth: AuthActions, referrer: User) -> None:
    auth.login(referrer.email)
    with client.session_transaction() as session:
        session[VERSION_KEY] = referrer.session_version - 1

    assert is_sent_to_sign_in(client.get(PAGE))


# -- idle timeout and absolute lifetime ------------------------------------------------------------------------


def move_back(client: FlaskClient, key: str, seconds: int) -> None:
    with client.session_transaction() as session:
        session[key] = session[key] - seconds


def test_an_idle_session_expires_with_a_message(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User
) -> None:
    auth.login(referrer.email)
    move_back(client, SEEN_KEY, (app.config["SAMEN_IDLE_MINUTES"] + 1) * 60)

    response = client.get(PAGE)
    page = client.get(response.headers["Location"])

    assert is_sent_to_sign_in(response)
    assert "U was een tijd niet actief; log opnieuw in." in page.text
    assert "Log in om deze pagina te zien." not in page.text


def test_a_session_used_within_the_idle_time_lives_on(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User
) -> None:
    auth.login(referrer.email)
    move_back(client, SEEN_KEY, (app.config["SAMEN_IDLE_MINUTES"] - 1) * 60)

    assert client.get(PAGE).status_code == 200


def test_each_page_moves_the_last_seen_time_on(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User
) -> None:
    auth.login(referrer.email)
    move_back(client, SEEN_KEY, 20 * 60)

    client.get(PAGE)
    move_back(client, SEEN_KEY, 20 * 60)
    response = client.get(PAGE)

    assert response.status_code == 200


def test_a_static_file_does_not_count_as_being_active(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User
) -> None:
    auth.login(referrer.email)
    move_back(client, SEEN_KEY, 20 * 60)
    with client.session_transaction() as session:
        before = session[SEEN_KEY]

    client.get("/static/css/samen.css")

    with client.session_transaction() as session:
        assert session[SEEN_KEY] == before


def test_a_session_ends_after_its_lifetime_even_when_active(
    app: Flask, client: FlaskClient, auth: AuthActions, referrer: User
) -> None:
    auth.login(referrer.email)
    move_back(client, SIGNED_IN_KEY, app.config["SAMEN_SESSION_HOURS"] * 3600 + 60)

    response = client.get(PAGE)
    page = client.get(response.headers["Location"])

    assert is_sent_to_sign_in(response)
    assert "log voor de zekerheid opnieuw in" in page.text


@pytest.mark.parametrize("app_config", [{"SAMEN_IDLE_MINUTES": 5}])
def test_the_idle_time_is_a_setting(client: FlaskClient, auth: AuthActions, referrer: User) -> None:
    auth.login(referrer.email)
    move_back(client, SEEN_KEY, 6 * 60)

    assert is_sent_to_sign_in(client.get(PAGE))


# -- remember-me -----------------------------------------------------------------------------------------------


def sign_in_remembered(client: FlaskClient, user: User) -> Any:
    return client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "remember": "y"})


def remember_set_cookie(response: Any) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{REMEMBER_COOKIE}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return str(headers[0])


def only_remember_cookie(app: Flask, source: FlaskClient) -> FlaskClient:
    """A browser that kept the remember-me cookie but lost the session (closed and opened again)."""
    browser = app.test_client()
    copy_cookie(source, browser, REMEMBER_COOKIE)
    return browser


def test_the_remember_me_cookie_is_http_only_same_site_and_ours(client: FlaskClient, referrer: User) -> None:
    response = sign_in_remembered(client, referrer)

    header = remember_set_cookie(response)
    all_cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=" in header
    assert "Secure" not in header
    assert f"{FLASK_LOGIN_REMEMBER_COOKIE}=" not in all_cookies


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_the_remember_me_cookie_is_secure_where_the_session_cookie_is(client: FlaskClient, referrer: User) -> None:
    response = sign_in_remembered(client, referrer)

    assert "Secure" in remember_set_cookie(response)


def test_without_remember_me_there_is_no_cookie_and_no_token(client: FlaskClient, referrer: User) -> None:
    response = client.post("/inloggen", data={"email": referrer.email, "password": PASSWORD})

    assert REMEMBER_COOKIE not in " ".join(response.headers.getlist("Set-Cookie"))
    assert db.session.scalar(select(func.count(RememberToken.id))) == 0


def test_only_the_hash_of_the_validator_is_stored(client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)

    cookie = client.get_cookie(REMEMBER_COOKIE)
    assert cookie is not None
    selector, validator = cookie.value.split(":")
    token = db.session.scalar(select(RememberToken))
    assert token.selector == selector
    assert token.validator_hash == token_hash(validator)
    assert validator not in token.validator_hash
    assert token.session_version == referrer.session_version


def test_each_sign_in_gets_a_different_remember_me_cookie(app: Flask, client: FlaskClient, referrer: User) -> None:
    other = app.test_client()

    first = sign_in_remembered(client, referrer)
    second = sign_in_remembered(other, referrer)

    assert remember_set_cookie(first).split(";")[0] != remember_set_cookie(second).split(";")[0]


def test_the_remember_me_token_lasts_the_configured_days(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)

    token = db.session.scalar(select(RememberToken))
    lifetime = token.expires_at - token.created_at
    assert lifetime == timedelta(days=app.config["SAMEN_REMEMBER_DAYS"])


def test_remember_me_signs_in_again_without_the_session_and_rotates(
    app: Flask, client: FlaskClient, referrer: User
) -> None:
    sign_in_remembered(client, referrer)
    old = client.get_cookie(REMEMBER_COOKIE).value
    browser = only_remember_cookie(app, client)

    response = browser.get(PAGE)

    new = browser.get_cookie(REMEMBER_COOKIE).value
    tokens = db.session.scalars(select(RememberToken)).all()
    assert response.status_code == 200
    assert new != old
    assert new.split(":")[0] == old.split(":")[0]
    assert [t.validator_hash for t in tokens] == [token_hash(new.split(":")[1])]


def test_remember_me_keeps_the_expiry_of_the_first_sign_in(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)
    expires_at = db.session.scalar(select(RememberToken.expires_at))
    browser = only_remember_cookie(app, client)

    browser.get(PAGE)

    db.session.expire_all()
    assert db.session.scalar(select(RememberToken.expires_at)) == expires_at


def test_a_remember_me_sign_in_is_recorded(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)
    browser = only_remember_cookie(app, client)

    browser.get(PAGE)

    methods = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == accounts.LOGIN).order_by(AuditEvent.id)
    ).all()
    assert methods == [{"method": "password"}, {"method": "remember_me"}]


def _age_the_replacement(seconds: int) -> None:
    token = db.session.scalar(select(RememberToken))
    assert token is not None
    assert token.replaced_at is not None
    token.replaced_at -= timedelta(seconds=seconds)
    db.session.commit()


def test_a_remember_me_cookie_used_twice_ends_everything(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)
    thief = only_remember_cookie(app, client)
    assert thief.get(PAGE).status_code == 200  # the copy is used first and replaced
    _age_the_replacement(accounts.REMEMBER_GRACE_SECONDS + 1)
    owner = only_remember_cookie(app, client)  # the original, with the old validator

    response = owner.get(PAGE)

    assert is_sent_to_sign_in(response)
    assert is_sent_to_sign_in(thief.get(PAGE))
    assert db.session.scalar(select(func.count(RememberToken.id))) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == accounts.REMEMBER_TOKEN_MISUSED))
    assert event is not None
    assert event.subject_id == referrer.id


def test_tabs_restored_at_once_with_one_cookie_all_sign_in(app: Flask, client: FlaskClient, referrer: User) -> None:
    """A browser opened again asks for its tabs at the same moment, each with the same (old) cookie."""
    sign_in_remembered(client, referrer)
    tabs = [only_remember_cookie(app, client) for _ in range(3)]
    first = tabs[0].get(PAGE)
    replacing = remember_set_cookie(first)

    later = [tab.get(PAGE) for tab in tabs[1:]]

    assert [r.status_code for r in (first, *later)] == [200, 200, 200]
    for response in later:  # they leave the browser the cookie the first request got
        assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{REMEMBER_COOKIE}=")]
    token = db.session.scalar(select(RememberToken))
    assert token is not None
    assert token_hash(replacing.split(";")[0].split("=", 1)[1].split(":")[1]) == token.validator_hash
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == accounts.REMEMBER_TOKEN_MISUSED))
        == 0
    )


def test_the_replaced_cookie_stops_working_after_the_grace(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)
    first, late = only_remember_cookie(app, client), only_remember_cookie(app, client)
    assert first.get(PAGE).status_code == 200
    _age_the_replacement(accounts.REMEMBER_GRACE_SECONDS + 1)

    assert is_sent_to_sign_in(late.get(PAGE))
    assert is_sent_to_sign_in(first.get(PAGE))  # treated as theft: everything of the account ends


def test_a_refused_remember_me_cookie_is_deleted(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)
    browser = only_remember_cookie(app, client)
    db.session.execute(RememberToken.__table__.delete())
    db.session.commit()

    response = browser.get(PAGE)

    assert is_sent_to_sign_in(response)
    assert browser.get_cookie(REMEMBER_COOKIE) is None


def test_an_expired_remember_me_token_is_refused_and_removed(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)
    token = db.session.scalar(select(RememberToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    browser = only_remember_cookie(app, client)

    response = browser.get(PAGE)

    assert is_sent_to_sign_in(response)
    assert db.session.scalar(select(func.count(RememberToken.id))) == 0


def test_a_remember_me_token_of_an_older_session_version_is_refused(
    app: Flask, client: FlaskClient, referrer: User
) -> None:
    sign_in_remembered(client, referrer)
    referrer.session_version += 1  # raised without removing the token, as a crash half-way could leave it
    db.session.commit()
    browser = only_remember_cookie(app, client)

    assert is_sent_to_sign_in(browser.get(PAGE))


@pytest.mark.parametrize("value", ["", "nonsense", ":", "abc:", ":def", "x" * 40 + ":y", "a:b:c"])
def test_a_malformed_remember_me_cookie_is_refused(
    client: FlaskClient, referrer: User, value: str, make: Factories
) -> None:
    client.set_cookie(REMEMBER_COOKIE, value)

    assert is_sent_to_sign_in(client.get(PAGE))


def test_flask_logins_own_remember_cookie_no_longer_signs_anyone_in(
    app: Flask, client: FlaskClient, referrer: User
) -> None:
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        old_cookie = encode_cookie(str(referrer.id))
    client.set_cookie(FLASK_LOGIN_REMEMBER_COOKIE, old_cookie)

    response = client.get(PAGE)

    assert is_sent_to_sign_in(response)
    assert client.get_cookie(FLASK_LOGIN_REMEMBER_COOKIE) is None


def test_the_session_cookie_holds_no_secret(app: Flask, client: FlaskClient, referrer: User) -> None:
    sign_in_remembered(client, referrer)

    cookie = client.get_cookie(session_cookie_name(app))
    stored = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    validator = client.get_cookie(REMEMBER_COOKIE).value.split(":")[1]
    assert set(stored) <= {"_user_id", "_fresh", "_id", VERSION_KEY, SIGNED_IN_KEY, SEEN_KEY, "_flashes", "csrf_token"}
    assert validator not in str(stored)
    assert PASSWORD not in str(stored)
