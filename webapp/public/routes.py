"""Public pages: home, volunteer sign-up at /aanmelden, privacy statement, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import text
from werkzeug.wrappers import Response

from webapp.extensions import db, limiter
from webapp.i18n import LANGUAGE_COOKIE
from webapp.models import Gender
from webapp.public.forms import VolunteerSignupForm
from webapp.security import safe_next
from webapp.services.volunteers import VolunteerSignup, register_volunteer

bp = Blueprint("public", __name__)


@bp.route("/")
def home() -> str:
    return render_template("public/home.html")


@bp.route("/privacy")
def privacy() -> str:
    return render_template("public/privacy.html")


@bp.route("/taal", methods=["POST"])
def set_language() -> Response:
    language = request.form.get("language", "")
    response = redirect(safe_next(request.form.get("next")) or url_for("public.home"))
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means unhealthy
        db.session.rollback()
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


def _signup_from(form: VolunteerSignupForm) -> VolunteerSignup:
    postcode, area = form.postcode.parsed
    return VolunteerSignup(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        birth_date=form.birth_date.data,
        postcode=postcode,
        pc4=area.pc4,
        gender=Gender(form.gender.data) if form.gender.data else None,
        programmes=tuple(form.programmes.data or ()),
        interests=tuple(form.interests.data or ()),
        availability=tuple(form.availability.data or ()),
        languages=tuple(form.languages.data or ()),
        max_distance_km=float(form.max_distance_km.data or 3),
        capacity=int(form.capacity.data or 1),
        motivation=form.motivation.data or "",
        lonely_themselves=bool(form.lonely_themselves.data),
        consent_version=current_app.config["SAMEN_PRIVACY_VERSION"],
    )


@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SAMEN_SIGNUP_LIMIT"], methods=["POST"])
def volunteer_signup() -> str | Response | tuple[str, int]:
    form = VolunteerSignupForm()
    if form.validate_on_submit():
        if not form.website.data:
            register_volunteer(db.session, _signup_from(form))
            db.session.commit()
        return redirect(url_for("public.signup_thanks"))
    status = 422 if request.method == "POST" else 200
    return render_template("public/signup.html", form=form), status


@bp.route("/aanmelden/bedankt")
def signup_thanks() -> str:
    return render_template("public/thanks.html", title=_("Bedankt voor je aanmelding"))
