"""Administration: staff accounts and partner organisations (admins only; no self-registration of staff), the
matching settings per programme and the lists of reasons for rejecting a proposal and ending a match."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from webapp import catalogue
from webapp.admin.forms import (
    FOR_DAYS,
    FOR_GOOD,
    EditAccountForm,
    EditOrganisationForm,
    EndReasonForm,
    NewAccountForm,
    OrganisationForm,
    ProgrammeSettingsForm,
    RejectionReasonForm,
)
from webapp.extensions import db
from webapp.models import EndReason, Organisation, OrganisationKind, Programme, RejectionReason, Role, User
from webapp.security import roles_required
from webapp.services import accounts as account_service
from webapp.services import settings
from webapp.services.errors import Conflict, DomainError, FieldError, NotFound

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def _organisation_choices(include_id: int | None = None) -> list[tuple[Any, str]]:
    organisations = db.session.scalars(
        select(Organisation)
        .where((Organisation.active.is_(True)) | (Organisation.id == include_id))
        .order_by(func.lower(Organisation.name))
    ).all()
    return [("", _("kies een organisatie"))] + [(o.id, _organisation_choice_label(o)) for o in organisations]


def _organisation_choice_label(organisation: Organisation) -> str:
    if not organisation.active:
        return _("%(name)s (niet actief)", name=organisation.name)
    if organisation.is_controller:
        return _("%(name)s (verwerkingsverantwoordelijke)", name=organisation.name)
    return organisation.name


def _show_password(user: User, password: str, notice: str) -> Response:
    """The temporary password, on the answer to the POST that made it: never stored, never in the session cookie,
    never in a URL, and not kept by the browser's cache."""
    response = make_response(
        render_template("admin/temporary_password.html", user=user, password=password, notice=notice)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_account_form(form: NewAccountForm | EditAccountForm, user: User | None, status: int) -> tuple[str, int]:
    return render_template(
        "admin/account_form.html",
        form=form,
        user=user,
        controller=account_service.controller_name(db.session),
        has_two_factor=account_service.has_two_factor(user) if user is not None else False,
        unconfirmed=account_service.needs_sensitive_confirmation(user) if user is not None else False,
    ), status


def _access_reason_is_fine(form: NewAccountForm | EditAccountForm, user: User | None, *, active: bool) -> bool:
    """The warning about a sensitive role outside the controlling organisation, together with the other mistakes."""
    if form.role.errors or form.organisation_id.errors or form.access_reason.errors:
        return True
    if form.role.data not in {role.value for role in Role} or not isinstance(form.organisation_id.data, int):
        return True
    problem = account_service.access_reason_problem(
        db.session, user, Role(form.role.data), form.organisation_id.data, form.access_reason.data or "", active=active
    )
    if problem is not None:
        form.access_reason.errors.append(problem.message)
    return problem is None


def _put_problem(form: Any, error: FieldError) -> None:
    if error.field in form:
        form[error.field].errors.append(error.message)
    else:
        form.organisation_id.errors.append(error.message)


@bp.route("/accounts")
@roles_required(Role.ADMIN)
def accounts() -> str:
    """All staff accounts with role, organisation, whether active, and last login."""
    page = db.paginate(
        select(User)
        .options(selectinload(User.organisation))
        .order_by(User.active.desc(), func.lower(User.name), User.id),
        page=request.args.get("pagina", 1, type=int),
        per_page=current_app.config["SAMEN_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("admin/accounts.html", page=page)


@bp.route("/accounts/nieuw", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_account() -> Any:
    """A new staff account with a temporary password, shown once on the next page."""
    form = NewAccountForm()
    form.organisation_id.choices = _organisation_choices()
    valid = form.validate_on_submit()
    if request.method == "POST" and not form.email.errors and account_service.email_taken(db.session, form.email.data):
        # Said at once, together with any other mistake in the form.
        form.email.errors.append(account_service.email_taken_message())
        valid = False
    if request.method == "POST" and not _access_reason_is_fine(form, None, active=True):
        valid = False
    if valid:
        new = account_service.NewAccount(
            name=form.name.data or "",
            email=form.email.data or "",
            role=Role(form.role.data),
            organisation_id=int(form.organisation_id.data),
            sensitive_access_reason=form.access_reason.data or "",
        )
        try:
            user, password = account_service.create_account(db.session, current_user, new)
            db.session.commit()
        except account_service.EmailTakenError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        except IntegrityError:
            # Someone added the same address at the same moment: the unique index caught it.
            db.session.rollback()
            form.email.errors.append(account_service.email_taken_message())
        except FieldError as error:
            db.session.rollback()
            _put_problem(form, error)
        except (NotFound, DomainError) as error:
            db.session.rollback()
            form.organisation_id.errors.append(error.message)
        else:
            return _show_password(user, password, _("Het account voor %(name)s is aangemaakt.", name=user.name))
    status = 422 if request.method == "POST" else 200
    return _render_account_form(form, None, status)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_account(user_id: int) -> Any:
    """Change an account's name, role, organisation or active state (never one's own role or active state)."""
    user = db.get_or_404(User, user_id)
    form = EditAccountForm(obj=user) if request.method == "GET" else EditAccountForm()
    if request.method == "GET":
        form.role.data = user.role.value
    form.organisation_id.choices = _organisation_choices(include_id=user.organisation_id)
    valid = form.validate_on_submit()
    if request.method == "POST" and not _access_reason_is_fine(form, user, active=bool(form.active.data)):
        valid = False
    if valid:
        try:
            changed = account_service.update_account(
                db.session,
                current_user,
                user,
                name=form.name.data or "",
                role=Role(form.role.data),
                organisation_id=int(form.organisation_id.data),
                active=bool(form.active.data),
                sensitive_access_reason=form.access_reason.data or "",
            )
            db.session.commit()
        except account_service.SelfLockoutError as error:
            db.session.rollback()
            target = form.active if not form.active.data else form.role
            target.errors.append(error.message)
        except FieldError as error:
            db.session.rollback()
            _put_problem(form, error)
        except (NotFound, DomainError) as error:
            db.session.rollback()
            form.organisation_id.errors.append(error.message)
        else:
            if changed:
                flash(_("Het account van %(name)s is bijgewerkt.", name=user.name), "success")
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("admin.accounts"))
    status = 422 if request.method == "POST" else 200
    return _render_account_form(form, user, status)


@bp.route("/accounts/<int:user_id>/wachtwoord-opnieuw", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> Response:
    """A new temporary password, shown once; the colleague must choose their own at the next login."""
    user = db.get_or_404(User, user_id)
    try:
        password = account_service.reset_password(db.session, current_user, user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.edit_account", user_id=user.id))
    notice = _("Er is een nieuw tijdelijk wachtwoord gemaakt voor %(name)s.", name=user.name)
    return _show_password(user, password, notice)


@bp.route("/accounts/<int:user_id>/tweestaps-opnieuw", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int) -> Response:
    """Turn a colleague's second factor off (a lost phone): they set it up again at the next sign-in."""
    user = db.get_or_404(User, user_id)
    account_service.reset_two_factor(db.session, current_user, user)
    db.session.commit()
    flash(
        _("De tweestapsverificatie van %(name)s is uitgezet; %(name)s is overal uitgelogd.", name=user.name),
        "success",
    )
    return redirect(url_for("admin.edit_account", user_id=user.id))


@bp.route("/organisaties")
@roles_required(Role.ADMIN)
def organisations() -> str:
    """The partner organisations, with how many active accounts each has."""
    counts = dict(
        db.session.execute(
            select(User.organisation_id, func.count(User.id))
            .where(User.active.is_(True))
            .group_by(User.organisation_id)
        ).all()
    )
    rows = db.session.scalars(
        select(Organisation).order_by(Organisation.active.desc(), func.lower(Organisation.name))
    ).all()
    return render_template("admin/organisations.html", organisations=rows, counts=counts)


@bp.route("/organisaties/nieuw", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_organisation() -> Any:
    form = OrganisationForm()
    valid = form.validate_on_submit()
    taken = request.method == "POST" and not form.name.errors and form.name.data
    if taken and account_service.organisation_name_taken(db.session, form.name.data):
        form.name.errors.append(account_service.organisation_name_taken_message())
        valid = False
    if valid:
        try:
            organisation = account_service.create_organisation(
                db.session, current_user, name=form.name.data or "", kind=OrganisationKind(form.kind.data)
            )
            db.session.commit()
        except account_service.OrganisationNameTakenError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(account_service.organisation_name_taken_message())
        else:
            flash(_("De organisatie %(name)s is toegevoegd.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/organisation_form.html", form=form, organisation=None), status


@bp.route("/organisaties/<int:organisation_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_organisation(organisation_id: int) -> Any:
    organisation = db.get_or_404(Organisation, organisation_id)
    if request.method == "GET":
        form = EditOrganisationForm(obj=organisation)
        form.kind.data = organisation.kind.value
    else:
        form = EditOrganisationForm()
    if form.validate_on_submit():
        try:
            changed = account_service.update_organisation(
                db.session,
                current_user,
                organisation,
                name=form.name.data or "",
                kind=OrganisationKind(form.kind.data),
                active=bool(form.active.data),
            )
            db.session.commit()
        except account_service.OrganisationNameTakenError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        except account_service.SelfLockoutError as error:
            db.session.rollback()
            form.active.errors.append(error.message)
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(account_service.organisation_name_taken_message())
        else:
            if changed:
                flash(_("De organisatie %(name)s is bijgewerkt.", name=organisation.name), "success")
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("admin.organisations"))
    status = 422 if request.method == "POST" else 200
    active_users = db.session.scalar(
        select(func.count(User.id)).where(User.organisation_id == organisation.id, User.active.is_(True))
    )
    return render_template(
        "admin/organisation_form.html", form=form, organisation=organisation, active_users=active_users or 0
    ), status


# -- matching settings per programme and the reason lists ---------------------------------------------------------
# Programmes and reasons have no version column: each edit form carries the stored values it showed (``shown``) and
# the service refuses the change when the row no longer holds them (409, the typed input kept, the stored values
# shown next to it; the form then carries the new values, so saving again means "mine anyway").


def _dump_shown(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, sort_keys=True)


def _load_shown(raw: str | None) -> dict[str, Any]:
    """The values a form showed; a missing or damaged field reads as nothing shown, which the service refuses."""
    try:
        shown = json.loads(raw or "")
    except ValueError:
        return {}
    return shown if isinstance(shown, dict) else {}


def _put_on_fields(form: Any, problems: list[FieldError]) -> bool:
    """Show each problem the service found at its field (unless that field already has a message); False if any."""
    for problem in problems:
        if problem.field not in form:
            form.form_errors.append(problem.message)
        elif not form[problem.field].errors:
            form[problem.field].errors.append(problem.message)
    return not problems


@bp.route("/programmas")
@roles_required(Role.ADMIN)
def programmes() -> str:
    """Every programme with its matching settings."""
    return render_template(
        "admin/programmes.html", programmes=settings.programmes(db.session), percent=settings.weight_percent
    )


def _programme_form_data(programme: Programme) -> dict[str, Any]:
    current = settings.settings_of(programme)
    return {
        "weight_distance": current.weight_distance_percent,
        "weight_interests": current.weight_interests_percent,
        "weight_availability": current.weight_availability_percent,
        "weight_waiting": current.weight_waiting_percent,
        "max_distance_km": current.max_distance_km,
        "min_common_slots": current.min_common_slots,
        "requires_vog": current.requires_vog,
        "active": current.active,
        "volunteer_min_age": current.volunteer_min_age,
        "volunteer_max_age": current.volunteer_max_age,
        "resident_min_age": current.resident_min_age,
        "resident_max_age": current.resident_max_age,
    }


def _typed_settings(form: ProgrammeSettingsForm) -> settings.ProgrammeSettings | None:
    """What the admin typed, once every required number could be read (None before that)."""
    distance, interests, availability, waiting = (
        form.weight_distance.data,
        form.weight_interests.data,
        form.weight_availability.data,
        form.weight_waiting.data,
    )
    limit_km, slots = form.max_distance_km.data, form.min_common_slots.data
    if None in (distance, interests, availability, waiting, limit_km, slots):
        return None
    return settings.ProgrammeSettings(
        weight_distance_percent=distance,
        weight_interests_percent=interests,
        weight_availability_percent=availability,
        weight_waiting_percent=waiting,
        max_distance_km=float(limit_km),
        min_common_slots=slots,
        requires_vog=bool(form.requires_vog.data),
        active=bool(form.active.data),
        volunteer_min_age=form.volunteer_min_age.data,
        volunteer_max_age=form.volunteer_max_age.data,
        resident_min_age=form.resident_min_age.data,
        resident_max_age=form.resident_max_age.data,
    )


def _render_programme(
    programme: Programme, form: ProgrammeSettingsForm, status: int = 200, conflict: str | None = None
) -> tuple[str, int]:
    return render_template(
        "admin/programme_form.html",
        programme=programme,
        form=form,
        conflict=conflict,
        percent=settings.weight_percent,
        vog_valid_years=int(current_app.config["SAMEN_VOG_VALID_YEARS"]),
    ), status


@bp.route("/programmas/<code>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_programme(code: str) -> Any:
    """Change a programme's matching settings; they apply from the next run."""
    programme = db.get_or_404(Programme, code)
    if request.method == "GET":
        form = ProgrammeSettingsForm(data=_programme_form_data(programme))
        form.shown.data = _dump_shown(settings.programme_snapshot(programme))
        return _render_programme(programme, form)
    form = ProgrammeSettingsForm()
    valid = form.validate_on_submit()
    typed = _typed_settings(form)
    if typed is not None:
        valid = _put_on_fields(form, settings.programme_settings_problems(typed)) and valid
    if valid and typed is not None:
        try:
            changed = settings.update_programme_settings(
                db.session, current_user, code, typed, _load_shown(form.shown.data)
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            _put_on_fields(form, [error])
        except (Conflict, IntegrityError) as error:
            db.session.rollback()
            return _programme_conflict(code, form, error)
        else:
            name = _programme_name(code)
            if changed:
                flash(
                    _(
                        "De instellingen van %(programme)s zijn opgeslagen. Ze gelden vanaf de volgende koppelronde.",
                        programme=name,
                    ),
                    "success",
                )
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("admin.programmes"))
    return _render_programme(programme, form, 422)


def _programme_name(code: str) -> str:
    return str(catalogue.label(catalogue.PROGRAMMES, code))


def _programme_conflict(code: str, form: ProgrammeSettingsForm, error: Exception) -> tuple[str, int]:
    """Someone else saved first: nothing changed; keep what was typed and show what is stored now."""
    programme = db.get_or_404(Programme, code)
    db.session.refresh(programme)
    form.shown.data = _dump_shown(settings.programme_snapshot(programme))
    return _render_programme(programme, form, 409, conflict=_conflict_message(error))


@bp.route("/redenen")
@roles_required(Role.ADMIN)
def reasons() -> str:
    """The two reason lists: for rejecting a proposal and for ending a match."""
    return render_template(
        "admin/reasons.html",
        rejection_reasons=settings.rejection_reasons(db.session),
        end_reasons=settings.end_reasons(db.session),
        is_fixed=settings.is_fixed,
    )


def _rejection_input(form: RejectionReasonForm) -> settings.RejectionReasonInput | None:
    if form.sort_order.data is None:
        return None
    return settings.RejectionReasonInput(
        label=form.label.data or "",
        label_en=form.label_en.data or "",
        exclusion_days=form.days_apart,
        needs_note=bool(form.needs_note.data),
        active=bool(form.active.data),
        sort_order=form.sort_order.data,
    )


def _end_input(form: EndReasonForm) -> settings.EndReasonInput | None:
    if form.sort_order.data is None:
        return None
    return settings.EndReasonInput(
        label=form.label.data or "",
        label_en=form.label_en.data or "",
        needs_note=bool(form.needs_note.data),
        rescreen_volunteer=bool(form.rescreen_volunteer.data),
        closes_resident=bool(form.closes_resident.data),
        active=bool(form.active.data),
        sort_order=form.sort_order.data,
    )


def _render_rejection_reason(
    form: RejectionReasonForm, reason: RejectionReason | None, status: int = 200, conflict: str | None = None
) -> tuple[str, int]:
    return render_template("admin/rejection_reason_form.html", form=form, reason=reason, conflict=conflict), status


@bp.route("/redenen/afwijzen/nieuw", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_rejection_reason() -> Any:
    """A new reason to reject a proposal; its code comes from the Dutch label."""
    if request.method == "GET":
        form = RejectionReasonForm(data={"sort_order": settings.next_sort_order(db.session, RejectionReason)})
        return _render_rejection_reason(form, None)
    form = RejectionReasonForm()
    valid = form.validate_on_submit()
    data = _rejection_input(form)
    if data is not None:
        valid = _put_on_fields(form, settings.rejection_reason_problems(db.session, data, new=True)) and valid
    if valid and data is not None:
        try:
            reason = settings.create_rejection_reason(db.session, current_user, data)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            _put_on_fields(form, [error])
        except IntegrityError:
            # Someone added a reason with the same code at the same moment: the primary key caught it.
            db.session.rollback()
            _put_on_fields(
                form, [FieldError("label", settings.code_taken_message(settings.reason_code_for(data.label)))]
            )
        else:
            flash(_("De reden '%(label)s' is toegevoegd.", label=reason.label), "success")
            return redirect(url_for("admin.reasons"))
    return _render_rejection_reason(form, None, 422)


@bp.route("/redenen/afwijzen/<code>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_rejection_reason(code: str) -> Any:
    """Change a reason to reject, or make it inactive (never deleted: old rejections refer to it)."""
    reason = db.get_or_404(RejectionReason, code)
    if request.method == "GET":
        form = RejectionReasonForm(data=_rejection_form_data(reason))
        form.shown.data = _dump_shown(settings.rejection_reason_snapshot(reason))
        return _render_rejection_reason(form, reason)
    form = RejectionReasonForm()
    valid = form.validate_on_submit()
    data = _rejection_input(form)
    if data is not None:
        valid = _put_on_fields(form, settings.rejection_reason_problems(db.session, data, new=False)) and valid
    if valid and data is not None:
        try:
            changed = settings.update_rejection_reason(
                db.session, current_user, code, data, _load_shown(form.shown.data)
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            _put_on_fields(form, [error])
        except (Conflict, IntegrityError) as error:
            db.session.rollback()
            reason = db.get_or_404(RejectionReason, code)
            db.session.refresh(reason)
            form.shown.data = _dump_shown(settings.rejection_reason_snapshot(reason))
            return _render_rejection_reason(form, reason, 409, conflict=_conflict_message(error))
        else:
            _flash_saved(reason.label, changed)
            return redirect(url_for("admin.reasons"))
    return _render_rejection_reason(form, reason, 422)


def _rejection_form_data(reason: RejectionReason) -> dict[str, Any]:
    return {
        "label": reason.label,
        "label_en": reason.label_en,
        "keeps_apart": FOR_GOOD if reason.exclusion_days is None else FOR_DAYS,
        "exclusion_days": reason.exclusion_days,
        "needs_note": reason.needs_note,
        "sort_order": reason.sort_order,
        "active": reason.active,
    }


def _render_end_reason(
    form: EndReasonForm, reason: EndReason | None, status: int = 200, conflict: str | None = None
) -> tuple[str, int]:
    fixed = reason is not None and settings.is_fixed(reason)
    return render_template(
        "admin/end_reason_form.html", form=form, reason=reason, fixed=fixed, conflict=conflict
    ), status


@bp.route("/redenen/beeindigen/nieuw", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_end_reason() -> Any:
    """A new reason to end a match; its code comes from the Dutch label."""
    if request.method == "GET":
        form = EndReasonForm(data={"sort_order": settings.next_sort_order(db.session, EndReason)})
        return _render_end_reason(form, None)
    form = EndReasonForm()
    valid = form.validate_on_submit()
    data = _end_input(form)
    if data is not None:
        valid = _put_on_fields(form, settings.end_reason_problems(db.session, data, new=True)) and valid
    if valid and data is not None:
        try:
            reason = settings.create_end_reason(db.session, current_user, data)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            _put_on_fields(form, [error])
        except IntegrityError:
            db.session.rollback()
            _put_on_fields(
                form, [FieldError("label", settings.code_taken_message(settings.reason_code_for(data.label)))]
            )
        else:
            flash(_("De reden '%(label)s' is toegevoegd.", label=reason.label), "success")
            return redirect(url_for("admin.reasons"))
    return _render_end_reason(form, None, 422)


@bp.route("/redenen/beeindigen/<code>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_end_reason(code: str) -> Any:
    """Change a reason to end a match, or make it inactive; the introduction's own two reasons are fixed."""
    reason = db.get_or_404(EndReason, code)
    if request.method == "GET":
        form = EndReasonForm(data=_end_form_data(reason))
        form.shown.data = _dump_shown(settings.end_reason_snapshot(reason))
        return _render_end_reason(form, reason)
    form = EndReasonForm()
    if settings.is_fixed(reason):
        # Refused before reading the form: nothing about these two may change.
        return _render_end_reason(form, reason, 409, conflict=settings.fixed_reason_message())
    valid = form.validate_on_submit()
    data = _end_input(form)
    if data is not None:
        valid = _put_on_fields(form, settings.end_reason_problems(db.session, data, new=False)) and valid
    if valid and data is not None:
        try:
            changed = settings.update_end_reason(db.session, current_user, code, data, _load_shown(form.shown.data))
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            _put_on_fields(form, [error])
        except (Conflict, IntegrityError) as error:
            db.session.rollback()
            reason = db.get_or_404(EndReason, code)
            db.session.refresh(reason)
            form.shown.data = _dump_shown(settings.end_reason_snapshot(reason))
            return _render_end_reason(form, reason, 409, conflict=_conflict_message(error))
        else:
            _flash_saved(reason.label, changed)
            return redirect(url_for("admin.reasons"))
    return _render_end_reason(form, reason, 422)


def _end_form_data(reason: EndReason) -> dict[str, Any]:
    return {
        "label": reason.label,
        "label_en": reason.label_en,
        "needs_note": reason.needs_note,
        "rescreen_volunteer": reason.rescreen_volunteer,
        "closes_resident": reason.closes_resident,
        "sort_order": reason.sort_order,
        "active": reason.active,
    }


def _conflict_message(error: Exception) -> str:
    """A Conflict says what happened; a constraint the database caught means the same: the row changed meanwhile."""
    return error.message if isinstance(error, DomainError) else settings.changed_meanwhile_message()


def _flash_saved(label: str, changed: list[str]) -> None:
    if changed:
        flash(_("De reden '%(label)s' is opgeslagen.", label=label), "success")
    else:
        flash(_("Er was niets gewijzigd."), "info")


# The API keys' pages join this blueprint from a module of their own, imported last because it imports ``bp``.
from webapp.admin import api_keys  # noqa: E402, F401
