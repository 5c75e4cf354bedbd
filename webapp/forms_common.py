"""Form fields and validators shared by the public, referral and coordinator forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp import catalogue
from webapp.clock import local_today
from webapp.postcodes import PostcodeError, PostcodeProblem, parse_postcode
from webapp.rules import age_on

POSTCODE_MESSAGES = {
    PostcodeProblem.FORMAT: _l("Vul een postcode in zoals 2282 AB."),
    PostcodeProblem.UNKNOWN: _l(
        "Deze postcode kennen we niet. Samen werkt in Rijswijk en de buurgemeenten; controleer de cijfers."
    ),
    PostcodeProblem.PO_BOX: _l("Dit is een postcode voor postbussen. Vul de postcode van het woonadres in."),
}


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
    """A Dutch or international phone number: digits with optional +, spaces, dashes and brackets."""

    def __call__(self, form: Any, field: Field) -> None:
        value = (field.data or "").strip()
        if not value:
            return
        digits = [c for c in value if c.isdigit()]
        if any(c not in "0123456789+-() " for c in value) or not 10 <= len(digits) <= 15:
            raise ValidationError(_l("Vul een telefoonnummer in, bijvoorbeeld 06 12345678 of 070 1234567."))
