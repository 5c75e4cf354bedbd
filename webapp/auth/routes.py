"""Staff sign-in at /inloggen, sign-out, and changing one's password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from webapp.auth.forms import ChangePasswordForm, LoginForm
from webapp.extensions import db, limiter
from webapp.models import Role, User, utcnow
from webapp.security import check_password, hash_password, safe_next, spend_password_time

bp = Blueprint("auth", __name__)


@bp.before_app_request
def require_own_password() -> Response | None:
    """Staff who still have a temporary password choose their own before doing anything else."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in ("auth.change_password", "auth.logout", "static", "public.set_language")
    ):
        return redirect(url_for("auth.change_password"))
    return None


def home_for(user: User) -> str:
    if user.role is Role.REFERRER:
        return url_for("referrals.list_referrals")
    return url_for("coordination.dashboard")


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SAMEN_LOGIN_LIMIT"], methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            spend_password_time(form.password.data or "")
        if user is None or not check_password(user, form.password.data or "") or not user.active:
            form.password.errors.append(_("Deze combinatie van e-mailadres en wachtwoord kennen we niet."))
        else:
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                flash(_("Kies eerst een eigen wachtwoord."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/uitloggen", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not check_password(current_user, form.current.data or ""):
            form.current.errors.append(_("Dit is niet uw huidige wachtwoord."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Kies een ander wachtwoord dan het huidige."))
        else:
            current_user.password_hash = hash_password(form.new.data or "")
            current_user.must_change_password = False
            db.session.commit()
            flash(_("Uw wachtwoord is gewijzigd."), "success")
            return redirect(home_for(current_user))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status
