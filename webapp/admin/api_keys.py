"""API keys at /beheer/api-sleutels: the tokens partner systems use for the JSON API (``webapp.api``). An admin
issues one for an organisation and a purpose and sees its secret once, on the answer to that POST; revoking asks
for confirmation first and takes effect at once."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.admin.forms import strip
from webapp.admin.routes import bp
from webapp.api import API_PREFIX
from webapp.extensions import db
from webapp.forms_common import SamenForm
from webapp.labels import choices_for
from webapp.models import ApiToken, Organisation, Role, User
from webapp.security import roles_required
from webapp.services import api_tokens
from webapp.services.errors import Conflict, FieldError


class IssueApiTokenForm(SamenForm):
    organisation = SelectField(
        _l("Organisatie"), coerce=int, validators=[InputRequired(_l("Kies de organisatie."))], choices=[]
    )
    role = RadioField(
        _l("Waarvoor is de sleutel?"),
        choices=choices_for(list(api_tokens.API_ROLES)),
        validators=[InputRequired(_l("Kies waarvoor de sleutel is."))],
    )
    name = StringField(
        _l("Naam van de sleutel"),
        validators=[
            DataRequired(_l("Geef de sleutel een naam, bijvoorbeeld het systeem dat hem gebruikt.")),
            Length(max=api_tokens.NAME_LENGTH, message=_l("Maximaal 120 tekens.")),
        ],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )


class RevokeApiTokenForm(SamenForm):
    """Only the CSRF token: the confirmation is the button."""


def _active_organisations() -> list[tuple[Any, str]]:
    rows = db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(func.lower(Organisation.name))
    )
    return [(organisation.id, organisation.name) for organisation in rows]


def _user(user: Any) -> User:
    account: User = user._get_current_object()
    return account


@bp.route("/api-sleutels")
@roles_required(Role.ADMIN)
def api_tokens_list() -> str:
    """Every key: which organisation, for what, when issued and last used, and whether it still works."""
    tokens = db.session.scalars(api_tokens.listed()).all()
    return render_template("admin/api_tokens.html", tokens=tokens, in_use=api_tokens.in_use, api_prefix=API_PREFIX)


@bp.route("/api-sleutels/nieuw", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_api_token() -> Any:
    form = IssueApiTokenForm()
    form.organisation.choices = _active_organisations()
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data)
        try:
            if organisation is None:
                raise FieldError("organisation", _("Kies de organisatie."))
            issued = api_tokens.issue(
                db.session, _user(current_user), organisation, Role(form.role.data), form.name.data or ""
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            # The secret exists only in this answer: not stored, not in the session, not in a URL, not cached.
            response = make_response(
                render_template("admin/api_token_issued.html", token=issued.token, secret=issued.secret)
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    status = 422 if form.is_submitted() else 200
    return render_template("admin/api_token_form.html", form=form), status


def _token_or_404(token_id: int) -> ApiToken:
    token: ApiToken = db.get_or_404(ApiToken, token_id)
    return token


@bp.route("/api-sleutels/<int:token_id>/intrekken", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def revoke_api_token(token_id: int) -> Response | tuple[str, int]:
    """Asks first (GET), then revokes (POST): the partner system's requests are refused from that moment."""
    token = _token_or_404(token_id)
    form = RevokeApiTokenForm()
    refusal = None
    if form.validate_on_submit():
        try:
            api_tokens.revoke(db.session, _user(current_user), token)
            db.session.commit()
        except Conflict as error:
            db.session.rollback()
            refusal = error.message
        else:
            flash(_("De sleutel %(name)s is ingetrokken en werkt niet meer.", name=token.name), "success")
            return redirect(url_for("admin.api_tokens_list"))
    status = 409 if refusal else (422 if form.is_submitted() else 200)
    return render_template("admin/api_token_revoke.html", token=token, form=form, refusal=refusal), status
