"""The signed-in browser: what the session cookie holds, the remember-me cookie, and the checks on every request.

The session cookie is signed, not encrypted: it holds ids, numbers and times, never a secret. Next to Flask-Login's
own keys it carries the account's ``session_version`` at sign-in (a raised version in the database ends the session),
the sign-in time (the absolute lifetime, SAMEN_SESSION_HOURS) and the last-seen time (the idle timeout,
SAMEN_IDLE_MINUTES). Between the password and the second factor it holds only which account is half-way signed in.

"Stay signed in" is our own cookie ``samen_onthouden`` (``selector:validator``; the database keeps the validator's
hash, see ``webapp.services.accounts.use_remember_token``); Flask-Login's remember cookie is never set, and an old one
is deleted.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, g, redirect, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_login.utils import login_url
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.models import User, utcnow
from webapp.services import accounts

USER_ID_KEY = "_user_id"  # Flask-Login's
FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")
VERSION_KEY = "samen_session_version"
SIGNED_IN_KEY = "samen_signed_in_at"
SEEN_KEY = "samen_seen_at"
PENDING_KEY = "samen_second_factor"
OUR_KEYS = (VERSION_KEY, SIGNED_IN_KEY, SEEN_KEY, PENDING_KEY)
REMEMBER_COOKIE = "samen_onthouden"
FLASK_LOGIN_REMEMBER_COOKIE = "remember_token"
# The last-seen time is written at most once a minute: the cookie need not change on every request.
SEEN_RESOLUTION_SECONDS = 60
# How long the second-factor page waits for the code after the password.
PENDING_SECONDS = 5 * 60

IDLE_MESSAGE = _l("U was een tijd niet actief; log opnieuw in.")
LIFETIME_MESSAGE = _l("U was lang ingelogd; log voor de zekerheid opnieuw in.")
SIGN_IN_MESSAGE = _l("Log in om deze pagina te zien.")

# On g for one request: samen_remember_cookie, (value, max_age) to set or ("", 0) to delete; samen_session_expired,
# why this request's session ended; samen_expiry_flashed, whether that was said.


def now_seconds() -> float:
    """The clock sessions are measured by (seconds since the epoch); tests move stored times back instead."""
    return time.time()


def session_keys_for(user: User, at: float | None = None) -> dict[str, Any]:
    """The session of ``user`` signed in at ``at``: Flask-Login's keys and ours."""
    moment = int(now_seconds() if at is None else at)
    return {
        USER_ID_KEY: str(user.id),
        "_fresh": True,
        VERSION_KEY: user.session_version,
        SIGNED_IN_KEY: moment,
        SEEN_KEY: moment,
    }


def _forget_session() -> None:
    for key in (*FLASK_LOGIN_KEYS, *OUR_KEYS):
        session.pop(key, None)


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign ``user`` in on this browser (the caller commits); with ``remember``, also a new remember-me token."""
    _forget_session()
    # A new CSRF token too: nothing a visitor was given before signing in carries over.
    session.pop("csrf_token", None)
    login_user(user, remember=False)
    keys = session_keys_for(user)
    keys.pop(USER_ID_KEY)
    session.update(keys)
    if remember:
        cookie = accounts.issue_remember_token(db.session, user, current_app.config["SAMEN_REMEMBER_DAYS"])
        _set_remember_cookie(cookie)


def end_session() -> None:
    """This browser is signed out and forgets its remember-me cookie."""
    logout_user()
    _forget_session()
    g.samen_remember_cookie = ("", 0)


def _set_remember_cookie(cookie: accounts.RememberCookie) -> None:
    max_age = max(0, int((cookie.expires_at - utcnow()).total_seconds()))
    g.samen_remember_cookie = (cookie.value, max_age)


def _refuse(expired: Any = None) -> None:
    """This session no longer counts: the browser is signed out (as an anonymous visitor)."""
    _forget_session()
    if expired is not None:
        g.samen_session_expired = expired


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the account of this session, if the session still counts."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not accounts.may_sign_in(user) or session.get(VERSION_KEY) != user.session_version:
        return _refuse()
    signed_in_at, seen_at = session.get(SIGNED_IN_KEY), session.get(SEEN_KEY)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return _refuse()
    now = now_seconds()
    if now - seen_at > current_app.config["SAMEN_IDLE_MINUTES"] * 60:
        return _refuse(IDLE_MESSAGE)
    if now - signed_in_at > current_app.config["SAMEN_SESSION_HOURS"] * 3600:
        return _refuse(LIFETIME_MESSAGE)
    if request.endpoint != "static" and now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_KEY] = int(now)
    return user


def load_user_from_remember_cookie(_request: Any) -> User | None:
    """Flask-Login's request loader: without a valid session, a valid remember-me cookie signs the account in again
    (and is replaced); a refused one is deleted."""
    raw = request.cookies.get(REMEMBER_COOKIE)
    user = None
    if raw and request.endpoint != "static":
        used = accounts.use_remember_token(db.session, raw)
        if used is None:
            g.samen_remember_cookie = ("", 0)
        else:
            user, cookie = used
            accounts.record_sign_in(db.session, user, accounts.BY_REMEMBER_ME)
            start_session(user)
            if cookie is not None:  # None: a parallel request of the same browser, which keeps its new cookie
                _set_remember_cookie(cookie)
        db.session.commit()
    if user is None and g.get("samen_session_expired") is not None:
        flash(str(g.pop("samen_session_expired")), "info")
        g.samen_expiry_flashed = True
    return user


def send_to_sign_in() -> Response:
    """Flask-Login's unauthorized handler: to the sign-in page, with one message (not two when the session just
    expired)."""
    if not g.get("samen_expiry_flashed"):
        flash(str(SIGN_IN_MESSAGE), "info")
    return redirect(login_url("auth.login", next_url=request.url))


def write_remember_cookie(response: Response) -> Response:
    """After each request: set or delete the remember-me cookie as decided, and delete Flask-Login's old one."""
    decided = g.pop("samen_remember_cookie", None)
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    if decided is not None:
        value, max_age = decided
        if value:
            response.set_cookie(
                REMEMBER_COOKIE, value, max_age=max_age, secure=secure, httponly=True, samesite="Lax", path="/"
            )
        elif REMEMBER_COOKIE in request.cookies:
            response.delete_cookie(REMEMBER_COOKIE, secure=secure, httponly=True, samesite="Lax", path="/")
    if FLASK_LOGIN_REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(FLASK_LOGIN_REMEMBER_COOKIE, secure=secure, httponly=True, samesite="Lax", path="/")
    return response


# -- half-way: the password was right, the second factor is still to come -------------------------------------------


def await_second_factor(user: User, *, remember: bool, next_url: str | None) -> None:
    _forget_session()
    session[PENDING_KEY] = {
        "user_id": user.id,
        "version": user.session_version,
        "at": int(now_seconds()),
        "remember": bool(remember),
        "next": next_url or "",
    }


def pending_user_id() -> int | None:
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user_id") if isinstance(pending, dict) else None
    return user_id if isinstance(user_id, int) else None


def pending_second_factor() -> tuple[User, bool, str] | None:
    """The account half-way signed in on this browser (with whether to remember it, and where to go next)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    user_id = pending_user_id()
    user = db.session.get(User, user_id) if user_id is not None else None
    fresh = now_seconds() - pending["at"] <= PENDING_SECONDS
    if user is None or not fresh or pending.get("version") != user.session_version or not accounts.may_sign_in(user):
        session.pop(PENDING_KEY, None)
        return None
    return user, bool(pending.get("remember")), str(pending.get("next") or "")


def sign_in_expired_message() -> str:
    return _("Het inloggen duurde te lang of is afgebroken. Log opnieuw in met uw e-mailadres en wachtwoord.")
