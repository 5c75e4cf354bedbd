from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from webapp.forms_common import SamenForm

ALL_PROGRAMMES = ""


class StartRunForm(SamenForm):
    programme = SelectField(
        _l("Voor welk programma?"),
        choices=[],
        default=ALL_PROGRAMMES,
        invalid_choice_message=_l("Kies een programma uit de lijst."),
    )


class DecisionForm(SamenForm):
    """Approve: nothing to fill in but the CSRF token, and where to go back to."""

    next = HiddenField()


class RejectForm(SamenForm):
    reason = RadioField(
        _l("Reden van afwijzen"),
        choices=[],  # the active reasons admins manage, set by the view
        invalid_choice_message=_l("Kies een reden."),
    )
    note = TextAreaField(
        _l("Toelichting"),
        validators=[Length(max=2000, message=_l("Maximaal 2000 tekens."))],
    )
    next = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The codes of the reasons that need a note, set by the view with the choices.
        self.needs_note: set[str] = set()

    def validate_note(self, field: Any) -> None:
        if self.reason.data in self.needs_note and not (field.data or "").strip():
            raise ValidationError(_l("Licht de gekozen reden toe."))


class ChooseForm(SamenForm):
    volunteer_id = IntegerField(
        _l("Vrijwilliger"),
        widget=HiddenInput(),
        validators=[InputRequired(_l("Kies een vrijwilliger."))],
    )
    # The run on whose page the coordinator chose (the pair then shows on that run's page).
    run_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    next = HiddenField()


class UndoRejectionForm(SamenForm):
    note = StringField(
        _l("Waarom wordt de afwijzing ingetrokken?"),
        validators=[
            DataRequired(_l("Vul in waarom de afwijzing wordt ingetrokken.")),
            Length(max=500, message=_l("Maximaal 500 tekens.")),
        ],
    )
    next = HiddenField()
