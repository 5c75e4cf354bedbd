"""Administration forms: staff accounts and organisations."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from webapp.labels import choices_for
from webapp.models import OrganisationKind, Role

ROLE_CHOICES = choices_for([Role.COORDINATOR, Role.REFERRER, Role.ADMIN])
KIND_CHOICES = choices_for(list(OrganisationKind))


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _name_field() -> StringField:
    return StringField(
        _l("Naam"),
        validators=[DataRequired(_l("Vul de naam in.")), Length(max=120, message=_l("Maximaal 120 tekens."))],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )


def _role_field() -> SelectField:
    return SelectField(
        _l("Rol"),
        choices=[SelectChoice("", _l("kies een rol")), *ROLE_CHOICES],
        validators=[DataRequired(_l("Kies een rol."))],
    )


def optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _organisation_field() -> SelectField:
    # The view fills in the choices from the database.
    return SelectField(_l("Organisatie"), coerce=optional_int, validators=[DataRequired(_l("Kies een organisatie."))])


class NewAccountForm(FlaskForm):
    name = _name_field()
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul het e-mailadres in.")),
            Email(_l("Vul een e-mailadres in zoals naam@voorbeeld.nl."), check_deliverability=False),
            Length(max=254, message=_l("Maximaal 254 tekens.")),
        ],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    role = _role_field()
    organisation_id = _organisation_field()


class EditAccountForm(FlaskForm):
    name = _name_field()
    role = _role_field()
    organisation_id = _organisation_field()
    active = BooleanField(_l("Actief"))


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Naam"),
        validators=[
            DataRequired(_l("Vul de naam van de organisatie in.")),
            Length(max=120, message=_l("Maximaal 120 tekens.")),
        ],
        filters=[strip],
    )
    kind = SelectField(_l("Soort organisatie"), choices=KIND_CHOICES, validators=[DataRequired(_l("Kies de soort."))])


class EditOrganisationForm(OrganisationForm):
    active = BooleanField(_l("Actief"))
