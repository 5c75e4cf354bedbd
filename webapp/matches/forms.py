"""The forms on a match's page: plan or move the introduction, its outcome, cancelling it, a check-in, the ending."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from webapp.enums import CheckInMethod, CheckInVerdict, CheckInWith
from webapp.forms_common import SamenForm
from webapp.labels import choices_for

OUTCOME_YES = "ja"
OUTCOME_NO = "nee"
RESIDENT_RETURNS = "wachtlijst"
RESIDENT_CLOSED = "afsluiten"


def _note(label: Any, field_id: str, required: bool = False, message: Any = None) -> TextAreaField:
    """A note; the forms on one page each name theirs ``note``, so each gets its own element id."""
    validators: list[Any] = [Length(max=4000, message=_l("Maximaal 4000 tekens."))]
    validators.insert(0, DataRequired(message) if required else Optional())
    return TextAreaField(label, validators=validators, render_kw={"rows": 3}, id=field_id)


class IntroductionForm(SamenForm):
    """Plan the introduction meeting (and move it: the same fields, with the version the page showed)."""

    on = DateField(_l("Datum"), validators=[InputRequired(_l("Vul de datum van de kennismaking in."))])
    at = TimeField(_l("Tijd"), validators=[Optional()])
    place = StringField(
        _l("Plaats"),
        validators=[
            DataRequired(_l("Vul de plaats van de kennismaking in.")),
            Length(max=200, message=_l("Maximaal 200 tekens.")),
        ],
        render_kw={"placeholder": _l("bijvoorbeeld: bij de bewoner thuis, Huis van de Stad")},
    )
    coordinator_joins = BooleanField(_l("De coördinator is erbij"), default=True)
    version = HiddenField()

    def validate_version(self, field: Any) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("Het formulier is onvolledig. Laad de pagina opnieuw."))


class OutcomeForm(SamenForm):
    outcome = RadioField(
        _l("Hoe ging de kennismaking?"),
        choices=[
            SelectChoice(OUTCOME_YES, _l("Beiden willen verder: de koppeling start")),
            SelectChoice(OUTCOME_NO, _l("Een van beiden (of beiden) wil niet verder: geen klik")),
        ],
        validators=[InputRequired(_l("Kies de uitkomst van de kennismaking."))],
    )
    started_on = DateField(_l("Actief vanaf"), validators=[Optional()], render_kw={"class": "short"})

    def validate_started_on(self, field: Any) -> None:
        if self.outcome.data == OUTCOME_YES and field.data is None and not field.raw_data:
            return  # the service takes the introduction's date
        if self.outcome.data == OUTCOME_YES and field.data is None:
            raise ValidationError(_l("Vul een datum in zoals 15-01-2027."))


class CancelIntroductionForm(SamenForm):
    note = _note(_l("Waarom gaat de kennismaking niet door?"), "annuleren-reden", True, _l("Vul de reden in."))


class CheckInForm(SamenForm):
    held_on = DateField(
        _l("Datum"),
        validators=[InputRequired(_l("Vul de datum van het contactmoment in."))],
        render_kw={"class": "short"},
    )
    with_whom = RadioField(
        _l("Met wie?"),
        choices=choices_for(CheckInWith),
        validators=[InputRequired(_l("Kies met wie u sprak."))],
    )
    method = RadioField(
        _l("Hoe?"),
        choices=choices_for(CheckInMethod),
        validators=[InputRequired(_l("Kies hoe het contact was."))],
    )
    verdict = RadioField(
        _l("Hoe gaat het?"),
        choices=choices_for(CheckInVerdict),
        validators=[InputRequired(_l("Kies hoe het gaat."))],
    )
    note = _note(_l("Notitie (alleen voor coördinatoren)"), "contactmoment-notitie")


class EndForm(SamenForm):
    reason = SelectField(
        _l("Reden"),
        choices=[],  # the active end reasons admins manage, set by the view
        validators=[DataRequired(_l("Kies een reden."))],
        invalid_choice_message=_l("Kies een reden uit de lijst."),
    )
    ended_on = DateField(
        _l("Einddatum"), validators=[InputRequired(_l("Vul de einddatum in."))], render_kw={"class": "short"}
    )
    note = _note(_l("Afsluitende notitie"), "einde-notitie")
    resident = RadioField(
        _l("Wat gebeurt er met de bewoner?"),
        choices=[
            SelectChoice(RESIDENT_RETURNS, _l("Terug op de wachtlijst, met de wachttijd van vóór de koppeling")),
            SelectChoice(RESIDENT_CLOSED, _l("Aanmelding afsluiten")),
        ],
        validators=[InputRequired(_l("Kies wat er met de bewoner gebeurt."))],
    )


class MatchFilterForm(SamenForm):
    """The filters above the list of matches (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    programma = SelectField(_l("Programma"), choices=[], validators=[Optional()])
    zoek = StringField(
        _l("Zoeken"),
        validators=[Optional(), Length(max=100, message=_l("Maximaal 100 tekens."))],
        render_kw={"type": "search", "placeholder": _l("naam")},
    )
