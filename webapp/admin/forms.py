"""Administration forms: staff accounts, organisations, matching settings per programme and the reason lists."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from webapp.forms_common import SamenForm
from webapp.labels import choices_for
from webapp.models import OrganisationKind, Role

ROLE_CHOICES = choices_for([Role.COORDINATOR, Role.REFERRER, Role.ADMIN, Role.VIEWER])
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


def _access_reason_field() -> TextAreaField:
    # Not named after the column: the edit form must never carry a stored reason over to a new role or organisation.
    return TextAreaField(
        _l("Reden voor toegang tot de gegevens van bewoners"),
        validators=[Optional(), Length(max=500, message=_l("Maximaal 500 tekens."))],
        filters=[strip],
        render_kw={"rows": 3, "maxlength": 500},
    )


class NewAccountForm(SamenForm):
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
    access_reason = _access_reason_field()


class EditAccountForm(SamenForm):
    name = _name_field()
    role = _role_field()
    organisation_id = _organisation_field()
    active = BooleanField(_l("Actief"))
    access_reason = _access_reason_field()


class OrganisationForm(SamenForm):
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


# -- matching settings and reason lists ----------------------------------------------------------------------
# These forms only read what was typed (whole numbers, a distance with a comma or a point); whether the values are
# allowed (ranges, weights adding up to 100, minimum age not above maximum age) is judged by webapp.services.settings,
# whose messages the view puts on the fields.


class WholeNumberField(IntegerField):
    """A whole number, with a Dutch message when something else was typed; empty gives None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "") or ""
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in ("", None):
            self.data = None
            return
        try:
            self.data = int(raw)
        except (TypeError, ValueError):
            self.data = None
            raise ValueError(_l("Vul een heel getal in, zonder komma of punt.")) from None


class KilometresField(DecimalField):
    """A distance in km; accepts a decimal comma (2,5) as well as a point."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "") or ""
        raw = raw.strip().replace(",", ".") if isinstance(raw, str) else raw
        if raw in ("", None):
            self.data = None
            return
        try:
            value = Decimal(raw)
        except (InvalidOperation, TypeError, ValueError):
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError(_l("Vul een afstand in km in, zoals 2,5."))
        self.data = value

    def _value(self) -> str:
        # What was typed stays in the field (a number input wants a point); the stored value otherwise.
        if self.raw_data:
            return str(self.raw_data[0]).strip().replace(",", ".")
        return "" if self.data is None else f"{self.data:g}"


def _percent_field(label: Any) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[InputRequired(_l("Vul een percentage in (0 tot en met 100)."))],
        render_kw={"class": "percent", "inputmode": "numeric", "min": 0, "max": 100},
    )


def _age_field(label: Any) -> WholeNumberField:
    return WholeNumberField(
        label, validators=[Optional()], render_kw={"class": "age", "inputmode": "numeric", "min": 0, "max": 120}
    )


class ProgrammeSettingsForm(SamenForm):
    weight_distance = _percent_field(_l("Afstand"))
    weight_interests = _percent_field(_l("Gedeelde interesses"))
    weight_availability = _percent_field(_l("Gedeelde tijden"))
    weight_waiting = _percent_field(_l("Wachttijd van de bewoner"))
    # Not an input: where a message about the four weights together goes (the template gives the fieldset its id).
    weights = HiddenField(_l("Gewichten"))
    max_distance_km = KilometresField(
        _l("Afstandsgrens in km"),
        places=None,
        validators=[InputRequired(_l("Vul de afstandsgrens in (0,5 tot en met 50 km)."))],
        render_kw={"class": "short", "inputmode": "decimal", "step": "0.1", "min": "0.5", "max": "50"},
    )
    min_common_slots = WholeNumberField(
        _l("Minimaal aantal gedeelde dagdelen"),
        validators=[InputRequired(_l("Vul een aantal in (0 tot en met 21)."))],
        render_kw={"class": "short", "inputmode": "numeric", "min": 0, "max": 21},
    )
    requires_vog = BooleanField(_l("VOG nodig"))
    active = BooleanField(_l("Actief"))
    volunteer_min_age = _age_field(_l("Vrijwilliger: minimumleeftijd"))
    volunteer_max_age = _age_field(_l("Vrijwilliger: maximumleeftijd"))
    resident_min_age = _age_field(_l("Bewoner: minimumleeftijd"))
    resident_max_age = _age_field(_l("Bewoner: maximumleeftijd"))
    # The stored values the form showed (JSON), to notice a change someone else saved meanwhile.
    shown = HiddenField()


FOR_GOOD = "voorgoed"
FOR_DAYS = "dagen"


def _reason_label_fields() -> tuple[StringField, StringField]:
    return (
        StringField(_l("Omschrijving"), filters=[strip], render_kw={"maxlength": 120}),
        StringField(_l("Omschrijving in het Engels"), filters=[strip], render_kw={"maxlength": 120, "lang": "en"}),
    )


def _sort_order_field() -> WholeNumberField:
    return WholeNumberField(
        _l("Volgorde in de lijst"),
        validators=[InputRequired(_l("Vul de plaats in de lijst in (0 tot en met 999)."))],
        render_kw={"class": "short", "inputmode": "numeric", "min": 0, "max": 999},
    )


class RejectionReasonForm(SamenForm):
    label, label_en = _reason_label_fields()
    keeps_apart = RadioField(
        _l("Houdt het paar uit elkaar"),
        choices=[SelectChoice(FOR_GOOD, _l("voorgoed")), SelectChoice(FOR_DAYS, _l("een aantal dagen"))],
        default=FOR_GOOD,
        validators=[InputRequired(_l("Kies voorgoed of een aantal dagen."))],
        invalid_choice_message=_l("Kies voorgoed of een aantal dagen."),
    )
    exclusion_days = WholeNumberField(
        _l("Aantal dagen"),
        validators=[Optional()],
        render_kw={"class": "short", "inputmode": "numeric", "min": 1, "max": 3650},
    )
    needs_note = BooleanField(_l("Toelichting verplicht"))
    sort_order = _sort_order_field()
    active = BooleanField(_l("Actief: coördinatoren kunnen deze reden kiezen"), default=True)
    shown = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks first; then "a number of days" needs the number (an empty optional field skips its chain)."""
        valid: bool = super().validate(extra_validators)
        days = self.exclusion_days
        if self.keeps_apart.data == FOR_DAYS and days.data is None and not days.errors:
            days.errors.append(_l("Vul het aantal dagen in (1 tot en met 3650), of kies voorgoed."))
            valid = False
        return valid

    @property
    def days_apart(self) -> int | None:
        """None: for good."""
        return self.exclusion_days.data if self.keeps_apart.data == FOR_DAYS else None


class EndReasonForm(SamenForm):
    label, label_en = _reason_label_fields()
    needs_note = BooleanField(_l("Toelichting verplicht"))
    rescreen_volunteer = BooleanField(_l("Vrijwilliger opnieuw screenen"))
    closes_resident = BooleanField(_l("Bewoner kan niet terug op de wachtlijst"))
    sort_order = _sort_order_field()
    active = BooleanField(_l("Actief: coördinatoren kunnen deze reden kiezen"), default=True)
    shown = HiddenField()
