"""The loneliness questionnaire as forms: the 11 statements of the De Jong Gierveld scale in the GGD's order, each
answered ja, min of meer, nee or "wil/weet niet" (stored as missing, as is a statement left open); staff add the date
and the moment, the person filling it in through a link only answers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from webapp.enums import DjgAnswer, MeasurementMoment
from webapp.forms_common import SamenForm
from webapp.labels import choices_for
from webapp.loneliness import ITEM_COUNT, STATEMENTS

#: The value of the answer "wil/weet niet": stored as None (missing), like a statement left open.
NOT_SAYING = "weet_niet"
ANSWER_VALUES = (DjgAnswer.JA, DjgAnswer.MIN_OF_MEER, DjgAnswer.NEE)


def item_name(number: int) -> str:
    return f"item_{number}"


def _answer_field(number: int, not_saying: Any) -> RadioField:
    return RadioField(
        f"{number}. {STATEMENTS[number - 1]}",
        choices=[*choices_for(ANSWER_VALUES), SelectChoice(NOT_SAYING, not_saying)],
        validators=[Optional()],
        invalid_choice_message=_l("Kies ja, min of meer, nee of wil/weet niet."),
    )


class _Answers(SamenForm):
    """The 11 statements (fields ``item_1`` .. ``item_11``, added below)."""

    def answers(self) -> list[str | None]:
        """The answers in item order, None for "wil/weet niet" and for a statement left open."""
        values: list[str | None] = []
        for number in range(1, ITEM_COUNT + 1):
            value = self[item_name(number)].data
            values.append(value if value in {answer.value for answer in ANSWER_VALUES} else None)
        return values

    def items(self) -> list[Any]:
        return [self[item_name(number)] for number in range(1, ITEM_COUNT + 1)]

    def answered(self) -> int:
        return sum(1 for answer in self.answers() if answer is not None)


class MeasurementForm(_Answers):
    """A coordinator takes the measurement with the person (in a talk, by phone, at a check-in)."""

    measured_on = DateField(
        _l("Datum van de meting"),
        validators=[InputRequired(_l("Vul de datum van de meting in, zoals 15-01-2027."))],
        render_kw={"class": "short"},
    )
    moment = RadioField(
        _l("Wanneer is gemeten?"),
        choices=choices_for(MeasurementMoment),
        validators=[InputRequired(_l("Kies wanneer er gemeten is."))],
        invalid_choice_message=_l("Kies een van de mogelijkheden."),
    )
    check_in = HiddenField(_l("Contactmoment"))
    age = IntegerField(
        _l("Leeftijd"),
        validators=[Optional(), NumberRange(12, 120, message=_l("Vul een leeftijd in tussen 12 en 120 jaar."))],
        render_kw={"class": "short", "inputmode": "numeric", "min": 12, "max": 120},
    )

    def validate_check_in(self, field: Any) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("Het formulier is onvolledig. Laad de pagina opnieuw."))

    def check_in_id(self) -> int | None:
        return int(self.check_in.data) if self.check_in.data and str(self.check_in.data).isdigit() else None


class LinkForm(SamenForm):
    """Make a one-time link with which the person fills the questionnaire in on their own phone."""

    moment = RadioField(
        _l("Wanneer is dit?"),
        choices=choices_for(MeasurementMoment),
        validators=[InputRequired(_l("Kies wanneer er gemeten wordt."))],
        invalid_choice_message=_l("Kies een van de mogelijkheden."),
    )
    check_in = HiddenField(_l("Contactmoment"))

    def validate_check_in(self, field: Any) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("Het formulier is onvolledig. Laad de pagina opnieuw."))

    def check_in_id(self) -> int | None:
        return int(self.check_in.data) if self.check_in.data and str(self.check_in.data).isdigit() else None


class SelfMeasurementForm(_Answers):
    """The person fills the questionnaire in through their link."""


for _number in range(1, ITEM_COUNT + 1):
    setattr(MeasurementForm, item_name(_number), _answer_field(_number, _l("wil of weet niet")))
    setattr(SelfMeasurementForm, item_name(_number), _answer_field(_number, _l("wil ik niet zeggen / weet ik niet")))
