from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from webapp import catalogue
from webapp.forms_common import (
    AgeBetween,
    MultiCheckboxField,
    PhoneNumber,
    SamenForm,
    ValidPostcode,
    choices,
    slot_choices,
)

MIN_VOLUNTEER_AGE = 16


class VolunteerSignupForm(SamenForm):
    first_name = StringField(
        _l("Voornaam"),
        validators=[DataRequired(_l("Vul je voornaam in.")), Length(max=80, message=_l("Maximaal 80 tekens."))],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        _l("Achternaam"),
        validators=[DataRequired(_l("Vul je achternaam in.")), Length(max=80, message=_l("Maximaal 80 tekens."))],
        render_kw={"autocomplete": "family-name"},
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul je e-mailadres in.")),
            Email(_l("Vul een e-mailadres in zoals naam@voorbeeld.nl."), check_deliverability=False),
            Length(max=254, message=_l("Maximaal 254 tekens.")),
        ],
        render_kw={"autocomplete": "email"},
    )
    phone = TelField(
        _l("Telefoonnummer"),
        validators=[DataRequired(_l("Vul je telefoonnummer in.")), PhoneNumber()],
        render_kw={"autocomplete": "tel"},
    )
    birth_date = DateField(
        _l("Geboortedatum"),
        validators=[
            InputRequired(_l("Vul je geboortedatum in.")),
            AgeBetween(
                MIN_VOLUNTEER_AGE,
                110,
                _l("Je bent nog geen 16. Vraag je ouder, verzorger of school om contact met ons op te nemen."),
            ),
        ],
        render_kw={"autocomplete": "bday"},
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[DataRequired(_l("Vul je postcode in.")), ValidPostcode()],
        render_kw={"class": "short", "autocomplete": "postal-code"},
    )
    # No autocomplete="sex": the attribute does not apply to radio buttons (HTML), so browsers ignore it there.
    gender = RadioField(
        _l("Ik ben een"),
        choices=[*choices(catalogue.GENDERS), SelectChoice("", _l("zeg ik liever niet"))],
        default="",
        validators=[Optional()],
    )
    programmes = MultiCheckboxField(
        _l("Waar wil je aan meedoen?"),
        choices=choices(catalogue.PROGRAMMES),
        validators=[DataRequired(_l("Kies minstens één activiteit."))],
    )
    interests = MultiCheckboxField(_l("Wat vind je leuk om te doen?"), choices=choices(catalogue.INTERESTS))
    availability = MultiCheckboxField(
        _l("Wanneer kun je meestal?"),
        choices=slot_choices(),
        validators=[DataRequired(_l("Kies minstens één dagdeel waarop je kunt."))],
    )
    languages = MultiCheckboxField(_l("Welke talen spreek je?"), choices=choices(catalogue.LANGUAGES), default=["nl"])
    max_distance_km = SelectField(
        _l("Hoe ver wil je reizen?"),
        choices=[SelectChoice(str(d), _l("tot %(km)d km", km=d)) for d in catalogue.TRAVEL_DISTANCES_KM],
        default="3",
        validators=[DataRequired()],
    )
    capacity = SelectField(
        _l("Hoeveel mensen wil je tegelijk helpen?"),
        choices=[
            SelectChoice("1", _l("1 persoon")),
            SelectChoice("2", _l("2 personen")),
            SelectChoice("3", _l("3 personen")),
        ],
        default="1",
        validators=[DataRequired()],
    )
    motivation = TextAreaField(
        _l("Waarom wil je vrijwilliger worden?"),
        validators=[Optional(), Length(max=2000, message=_l("Maximaal 2000 tekens."))],
    )
    lonely_themselves = BooleanField(_l("Ik voel me zelf ook weleens eenzaam"))
    consent = BooleanField(
        _l("Ik heb de privacyverklaring gelezen. Welzijn Rijswijk mag mijn gegevens gebruiken om mij te koppelen."),
        validators=[DataRequired(_l("Zonder je toestemming kunnen we je aanmelding niet verwerken."))],
    )
    # Bots fill in every field; people never see this one.
    website = StringField(_l("Laat dit veld leeg"), validators=[Optional()])
