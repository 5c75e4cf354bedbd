from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from webapp.labels import choices_for
from webapp.models import RejectionReason

ALL_PROGRAMMES = ""


class StartRunForm(FlaskForm):
    programme = SelectField(
        _l("Voor welk programma?"),
        choices=[],
        default=ALL_PROGRAMMES,
        invalid_choice_message=_l("Kies een programma uit de lijst."),
    )


class DecisionForm(FlaskForm):
    """Approve: nothing to fill in but the CSRF token, and where to go back to."""

    next = HiddenField()


class RejectForm(FlaskForm):
    reason = RadioField(
        _l("Reden van afwijzen"),
        choices=choices_for(RejectionReason),
        invalid_choice_message=_l("Kies een reden."),
    )
    note = TextAreaField(
        _l("Toelichting"),
        validators=[Length(max=2000, message=_l("Maximaal 2000 tekens."))],
    )
    next = HiddenField()

    def validate_note(self, field: Any) -> None:
        if self.reason.data == "anders" and not (field.data or "").strip():
            raise ValidationError(_l("Licht de reden toe als u 'Anders' kiest."))


class ChooseForm(FlaskForm):
    volunteer_id = IntegerField(
        _l("Vrijwilliger"),
        widget=HiddenInput(),
        validators=[InputRequired(_l("Kies een vrijwilliger."))],
    )
    next = HiddenField()
