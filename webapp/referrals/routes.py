"""Referrals by partner staff (flatcoaches and others): refer a resident with consent, follow a minimal status,
withdraw a referral, correct the contact details until the intake talk. Colleagues at one organisation share
their referrals; anyone else's referral is 'not found'."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from webapp.auditlog.trail import record_view
from webapp.enums import AuditSubject, ReferralStatus
from webapp.extensions import db
from webapp.models import Referral, Role, User
from webapp.referrals.forms import CorrectContactDetailsForm, ReferralForm, WithdrawReferralForm
from webapp.security import roles_required
from webapp.services import referrals as referral_service
from webapp.services.errors import Conflict, FieldError, NotFound
from webapp.services.residents import (
    ResidentDataError,
    active_programmes,
    age_bounds_text,
    create_referral,
    has_age_bounds,
)

bp = Blueprint("referrals", __name__, url_prefix="/verwijzingen")


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _page() -> int:
    return max(1, request.args.get("pagina", 1, type=int) or 1)


def _status_filter() -> ReferralStatus | None:
    value = request.args.get("status", "")
    return ReferralStatus(value) if value in set(ReferralStatus) else None


def _referral_or_404(referral_id: int) -> Referral:
    try:
        return referral_service.one_of_organisation(db.session, _me(), referral_id)
    except NotFound:
        abort(404)


@bp.route("/")
@roles_required(Role.REFERRER)
def list_referrals() -> str:
    """The organisation's referrals (colleagues' too), newest first, with a search and a status filter."""
    text = (request.args.get("zoek") or "").strip()[:100]
    status = _status_filter()
    page = db.paginate(
        referral_service.of_organisation(_me(), text, status),
        page=_page(),
        per_page=current_app.config["SAMEN_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "referrals/list.html",
        page=page,
        withheld=referral_service.status_withheld(db.session, list(page.items)),
        text=text,
        chosen_status=status,
        status_choices=list(ReferralStatus),
        filtered=bool(text or status),
        me=_me(),
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required(Role.REFERRER)
def new_referral() -> str | Response | tuple[str, int]:
    """Refer a resident who agreed to it."""
    programmes = active_programmes(db.session)
    form = ReferralForm(programmes=programmes)
    if form.validate_on_submit():
        try:
            referral = create_referral(
                db.session,
                _me(),
                form.resident_details(),
                form.consent_record(current_app.config["SAMEN_PRIVACY_VERSION"]),
                form.reason.data or "",
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


def _render_detail(
    referral: Referral, withdraw_form: WithdrawReferralForm | None = None, refusal: str | None = None, status: int = 200
) -> tuple[str, int]:
    sharing = referral_service.shares_status(db.session, referral)
    return render_template(
        "referrals/detail.html",
        referral=referral,
        resident=referral.resident,
        status=referral.status,
        steps=list(ReferralStatus),
        sharing=sharing,
        withheld_message=referral_service.status_withheld_message(),
        referral_consent=referral_service.referral_consent(db.session, referral),
        may_withdraw=referral_service.may_withdraw(referral, sharing),
        may_correct=referral_service.may_correct(referral, sharing),
        withdraw_form=withdraw_form or WithdrawReferralForm(formdata=None),
        refusal=refusal,
        me=_me(),
    ), status


@bp.route("/<int:referral_id>")
@roles_required(Role.REFERRER)
def referral_detail(referral_id: int) -> tuple[str, int]:
    """What was sent, and how far it got; nothing of the coordinators' work. With the steps still the referrer's."""
    referral = _referral_or_404(referral_id)
    record_view(AuditSubject.RESIDENT, referral.resident_id, via="referral", referral=referral.id)
    return _render_detail(referral)


@bp.route("/<int:referral_id>/intrekken", methods=["POST"])
@roles_required(Role.REFERRER)
def withdraw_referral(referral_id: int) -> Response | tuple[str, int]:
    """Withdraw a referral while the resident waits: the resident is closed with the reason."""
    referral = _referral_or_404(referral_id)
    form = WithdrawReferralForm()
    if not form.validate_on_submit():
        return _render_detail(referral, withdraw_form=form, status=422)
    try:
        referral_service.withdraw(db.session, _me(), referral, form.reason.data or "")
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, error.message]
        return _render_detail(_referral_or_404(referral_id), withdraw_form=form, status=422)
    except Conflict as error:
        db.session.rollback()
        return _render_detail(_referral_or_404(referral_id), withdraw_form=form, refusal=error.message, status=409)
    flash(_("De verwijzing van %(name)s is ingetrokken.", name=referral.resident.full_name), "success")
    return redirect(url_for("referrals.referral_detail", referral_id=referral_id))


def _stored_differences(referral: Referral, form: CorrectContactDetailsForm) -> list[tuple[str, str]]:
    """The stored contact details that differ from what was typed, to compare after a conflict."""
    stored = referral_service.contact_details_of(referral.resident)
    differences = []
    for name in ("first_name", "last_name", "phone", "email", "postcode", "address"):
        field = form[name]
        typed = field.parsed[0] if name == "postcode" and getattr(field, "parsed", None) else field.data
        value = getattr(stored, name)
        if (typed or "").strip() != (value or ""):
            differences.append((str(field.label.text), value or "—"))
    return differences


@bp.route("/<int:referral_id>/wijzigen", methods=["GET", "POST"])
@roles_required(Role.REFERRER)
def correct_referral(referral_id: int) -> str | Response | tuple[str, int]:
    """Correct the resident's contact details until the intake talk; refused without losing the input when
    someone else saved in between."""
    referral = _referral_or_404(referral_id)
    record_view(AuditSubject.RESIDENT, referral.resident_id, via="referral_edit", referral=referral.id)
    form_data: dict[str, Any] | None = None
    if request.method == "GET":
        resident = referral.resident
        form_data = {**asdict(referral_service.contact_details_of(resident)), "version": str(resident.version)}
    form = CorrectContactDetailsForm(data=form_data)
    refusal = referral_service.why_not_correctable(referral, referral_service.shares_status(db.session, referral))
    conflict: list[tuple[str, str]] | None = None
    if refusal is None and form.validate_on_submit():
        try:
            changed = referral_service.correct_contact_details(
                db.session, _me(), referral, form.contact_details(), form.expected_version()
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        except (Conflict, StaleDataError):
            db.session.rollback()
            referral = _referral_or_404(referral_id)
            # The intake talk may have been held in between; otherwise it was an edit by someone else.
            sharing = referral_service.shares_status(db.session, referral)
            refusal = referral_service.why_not_correctable(referral, sharing)
            if refusal is None:
                conflict = _stored_differences(referral, form)
                form.version.data = str(referral.resident.version)
        else:
            if changed:
                flash(_("De gegevens van %(name)s zijn aangepast.", name=referral.resident.full_name), "success")
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("referrals.referral_detail", referral_id=referral_id))
    refused = refusal is not None or conflict is not None
    status = 409 if refused else (200 if request.method == "GET" else 422)
    return render_template(
        "referrals/edit.html",
        form=form,
        referral=referral,
        resident=referral.resident,
        refusal=refusal,
        conflict=conflict,
    ), status
