"""Resident forms: the fields a referrer and a coordinator share, the consent record, intake and closing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

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
from webapp.labels import choices_for
from webapp.models import ConsentGiver, ConsentMethod, ConsentPurpose, Gender, Programme, Resident, ResidentStatus
from webapp.services.residents import (
    ConsentRecord,
    ResidentDetails,
    age_bounds_text,
    age_rule_problem,
    has_age_bounds,
    today,
)


class NotInFuture:
    def __init__(self, message: object) -> None:
        self.message = message

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None and field.data > today():
            raise ValidationError(str(self.message))


def _max_today(field: Field) -> None:
    field.render_kw = {**(field.render_kw or {}), "max": today().isoformat()}


class ConsentFields(SamenForm):
    """The consent record: who agreed, when, and how."""

    consent_by = RadioField(
        _l("Wie gaf toestemming?"),
        choices=choices_for(ConsentGiver),
        validators=[InputRequired(_l("Kies wie toestemming gaf."))],
    )
    consent_on = DateField(
        _l("Datum van de toestemming"),
        validators=[
            InputRequired(_l("Vul de datum in waarop de toestemming is gegeven.")),
            NotInFuture(_l("De datum van de toestemming kan niet in de toekomst liggen.")),
        ],
        render_kw={"class": "short"},
    )
    consent_method = RadioField(
        _l("Hoe is de toestemming gegeven?"),
        # Staff record a consent given to them; "online" is the person's own tick on Samen's form (the consent
        # service refuses it from staff).
        choices=choices_for([ConsentMethod.MONDELING, ConsentMethod.SCHRIFTELIJK]),
        validators=[InputRequired(_l("Kies hoe de toestemming is gegeven."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _max_today(self.consent_on)
        if self.consent_on.data is None and not self.is_submitted():
            self.consent_on.data = today()

    def consent_record(self, text_version: str) -> ConsentRecord:
        return ConsentRecord(
            given_by=ConsentGiver(self.consent_by.data),
            given_on=self.consent_on.data,
            method=ConsentMethod(self.consent_method.data),
            text_version=text_version,
        )


# What each programme offers, said from the resident's side (the catalogue's descriptions address volunteers).
RESIDENT_PROGRAMME_DESCRIPTIONS: dict[str, object] = {
    "buddy": _l("Elke week of twee weken samen iets doen met een vaste vrijwilliger: wandelen, koffie, een praatje."),
    "jong-ontmoet-oud": _l("Een jongere en een oudere ontmoeten elkaar en leren van elkaar."),
    "digitaal": _l("Hulp bij de telefoon, tablet of computer, thuis of in de bibliotheek."),
    "bewegen": _l("Samen bewegen: wandelen, fietsen, gym of zwemmen."),
    "cultuur": _l("Samen naar een museum, concert of voorstelling."),
}


def _programme_note(programme: Programme) -> str:
    note = str(RESIDENT_PROGRAMME_DESCRIPTIONS.get(programme.code, ""))
    if has_age_bounds(programme):
        bounds = _("Voor bewoners %(bounds)s.", bounds=age_bounds_text(programme))
        note = f"{note} {bounds}".strip()
    return note


def _travel_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", _l("geen voorkeur")),
        *(SelectChoice(str(d), _l("tot %(km)d km", km=d)) for d in catalogue.TRAVEL_DISTANCES_KM),
    ]


class ResidentFields(SamenForm):
    """What we need to know about a resident to find a buddy; no more (data minimisation)."""

    # autocomplete="off" on the contact fields: staff type someone else's details here, and the browser would offer
    # their own name, e-mail and address (the volunteer's public form carries the hints instead).
    first_name = StringField(
        _l("Voornaam"),
        validators=[DataRequired(_l("Vul de voornaam in.")), Length(max=80, message=_l("Maximaal 80 tekens."))],
        render_kw={"autocomplete": "off"},
    )
    last_name = StringField(
        _l("Achternaam"),
        validators=[DataRequired(_l("Vul de achternaam in.")), Length(max=80, message=_l("Maximaal 80 tekens."))],
        render_kw={"autocomplete": "off"},
    )
    phone = TelField(
        _l("Telefoonnummer"),
        validators=[DataRequired(_l("Vul het telefoonnummer van de bewoner in.")), PhoneNumber()],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            Optional(),
            Email(_l("Vul een e-mailadres in zoals naam@voorbeeld.nl."), check_deliverability=False),
            Length(max=254, message=_l("Maximaal 254 tekens.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[DataRequired(_l("Vul de postcode in.")), ValidPostcode()],
        render_kw={"class": "short", "autocomplete": "off"},
    )
    address = StringField(
        _l("Straat en huisnummer"),
        validators=[Optional(), Length(max=200, message=_l("Maximaal 200 tekens."))],
        render_kw={"autocomplete": "off"},
    )
    birth_date = DateField(
        _l("Geboortedatum"),
        validators=[Optional(), AgeBetween(0, 115, _l("Controleer de geboortedatum."))],
        render_kw={"class": "short"},
    )
    gender = RadioField(
        _l("Geslacht van de bewoner"),
        choices=[*choices(catalogue.GENDERS), SelectChoice("", _l("niet opgegeven"))],
        default="",
        validators=[Optional()],
    )
    programme = RadioField(
        _l("Programma"),
        choices=[],
        validators=[InputRequired(_l("Kies een programma."))],
    )
    interests = MultiCheckboxField(_l("Interesses en hobby's"), choices=choices(catalogue.INTERESTS))
    availability = MultiCheckboxField(
        _l("Wanneer kan de bewoner meestal?"),
        choices=slot_choices(),
        validators=[DataRequired(_l("Kies minstens één dagdeel waarop de bewoner kan."))],
    )
    languages = MultiCheckboxField(_l("Talen"), choices=choices(catalogue.LANGUAGES), default=["nl"])
    preferred_gender = RadioField(
        _l("Voorkeur voor een vrijwilliger"),
        choices=[SelectChoice("", _l("geen voorkeur")), *choices(catalogue.GENDERS)],
        default="",
        validators=[Optional()],
    )
    max_distance_km = SelectField(
        _l("Hoe ver kan de bewoner reizen?"), choices=_travel_choices(), default="", validators=[Optional()]
    )

    def __init__(self, *args: Any, programmes: Sequence[Programme] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme_rules = {programme.code: programme for programme in programmes}
        self.programme.choices = [
            SelectChoice(programme.code, catalogue.label(catalogue.PROGRAMMES, programme.code))
            for programme in programmes
        ]
        self.programme_notes = {programme.code: _programme_note(programme) for programme in programmes}
        _max_today(self.birth_date)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        programme = self.programme_rules.get(self.programme.data or "")
        if programme is not None and not self.birth_date.errors:
            problem = age_rule_problem(programme, self.birth_date.data, today())
            if problem:
                self.birth_date.errors = [*self.birth_date.errors, problem]
                valid = False
        return valid

    def resident_details(self) -> ResidentDetails:
        postcode, area = self.postcode.parsed
        return ResidentDetails(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            phone=self.phone.data or "",
            email=self.email.data or "",
            birth_date=self.birth_date.data,
            postcode=postcode,
            pc4=area.pc4,
            address=self.address.data or "",
            gender=Gender(self.gender.data) if self.gender.data else None,
            preferred_gender=Gender(self.preferred_gender.data) if self.preferred_gender.data else None,
            programme_code=self.programme.data or "",
            interests=tuple(self.interests.data or ()),
            availability=tuple(self.availability.data or ()),
            languages=tuple(self.languages.data or ()),
            max_distance_km=float(self.max_distance_km.data) if self.max_distance_km.data else None,
        )


class IntakeForm(SamenForm):
    """The intake talk took place, today or on another date."""

    intake_on = DateField(
        _l("Datum van het intakegesprek"),
        validators=[
            InputRequired(_l("Vul de datum van het intakegesprek in.")),
            NotInFuture(_l("Een gehouden intakegesprek ligt niet in de toekomst.")),
        ],
        render_kw={"class": "short"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _max_today(self.intake_on)
        if self.intake_on.data is None and not self.is_submitted():
            self.intake_on.data = today()


class PlanIntakeForm(SamenForm):
    """An appointment for the intake talk, today or later."""

    planned_on = DateField(
        _l("Datum van de afspraak"),
        validators=[InputRequired(_l("Vul de datum van de afspraak in."))],
        render_kw={"class": "short"},
    )
    planned_at = TimeField(
        _l("Tijd"),
        validators=[Optional()],
        render_kw={"class": "short"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.planned_on.render_kw = {**(self.planned_on.render_kw or {}), "min": today().isoformat()}

    def validate_planned_on(self, field: Field) -> None:
        if field.data is not None and field.data < today():
            raise ValidationError(_("Een afspraak ligt vandaag of later. Was het gesprek al? Leg het dan vast."))


class ResidentIntakeForm(ConsentFields, ResidentFields, IntakeForm):
    """A coordinator takes a resident in by phone: consent for intake and matching, and optionally for the
    loneliness measurement and being contacted for an evaluation."""

    notes = TextAreaField(
        _l("Notities van de coördinator"),
        validators=[Optional(), Length(max=5000, message=_l("Maximaal 5000 tekens."))],
    )
    consent_loneliness = BooleanField(_l("De bewoner doet ook mee aan het meten van eenzaamheid"))
    consent_evaluation = BooleanField(_l("De bewoner mag benaderd worden voor een evaluatie"))

    def consent_record(self, text_version: str) -> ConsentRecord:
        record = super().consent_record(text_version)
        also = tuple(
            purpose
            for purpose, ticked in (
                (ConsentPurpose.LONELINESS, self.consent_loneliness.data),
                (ConsentPurpose.EVALUATION, self.consent_evaluation.data),
            )
            if ticked
        )
        return replace(record, also=also)


class ResidentEditForm(ResidentFields):
    """A coordinator corrects a resident's data; ``version`` guards against overwriting someone else's change."""

    notes = TextAreaField(
        _l("Notities van de coördinator"),
        validators=[Optional(), Length(max=5000, message=_l("Maximaal 5000 tekens."))],
    )
    version = HiddenField(validators=[InputRequired()])

    def __init__(self, *args: Any, current_distance_km: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keep a travel distance that is not one of the usual choices, so that saving does not drop it.
        current = distance_value(current_distance_km)
        if current and current not in {choice.value for choice in self.max_distance_km.choices}:
            self.max_distance_km.choices = [
                *self.max_distance_km.choices,
                SelectChoice(current, _l("tot %(km)s km", km=current)),
            ]

    def expected_version(self) -> int:
        try:
            return int(self.version.data or "")
        except ValueError:
            return -1


class CloseForm(SamenForm):
    reason = TextAreaField(
        _l("Reden van afsluiten"),
        validators=[
            DataRequired(_l("Vul de reden van afsluiten in.")),
            Length(max=1000, message=_l("Maximaal 1000 tekens.")),
        ],
        render_kw={"rows": 3},
    )


STATUS_CHOICES: list[ResidentStatus] = list(ResidentStatus)


def distance_value(distance_km: float | None) -> str:
    """A stored travel distance as the select's value: 3.0 -> '3'."""
    if distance_km is None:
        return ""
    return str(int(distance_km)) if float(distance_km).is_integer() else str(distance_km)


def resident_form_data(resident: Resident) -> dict[str, Any]:
    """A resident's stored data as form data for the edit form."""
    return {
        "first_name": resident.first_name,
        "last_name": resident.last_name,
        "phone": resident.phone,
        "email": resident.email,
        "postcode": resident.postcode,
        "address": resident.address,
        "birth_date": resident.birth_date,
        "gender": resident.gender.value if resident.gender else "",
        "programme": resident.programme_code,
        "interests": list(resident.interests or []),
        "availability": list(resident.availability or []),
        "languages": list(resident.languages or []),
        "preferred_gender": resident.preferred_gender.value if resident.preferred_gender else "",
        "max_distance_km": distance_value(resident.max_distance_km),
        "notes": resident.notes,
        "version": str(resident.version),
    }
