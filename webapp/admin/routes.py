"""Administration: staff accounts and partner organisations (admins only; no self-registration of staff)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from webapp.admin.forms import (
    EditAccountForm,
    EditOrganisationForm,
    NewAccountForm,
    OrganisationForm,
)
from webapp.extensions import db
from webapp.models import Organisation, OrganisationKind, Role, User
from webapp.security import roles_required
from webapp.services import accounts as account_service
from webapp.services.errors import DomainError, NotFound

bp = Blueprint("admin", __name__, url_prefix="/beheer")

# The temporary password travels from the POST to the page that shows it once, in the signed session.
TEMPORARY_PASSWORD_KEY = "samen_temporary_password"


def _organisation_choices(include_id: int | None = None) -> list[tuple[Any, str]]:
    organisations = db.session.scalars(
        select(Organisation)
        .where((Organisation.active.is_(True)) | (Organisation.id == include_id))
        .order_by(func.lower(Organisation.name))
    ).all()
    return [("", _("kies een organisatie"))] + [
        (o.id, o.name if o.active else _("%(name)s (niet actief)", name=o.name)) for o in organisations
    ]


def _remember_password(user: User, password: str) -> None:
    session[TEMPORARY_PASSWORD_KEY] = {"user_id": user.id, "password": password}


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
    if valid:
        new = account_service.NewAccount(
            name=form.name.data or "",
            email=form.email.data or "",
            role=Role(form.role.data),
            organisation_id=int(form.organisation_id.data),
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
        except (NotFound, DomainError) as error:
            db.session.rollback()
            form.organisation_id.errors.append(error.message)
        else:
            _remember_password(user, password)
            flash(_("Het account voor %(name)s is aangemaakt.", name=user.name), "success")
            return redirect(url_for("admin.temporary_password", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/account_form.html", form=form, user=None), status


@bp.route("/accounts/<int:user_id>/tijdelijk-wachtwoord")
@roles_required(Role.ADMIN)
def temporary_password(user_id: int) -> Response:
    """Shows a freshly made temporary password once; reloading the page does not show it again."""
    user = db.get_or_404(User, user_id)
    stored = session.pop(TEMPORARY_PASSWORD_KEY, None)
    password = stored["password"] if isinstance(stored, dict) and stored.get("user_id") == user.id else None
    response = make_response(render_template("admin/temporary_password.html", user=user, password=password))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_account(user_id: int) -> Any:
    """Change an account's name, role, organisation or active state (never one's own role or active state)."""
    user = db.get_or_404(User, user_id)
    form = EditAccountForm(obj=user) if request.method == "GET" else EditAccountForm()
    if request.method == "GET":
        form.role.data = user.role.value
    form.organisation_id.choices = _organisation_choices(include_id=user.organisation_id)
    if form.validate_on_submit():
        try:
            changed = account_service.update_account(
                db.session,
                current_user,
                user,
                name=form.name.data or "",
                role=Role(form.role.data),
                organisation_id=int(form.organisation_id.data),
                active=bool(form.active.data),
            )
            db.session.commit()
        except account_service.SelfLockoutError as error:
            db.session.rollback()
            target = form.active if not form.active.data else form.role
            target.errors.append(error.message)
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
    return render_template("admin/account_form.html", form=form, user=user), status


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
    _remember_password(user, password)
    flash(_("Er is een nieuw tijdelijk wachtwoord gemaakt voor %(name)s.", name=user.name), "success")
    return redirect(url_for("admin.temporary_password", user_id=user.id))


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
