"""Staff sign-in at /inloggen (and the second factor at /inloggen/code), sign-out, choosing one's own password and
setting up two-factor sign-in at /tweestaps."""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.api import is_api_request
from webapp.auth import sessions
from webapp.auth.forms import ChangePasswordForm, ConfirmTwoFactorForm, LoginForm, SecondFactorForm
from webapp.extensions import client_address_key, db, limiter, typed_account_key
from webapp.models import Role, User
from webapp.security import (
    SensitiveAccessRefused,
    grouped,
    must_use_two_factor,
    safe_next,
    totp_uri,
)
from webapp.services import accounts
from webapp.services.errors import Conflict, FieldError

bp = Blueprint("auth", __name__)

TOTP_ISSUER = "Samen Rijswijk"
# What someone who still has to choose a password or set up the second factor may do meanwhile.
ALWAYS_ALLOWED = ("static", "auth.logout", "public.set_language")
TWO_FACTOR_SETUP = ("auth.two_factor", "auth.start_two_factor")

bp.after_app_request(sessions.write_remember_cookie)


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def two_factor_required(user: User) -> bool:
    return must_use_two_factor(user.role, bool(current_app.config["SAMEN_REQUIRE_TWO_FACTOR"]))


@bp.before_app_request
def require_account_steps() -> Response | None:
    """Staff with a temporary password choose their own first; where two factors are required, they set up the
    second factor next: both before anything else."""
    endpoint = request.endpoint
    # The API never looks at a session (its callers carry a token): a cookie sent along changes nothing there.
    if endpoint == "static" or is_api_request() or not current_user.is_authenticated:
        return None
    if current_user.must_change_password and endpoint not in (*ALWAYS_ALLOWED, "auth.change_password"):
        return redirect(url_for("auth.change_password"))
    user = _me()
    needs_setup = two_factor_required(user) and not accounts.has_two_factor(user) and not user.must_change_password
    if needs_setup and endpoint not in (*ALWAYS_ALLOWED, *TWO_FACTOR_SETUP):
        return redirect(url_for("auth.two_factor"))
    return None


@bp.app_errorhandler(SensitiveAccessRefused)
def sensitive_access_refused(error: SensitiveAccessRefused) -> tuple[str, int]:
    """A coordinator or admin of a partner organisation whose access no admin has confirmed: say why."""
    controller = accounts.controller_name(db.session)
    return render_template("auth/sensitive_access_refused.html", controller=controller, user=_me()), 403


def home_for(user: User) -> str:
    if user.role is Role.REFERRER:
        return url_for("referrals.list_referrals")
    if user.role is Role.VIEWER:
        return url_for("coalition.dashboard")
    return url_for("coordination.dashboard")


def _after_sign_in(user: User, next_url: str | None) -> Response:
    if user.must_change_password:
        flash(_("Kies eerst een eigen wachtwoord."), "info")
        return redirect(url_for("auth.change_password"))
    if two_factor_required(user) and not accounts.has_two_factor(user):
        flash(_("Stel eerst tweestapsverificatie in: dat is verplicht voor uw rol."), "info")
        return redirect(url_for("auth.two_factor"))
    return redirect(safe_next(next_url) or home_for(user))


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SAMEN_LOGIN_LIMIT"], key_func=client_address_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["SAMEN_LOGIN_ACCOUNT_LIMIT"], key_func=typed_account_key, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_for(_me()))
    form = LoginForm()
    if form.validate_on_submit():
        next_url = safe_next(request.args.get("next"))
        try:
            user = accounts.authenticate(db.session, form.email.data or "", form.password.data or "")
        except accounts.SignInRefused as refusal:
            db.session.commit()  # the record of the failed attempt
            form.password.errors.append(refusal.message)
        else:
            if accounts.has_two_factor(user):
                db.session.commit()  # a password hash upgraded to today's parameters
                sessions.await_second_factor(user, remember=bool(form.remember.data), next_url=next_url)
                return redirect(url_for("auth.second_factor"))
            accounts.record_sign_in(db.session, user, accounts.BY_PASSWORD)
            sessions.start_session(user, remember=bool(form.remember.data))
            db.session.commit()
            return _after_sign_in(user, next_url)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _second_factor_key() -> str:
    """Rate limit per account half-way signed in (not per address: a shared office connection is no attacker)."""
    user_id = sessions.pending_user_id()
    return f"second-factor:{user_id}" if user_id is not None else f"second-factor-ip:{get_remote_address()}"


@bp.route("/inloggen/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SAMEN_LOGIN_ACCOUNT_LIMIT"], key_func=_second_factor_key, methods=["POST"])
def second_factor() -> str | Response | tuple[str, int]:
    """After the password: the code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(home_for(_me()))
    pending = sessions.pending_second_factor()
    if pending is None:
        flash(sessions.sign_in_expired_message(), "info")
        return redirect(url_for("auth.login"))
    user, remember, next_url = pending
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            method = accounts.verify_second_factor(db.session, user, form.code.data or "", sessions.now_seconds())
        except FieldError as error:
            db.session.commit()  # the record of the failed attempt
            form.code.errors.append(error.message)
        except Conflict as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("auth.login"))
        else:
            accounts.record_sign_in(db.session, user, method)
            sessions.start_session(user, remember=remember)
            db.session.commit()
            if method == accounts.BY_RECOVERY_CODE:
                left = accounts.unused_recovery_codes(db.session, user)
                flash(_("U logde in met een herstelcode. U heeft er nog %(count)d.", count=left), "warning")
            return _after_sign_in(user, next_url)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/second_factor.html", form=form), status


@bp.route("/uitloggen", methods=["POST"])
def logout() -> Response:
    """Signs out everywhere: every session and remember-me cookie of the account ends."""
    if current_user.is_authenticated:
        accounts.sign_out(db.session, _me())
        db.session.commit()
    sessions.end_session()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        try:
            accounts.change_password(db.session, user, form.current.data or "", form.new.data or "")
        except FieldError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            # Every other session ended with the old password; this browser stays signed in.
            sessions.start_session(user)
            db.session.commit()
            flash(_("Uw wachtwoord is gewijzigd. U bent op andere apparaten uitgelogd."), "success")
            return _after_sign_in(user, None)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/change_password.html", form=form, has_two_factor=accounts.has_two_factor(_me())
    ), status


# -- setting up two-factor sign-in ---------------------------------------------------------------------------------


def qr_svg(uri: str) -> str:
    """The QR code as an inline SVG element made here (no outside service, no data: URL, no style attribute, so
    that it works under a strict Content-Security-Policy)."""
    svg: str = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", lineclass=None, title=_("QR-code voor de app")
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _render_setup(form: ConfirmTwoFactorForm, status: int = 200, **extra: Any) -> tuple[str, int]:
    user = _me()
    context: dict[str, Any] = {"form": form, "user": user, "required": two_factor_required(user), **extra}
    if accounts.has_two_factor(user):
        context["recovery_left"] = accounts.unused_recovery_codes(db.session, user)
    elif user.totp_secret:
        context["qr"] = qr_svg(totp_uri(user.totp_secret, user.email, TOTP_ISSUER))
        context["secret_groups"] = grouped(user.totp_secret)
    return render_template("auth/two_factor.html", **context), status


@bp.route("/tweestaps", methods=["GET", "POST"])
@login_required
def two_factor() -> Any:
    """Two-factor sign-in: the state of it, or setting it up with a code from the app."""
    form = ConfirmTwoFactorForm()
    if request.method == "GET":
        return _render_setup(form)
    user = _me()
    if not form.validate_on_submit():
        return _render_setup(form, 422)
    try:
        codes = accounts.confirm_two_factor(db.session, user, form.code.data or "", sessions.now_seconds())
    except FieldError as error:
        db.session.rollback()
        form.code.errors.append(error.message)
        return _render_setup(form, 422)
    except Conflict as error:
        db.session.rollback()
        return _render_setup(form, 409, problem=error.message)
    sessions.start_session(user)
    db.session.commit()
    # Shown on the answer to this POST only, never stored or put in the session.
    response = make_response(render_template("auth/recovery_codes.html", codes=codes, home=_after_sign_in_url(user)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _after_sign_in_url(user: User) -> str:
    return url_for("auth.change_password") if user.must_change_password else home_for(user)


@bp.route("/tweestaps/begin", methods=["POST"])
@login_required
def start_two_factor() -> Any:
    """A new secret for the app (again, when the first QR code was never scanned)."""
    try:
        accounts.start_two_factor(db.session, _me())
        db.session.commit()
    except Conflict as error:
        db.session.rollback()
        return _render_setup(ConfirmTwoFactorForm(formdata=None), 409, problem=error.message)
    return redirect(url_for("auth.two_factor"))
