"""Public pages: home, volunteer sign-up at /aanmelden, privacy statement, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, text
from werkzeug.wrappers import Response

from webapp import privacy as data_catalogue
from webapp.extensions import accepted_signup_key, db, limiter, signup_with_errors_key
from webapp.i18n import LANGUAGE_COOKIE
from webapp.models import Gender, Organisation
from webapp.public.forms import VolunteerSignupForm
from webapp.security import safe_next
from webapp.services.volunteers import VolunteerSignup, register_volunteer

bp = Blueprint("public", __name__)


@bp.route("/")
def home() -> str:
    return render_template("public/home.html")


@bp.route("/privacy")
def privacy() -> str:
    """The privacy statement, generated from the data catalogue (webapp/privacy.py)."""
    controller = db.session.scalar(
        select(Organisation.name).where(Organisation.is_controller.is_(True)).order_by(Organisation.id).limit(1)
    )
    return render_template(
        "public/privacy.html",
        catalogue=data_catalogue.CATALOGUE,
        rights=data_catalogue.RIGHTS,
        controller=controller or data_catalogue.DEFAULT_CONTROLLER,
        complaint_url=data_catalogue.COMPLAINT_URL,
    )


def _remember_language(response: Response, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )


@bp.route("/taal", methods=["POST"])
def set_language() -> Response:
    language = request.form.get("language", "")
    response = redirect(safe_next(request.form.get("next")) or url_for("public.home"))
    if language in current_app.config["LANGUAGES"]:
        _remember_language(response, language)
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


# The sign-up page's language switch posts the form with this field (see templates/public/signup.html).
LANGUAGE_SWITCH_FIELD = "taal"


def _language_switched_to() -> str | None:
    """The language the sign-up form was posted to switch to, or None for a real sign-up."""
    language = request.form.get(LANGUAGE_SWITCH_FIELD) if request.method == "POST" else None
    return language if language in current_app.config["LANGUAGES"] else None


def _accepted(response: Response) -> bool:
    return response.status_code in (302, 303)


def _refused(response: Response) -> bool:
    return response.status_code == 422


# Two limits per address: accepted sign-ups (SAMEN_SIGNUP_LIMIT), and, much more generous, submissions with
# errors (SAMEN_SIGNUP_ERROR_LIMIT), so that typing mistakes at a group sign-up on the library's Wi-Fi do not use up
# the sign-ups. Switching the language stores nothing and counts for neither.
@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SAMEN_SIGNUP_LIMIT"],
    key_func=accepted_signup_key,
    methods=["POST"],
    deduct_when=_accepted,
    exempt_when=lambda: _language_switched_to() is not None,
)
@limiter.limit(
    lambda: current_app.config["SAMEN_SIGNUP_ERROR_LIMIT"],
    key_func=signup_with_errors_key,
    methods=["POST"],
    deduct_when=_refused,
    exempt_when=lambda: _language_switched_to() is not None,
)
def volunteer_signup() -> str | Response | tuple[str, int]:
    form = VolunteerSignupForm()
    language = _language_switched_to()
    if language is not None:
        # The same form with what was typed, in the other language: not validated (no messages), nothing stored.
        # CSRFProtect has checked the token before this view runs, as for every POST.
        with force_locale(language):
            response = make_response(render_template("public/signup.html", form=form))
        _remember_language(response, language)
        return response
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
