"""Referral forms for partner staff: the referral (resident, reason, consent record), withdrawing it, and
correcting the resident's contact details."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.forms_common import SamenForm
from webapp.residents.forms import ConsentFields, ResidentFields
from webapp.services.referrals import ContactDetails


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


class WithdrawReferralForm(SamenForm):
    """The referrer withdraws a referral while the resident waits."""

    reason = TextAreaField(
        _l("Waarom trekt u de verwijzing in?"),
        validators=[
            DataRequired(_l("Vul de reden in waarom u de verwijzing intrekt.")),
            Length(max=1000, message=_l("Maximaal 1000 tekens.")),
        ],
        render_kw={"rows": 3},
    )


class CorrectContactDetailsForm(SamenForm):
    """The resident's contact details as the referrer may correct them until the intake talk: the very fields of
    the referral form (labels, validators and hints shared), and the version that was read."""

    first_name = ResidentFields.first_name
    last_name = ResidentFields.last_name
    phone = ResidentFields.phone
    email = ResidentFields.email
    postcode = ResidentFields.postcode
    address = ResidentFields.address
    version = HiddenField(validators=[InputRequired()])

    def contact_details(self) -> ContactDetails:
        postcode, area = self.postcode.parsed
        return ContactDetails(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            phone=self.phone.data or "",
            email=self.email.data or "",
            postcode=postcode,
            pc4=area.pc4,
            address=self.address.data or "",
        )

    def expected_version(self) -> int:
        try:
            return int(self.version.data or "")
        except ValueError:
            return -1
