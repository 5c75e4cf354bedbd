"""Forms for data subject requests: registering one, handling it, confirming an erasure."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from webapp.clock import local_today
from webapp.enums import RequestKind, RequestStatus, SubjectKind
from webapp.forms_common import SamenForm
from webapp.labels import choices_for
from webapp.services.subject_rights import NOTE_LENGTH, RECEIVED_VIA

VIA_LABELS: dict[str, Any] = {
    "telefoon": _l("telefonisch"),
    "email": _l("per e-mail"),
    "brief": _l("per brief"),
    "persoonlijk": _l("persoonlijk, aan de balie of bij een bezoek"),
}
assert set(VIA_LABELS) == set(RECEIVED_VIA)

KIND_HINTS: dict[RequestKind, Any] = {
    RequestKind.ACCESS: _l("De persoon wil weten welke gegevens Samen van hem of haar heeft."),
    RequestKind.PORTABILITY: _l("De persoon wil de gegevens in een bestand, om mee te nemen."),
    RequestKind.RECTIFICATION: _l("Gegevens kloppen niet en moeten verbeterd worden."),
    RequestKind.ERASURE: _l("De gegevens moeten gewist worden."),
    RequestKind.RESTRICTION: _l("Er mag even niets met de gegevens gebeuren (bijvoorbeeld tijdens een geschil)."),
    RequestKind.OBJECTION: _l("De persoon maakt bezwaar tegen het gebruik van de gegevens."),
}


class NotInFuture:
    def __call__(self, form: Any, field: Any) -> None:
        if field.data is not None and field.data > local_today():
            raise ValidationError(str(_l("De datum van ontvangst kan niet in de toekomst liggen.")))


class RequestForm(SamenForm):
    """A new request about one person (chosen from the search)."""

    subject_kind = HiddenField(validators=[InputRequired(_l("Kies de persoon om wie het gaat."))])
    subject_id = HiddenField(validators=[InputRequired(_l("Kies de persoon om wie het gaat."))])
    kind = RadioField(
        _l("Wat vraagt de persoon?"),
        choices=choices_for(RequestKind),
        validators=[InputRequired(_l("Kies wat de persoon vraagt."))],
    )
    received_on = DateField(
        _l("Ontvangen op"),
        validators=[InputRequired(_l("Vul de datum in waarop het verzoek binnenkwam.")), NotInFuture()],
        render_kw={"class": "short"},
    )
    received_via = SelectField(
        _l("Hoe kwam het verzoek binnen?"),
        choices=[SelectChoice("", _l("kies"))] + [SelectChoice(code, VIA_LABELS[code]) for code in RECEIVED_VIA],
        validators=[DataRequired(_l("Kies hoe het verzoek binnenkwam."))],
    )
    note = TextAreaField(
        _l("Toelichting"),
        validators=[Optional(), Length(max=NOTE_LENGTH, message=_l("Maximaal %(max)d tekens.", max=NOTE_LENGTH))],
        render_kw={"rows": 3},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received_on.render_kw = {**(self.received_on.render_kw or {}), "max": local_today().isoformat()}
        if self.received_on.data is None and not self.is_submitted():
            self.received_on.data = local_today()

    def subject(self) -> tuple[SubjectKind, int] | None:
        """The chosen person, or None when the hidden fields were tampered with."""
        try:
            return SubjectKind(self.subject_kind.data), int(self.subject_id.data or "")
        except ValueError:
            return None


HANDLE_CHOICES = choices_for([RequestStatus.DONE, RequestStatus.REFUSED])


class HandleForm(SamenForm):
    """Mark a request handled: done or refused, with a note."""

    outcome = RadioField(
        _l("Uitkomst"), choices=HANDLE_CHOICES, validators=[InputRequired(_l("Kies hoe het verzoek is afgehandeld."))]
    )
    note = TextAreaField(
        _l("Hoe is het afgehandeld?"),
        validators=[Optional(), Length(max=NOTE_LENGTH, message=_l("Maximaal %(max)d tekens.", max=NOTE_LENGTH))],
        render_kw={"rows": 3},
    )


class EraseForm(SamenForm):
    """The confirmation step of an erasure."""

    confirm = BooleanField(
        _l(
            "Ik heb gecontroleerd dat het verzoek van deze persoon komt en dat niets ons verplicht de gegevens te "
            "bewaren."
        ),
        validators=[DataRequired(_l("Bevestig dat u het verzoek hebt gecontroleerd."))],
    )


class ExportForm(SamenForm):
    """The download: its two buttons send ``file_format`` (json or csv)."""

    file_format = HiddenField(validators=[InputRequired()])


class ActionForm(SamenForm):
    """A button that changes something (restrict, lift): only its CSRF token."""
