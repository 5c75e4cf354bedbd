"""Form fields and validators shared by the public, referral and coordinator forms."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice, SelectFieldBase
from wtforms.form import BaseForm
from wtforms.meta import DefaultMeta
from wtforms.validators import Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp import catalogue
from webapp.clock import local_today
from webapp.edge import within_database_integer
from webapp.postcodes import PostcodeError, PostcodeProblem, parse_postcode
from webapp.rules import age_on

POSTCODE_MESSAGES = {
    PostcodeProblem.FORMAT: _l("Vul een postcode in zoals 2282 AB."),
    PostcodeProblem.UNKNOWN: _l(
        "Deze postcode kennen we niet. Samen werkt in Rijswijk en de buurgemeenten; controleer de cijfers."
    ),
    PostcodeProblem.PO_BOX: _l("Dit is een postcode voor postbussen. Vul de postcode van het woonadres in."),
}


# -- what every form checks before anything reaches the database ------------------------------------------------

# C0 control characters and DEL. PostgreSQL refuses a NUL in text (the request would end in a 500); the others are
# invisible and mean nothing in a name, a phone number or a note, and break exports.
SINGLE_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f]")
# A text area keeps its line breaks and tabs (browsers send a line break as CR LF).
MULTI_LINE_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER_MESSAGE = _l("Dit veld bevat een onzichtbaar teken dat we niet kunnen opslaan. Typ de tekst opnieuw.")


class NoControlCharacters:
    """Refuses invisible control characters (stops the field's other checks: this message is the one to act on)."""

    def __init__(self, multiline: bool) -> None:
        self.pattern = MULTI_LINE_CONTROLS if multiline else SINGLE_LINE_CONTROLS

    def __call__(self, form: Any, field: Field) -> None:
        typed = [value for value in field.raw_data or () if isinstance(value, str)]
        if isinstance(field.data, str):
            typed.append(field.data)
        if any(self.pattern.search(value) for value in typed):
            field.errors[:] = []
            raise StopValidation(str(CONTROL_CHARACTER_MESSAGE))


class WithinDatabaseInteger:
    """A whole number the database's integer column can hold (an id, a count): a larger one would stop PostgreSQL."""

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, int) and not within_database_integer(field.data):
            raise StopValidation(str(_l("Dit getal is te groot. Vul een kleiner getal in.")))


class EdgeCheckedMeta(DefaultMeta):
    """Adds the edge checks to every field as the form binds it: no form can forget them, none repeats them."""

    def bind_field(self, form: BaseForm, unbound_field: Any, options: dict[str, Any]) -> Field:
        field_class = unbound_field.field_class
        checks: list[Any] = []
        if issubclass(field_class, StringField):  # also e-mail, phone, search, hidden, password and text areas
            checks.append(NoControlCharacters(multiline=issubclass(field_class, TextAreaField)))
        elif issubclass(field_class, IntegerField):
            checks.append(WithinDatabaseInteger())
        field: Field = super().bind_field(form, unbound_field, options)
        if checks:
            field.validators = [*checks, *field.validators]
        if isinstance(field, SelectFieldBase):
            field.validators = [KeepRefusedChoice(v) if isinstance(v, Optional) else v for v in field.validators]
        return field


class KeepRefusedChoice:
    """Optional() for a choice, except that an answer not on offer stays refused: WTForms' Optional() clears the
    refusal for a blank answer (' ' is "empty" to it), and the view would then read ' ' as one of the choices."""

    def __init__(self, optional: Optional) -> None:
        self.optional = optional
        self.field_flags = optional.field_flags

    def __call__(self, form: Any, field: Field) -> None:
        if field.errors and any(value != "" for value in field.raw_data or ()):
            raise StopValidation()
        self.optional(form, field)


class SamenForm(FlaskForm):
    """Every form of the app inherits this one (tests/webapp/test_edge.py checks it): text fields refuse control
    characters, whole numbers stay within the database's range, a choice not on offer stays refused."""

    class Meta(EdgeCheckedMeta):
        pass


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes; the chosen codes come back as a list in the vocabulary's order."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def choice_values(self) -> list[str]:
        """The codes on offer, in order; a view may still set the choices as (value, label) pairs."""
        return [SelectChoice.from_input(choice).value for choice in self.choices or []]

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        order = {value: i for i, value in enumerate(self.choice_values())}
        self.data = sorted(set(self.data or []), key=lambda value: order.get(value, len(order)))

    def pre_validate(self, form: Any) -> None:
        allowed = set(self.choice_values())
        unknown = [value for value in self.data or [] if value not in allowed]
        if unknown:
            raise ValidationError(_l("Kies alleen uit de getoonde mogelijkheden."))


def choices(vocabulary: dict[str, Any]) -> list[SelectChoice]:
    """A vocabulary (code -> label, the label usually a lazy translation) as a field's choices."""
    return [SelectChoice(code, label) for code, label in vocabulary.items()]


def slot_choices() -> list[SelectChoice]:
    return [SelectChoice(f"{day}-{part}") for day in catalogue.DAYS for part in catalogue.DAY_PARTS]


class ValidPostcode:
    """Checks a Dutch postcode against the PC4 table; stores the parsed result on the field."""

    def __call__(self, form: Any, field: Field) -> None:
        try:
            field.parsed = parse_postcode(field.data or "")
        except PostcodeError as error:
            raise ValidationError(POSTCODE_MESSAGES[error.problem]) from None


class AgeBetween:
    def __init__(self, minimum: int, maximum: int, too_young: object, too_old: object | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.too_young = too_young
        self.too_old = too_old or _l("Controleer de geboortedatum.")

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is None:
            return
        today = local_today()
        if field.data > today:
            raise ValidationError(_l("Een geboortedatum ligt niet in de toekomst."))
        age = age_on(field.data, today)
        if age < self.minimum:
            raise ValidationError(str(self.too_young))
        if age > self.maximum:
            raise ValidationError(str(self.too_old))


class PhoneNumber:
    """A Dutch or international phone number: digits with optional +, spaces, dashes and brackets, at most ``max``
    characters as typed (the length of the phone columns; 15 digits leave room for the usual spaces)."""

    max = 30

    def __call__(self, form: Any, field: Field) -> None:
        value = (field.data or "").strip()
        if not value:
            return
        digits = [c for c in value if c.isdigit()]
        if any(c not in "0123456789+-() " for c in value) or not 10 <= len(digits) <= 15:
            raise ValidationError(_l("Vul een telefoonnummer in, bijvoorbeeld 06 12345678 of 070 1234567."))
        if len(field.data or "") > self.max:
            raise ValidationError(_l("Een telefoonnummer heeft hooguit 30 tekens. Laat overbodige spaties weg."))
