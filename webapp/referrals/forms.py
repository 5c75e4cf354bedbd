"""The referral form for partner staff: the resident's data, the reason, and the consent record."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.residents.forms import ConsentFields, ResidentFields


class ReferralForm(ConsentFields, ResidentFields):
    reason = TextAreaField(
        _l("Waarom verwijst u deze bewoner?"),
        validators=[
            DataRequired(_l("Vul de reden van de verwijzing in.")),
            Length(max=2000, message=_l("Maximaal 2000 tekens.")),
        ],
    )
    consent_confirmed = BooleanField(
        _l("Ik bevestig dat de bewoner, of diens wettelijk vertegenwoordiger, instemt met deze verwijzing."),
        validators=[DataRequired(_l("Een verwijzing kan alleen als de bewoner ermee instemt. Vink dit aan."))],
    )
