"""Referrals by partner staff (flatcoaches and others): refer a resident with consent, follow a minimal status."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.enums import ReferralStatus
from webapp.extensions import db
from webapp.models import Role, User
from webapp.referrals.forms import ReferralForm
from webapp.security import roles_required
from webapp.services.errors import NotFound
from webapp.services.residents import (
    ResidentDataError,
    active_programmes,
    age_bounds_text,
    create_referral,
    has_age_bounds,
    referral_of,
    referral_status,
    referral_statuses,
    referrals_of,
)

bp = Blueprint("referrals", __name__, url_prefix="/verwijzingen")


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _page() -> int:
    return max(1, request.args.get("pagina", 1, type=int) or 1)


@bp.route("/")
@roles_required(Role.REFERRER)
def list_referrals() -> str:
    """The referrer's own referrals, newest first, each with its minimal status."""
    page = db.paginate(
        referrals_of(_me()), page=_page(), per_page=current_app.config["SAMEN_PAGE_SIZE"], error_out=False
    )
    statuses = referral_statuses(db.session, [referral.resident for referral in page.items])
    return render_template("referrals/list.html", page=page, statuses=statuses)


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required(Role.REFERRER)
def new_referral() -> str | Response | tuple[str, int]:
    """Refer a resident who agreed to it."""
    programmes = active_programmes(db.session)
    form = ReferralForm(programmes=programmes)
    if form.validate_on_submit():
        try:
            referral = create_referral(
                db.session, _me(), form.resident_details(), form.consent_record(), form.reason.data or ""
            )
        except ResidentDataError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            db.session.commit()
            flash(
                _("Dank u wel. Welzijn Rijswijk heeft de verwijzing ontvangen en neemt contact op met de bewoner."),
                "success",
            )
            return redirect(url_for("referrals.referral_detail", referral_id=referral.id))
    age_bound = [(programme, age_bounds_text(programme)) for programme in programmes if has_age_bounds(programme)]
    status = 422 if request.method == "POST" else 200
    return render_template("referrals/new.html", form=form, age_bound=age_bound), status


@bp.route("/<int:referral_id>")
@roles_required(Role.REFERRER)
def referral_detail(referral_id: int) -> str:
    """What the referrer sent, and how far it got; nothing of the coordinators' work."""
    try:
        referral = referral_of(db.session, _me(), referral_id)
    except NotFound:
        abort(404)
    status = referral_status(referral.resident)
    return render_template(
        "referrals/detail.html",
        referral=referral,
        resident=referral.resident,
        status=status,
        steps=list(ReferralStatus),
    )
