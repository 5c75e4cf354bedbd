"""Coordinator forms: the volunteer filters, a volunteer's details, planning the intake talk, screening, merging
and stopping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from webapp import catalogue
from webapp.forms_common import AgeBetween, MultiCheckboxField, SamenForm, choices
from webapp.labels import choices_for
from webapp.labels import lazy_label as label_of
from webapp.models import Gender, IntakeOutcome, VogStatus
from webapp.public.forms import MIN_VOLUNTEER_AGE, VolunteerSignupForm
from webapp.services.volunteers import VolunteerDetails

INTAKE_CHOICES = choices_for([IntakeOutcome.GESCHIKT, IntakeOutcome.TWIJFEL, IntakeOutcome.NIET_GESCHIKT])
VOG_CHOICES = choices_for(VogStatus)

# Screening states for the list filter: "nieuw" means no intake outcome yet; "gestopt" wins over the others.
SCREENING_STATES: dict[str, Any] = {
    "nieuw": _l("nieuw (nog geen intakegesprek)"),
    IntakeOutcome.GESCHIKT.value: label_of(IntakeOutcome.GESCHIKT),
    IntakeOutcome.TWIJFEL.value: label_of(IntakeOutcome.TWIJFEL),
    IntakeOutcome.NIET_GESCHIKT.value: label_of(IntakeOutcome.NIET_GESCHIKT),
    "gestopt": _l("gestopt"),
}

MAX_CAPACITY = 10


class VolunteerFilterForm(SamenForm):
    """The filters above the volunteer list (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Zoeken"),
        validators=[Optional(), Length(max=100, message=_l("Maximaal 100 tekens."))],
        render_kw={"type": "search", "placeholder": _l("naam, e-mail, postcode")},
    )
    status = SelectField(
        _l("Screening"), choices=[SelectChoice("", _l("alle")), *choices(SCREENING_STATES)], validators=[Optional()]
    )
    programma = SelectField(_l("Programma"), choices=[SelectChoice("", _l("alle"))], validators=[Optional()])
    vog = SelectField(_l("VOG"), choices=[SelectChoice("", _l("alle")), *VOG_CHOICES], validators=[Optional()])
    plek = BooleanField(_l("Alleen met vrije plek"))


def not_in_future(form: Any, field: Any) -> None:
    if field.data is not None and field.data > form.today:
        raise ValidationError(_l("Deze datum ligt in de toekomst. Vul de datum in waarop het gebeurde."))


class ScreeningForm(SamenForm):
    intake_outcome = RadioField(
        _l("Uitkomst van het intakegesprek"),
        choices=[SelectChoice("", _l("nog geen gesprek gehad")), *INTAKE_CHOICES],
        default="",
        validators=[Optional()],
    )
    intake_on = DateField(
        _l("Datum van het gesprek"),
        validators=[Optional(), not_in_future],
        render_kw={"class": "short"},
    )
    intake_notes = TextAreaField(
        _l("Aantekeningen van het gesprek"),
        validators=[Optional(), Length(max=4000, message=_l("Maximaal 4000 tekens."))],
    )
    vog_status = RadioField(
        _l("Status van de VOG"),
        choices=VOG_CHOICES,
        default=VogStatus.NIET_AANGEVRAAGD.value,
        validators=[InputRequired(_l("Kies de status van de VOG."))],
    )
    vog_requested_on = DateField(
        _l("Aangevraagd op"), validators=[Optional(), not_in_future], render_kw={"class": "short"}
    )
    vog_issued_on = DateField(_l("Afgegeven op"), validators=[Optional(), not_in_future], render_kw={"class": "short"})
    capacity = IntegerField(
        _l("Capaciteit: hoeveel bewoners tegelijk"),
        validators=[InputRequired(_l("Vul de capaciteit in (0 tot en met 10)."))],
        render_kw={"class": "short", "inputmode": "numeric", "min": 0, "max": MAX_CAPACITY},
    )
    programmes = MultiCheckboxField(_l("Programma's"), validators=[DataRequired(_l("Kies minstens één programma."))])
    version = HiddenField(_l("Versie"))

    def __init__(self, *args: Any, today: date, active_matches: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.active_matches = active_matches

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks first, then the rules that tie fields together (an empty optional date skips its chain)."""
        valid = super().validate(extra_validators)
        for field, message in self._cross_field_errors():
            if not field.errors:
                field.errors.append(message)
                valid = False
        return valid

    def _cross_field_errors(self) -> list[tuple[Any, Any]]:
        errors: list[tuple[Any, Any]] = []
        outcome, intake_on = self.intake_outcome.data, self.intake_on
        if outcome and intake_on.data is None:
            errors.append((intake_on, _l("Vul de datum van het intakegesprek in.")))
        if not outcome and intake_on.data is not None:
            errors.append((intake_on, _l("Kies ook de uitkomst van het gesprek, of laat de datum leeg.")))

        status, requested, issued = self.vog_status.data, self.vog_requested_on, self.vog_issued_on
        if status == VogStatus.AANGEVRAAGD.value and requested.data is None:
            errors.append((requested, _l("Vul de datum in waarop de VOG is aangevraagd.")))
        if status == VogStatus.NIET_AANGEVRAAGD.value and requested.data is not None:
            errors.append((requested, _l("Bij 'niet aangevraagd' hoort geen aanvraagdatum. Laat het veld leeg.")))
        if status == VogStatus.AFGEGEVEN.value:
            if issued.data is None:
                errors.append((issued, _l("Vul de datum in waarop de VOG is afgegeven.")))
            elif issued.data is not None and requested.data is not None and issued.data < requested.data:
                errors.append((issued, _l("De afgiftedatum kan niet vóór de aanvraagdatum liggen.")))
        elif issued.data is not None:
            errors.append((issued, _l("Een afgiftedatum hoort alleen bij de status 'afgegeven'. Laat het veld leeg.")))

        capacity = self.capacity.data
        if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
            errors.append((self.capacity, _l("Vul een aantal van 0 tot en met 10 in.")))
        elif capacity is not None and capacity < self.active_matches:
            errors.append(
                (
                    self.capacity,
                    lazy_ngettext(
                        "Deze vrijwilliger heeft nu %(num)d lopende koppeling; de capaciteit kan niet lager "
                        "zijn. Beëindig eerst een koppeling.",
                        "Deze vrijwilliger heeft nu %(num)d lopende koppelingen; de capaciteit kan niet lager "
                        "zijn. Beëindig eerst een koppeling.",
                        self.active_matches,
                    ),
                )
            )
        if not (self.version.data or "").isdigit():
            errors.append((self.version, _l("Het formulier is onvolledig. Laad de pagina opnieuw.")))
        return errors


class StopVolunteerForm(SamenForm):
    reason = TextAreaField(
        _l("Reden van stoppen"),
        validators=[
            DataRequired(_l("Vul de reden in waarom de vrijwilliger stopt.")),
            Length(max=1000, message=_l("Maximaal 1000 tekens.")),
        ],
    )
    version = HiddenField(_l("Versie"))

    def validate_version(self, field: Any) -> None:
        if not (field.data or "").isdigit():
            raise ValidationError(_l("Het formulier is onvolledig. Laad de pagina opnieuw."))


def _version_problem(form: Any, field: Any) -> None:
    if not (field.data or "").isdigit():
        raise ValidationError(_l("Het formulier is onvolledig. Laad de pagina opnieuw."))


# --- A volunteer's details ------------------------------------------------------------------------------------


def _like_signup(
    field: UnboundField, label: Any, *, swap: Mapping[type, object] | None = None, **changes: Any
) -> UnboundField:
    """A field of the public sign-up form (its type, choices and checks) with the coordinator's label; ``swap``
    replaces the checks whose message speaks to the volunteer ("Vul je voornaam in.") by one that speaks about
    them, ``changes`` overrides other arguments."""
    kwargs = {key: value for key, value in field.kwargs.items() if key != "label"}
    if swap:
        kwargs["validators"] = [swap.get(type(check), check) for check in kwargs.get("validators", [])]
    kwargs.update(changes)
    return field.field_class(label, *field.args[1:], **kwargs)


_signup = VolunteerSignupForm
# Staff edit someone else's details: the browser should not offer their own name, address or number.
_NO_AUTOFILL = {"autocomplete": "off"}


def distance_value(distance_km: float) -> str:
    """A travel distance as the select's value: '3' for 3.0, '2.5' for 2.5."""
    return str(int(distance_km)) if float(distance_km).is_integer() else str(distance_km)


class VolunteerEditForm(SamenForm):
    """A coordinator corrects what the volunteer entered; the checks are the sign-up form's, the words are for
    the coordinator. Capacity and programmes are part of the screening."""

    first_name = _like_signup(
        _signup.first_name,
        _l("Voornaam"),
        swap={DataRequired: DataRequired(_l("Vul de voornaam in."))},
        render_kw=_NO_AUTOFILL,
    )
    last_name = _like_signup(
        _signup.last_name,
        _l("Achternaam"),
        swap={DataRequired: DataRequired(_l("Vul de achternaam in."))},
        render_kw=_NO_AUTOFILL,
    )
    email = _like_signup(
        _signup.email,
        _l("E-mailadres"),
        swap={DataRequired: DataRequired(_l("Vul het e-mailadres in."))},
        render_kw=_NO_AUTOFILL,
    )
    phone = _like_signup(
        _signup.phone,
        _l("Telefoonnummer"),
        swap={DataRequired: DataRequired(_l("Vul het telefoonnummer in."))},
        render_kw=_NO_AUTOFILL,
    )
    birth_date = _like_signup(
        _signup.birth_date,
        _l("Geboortedatum"),
        swap={
            InputRequired: InputRequired(_l("Vul de geboortedatum in.")),
            AgeBetween: AgeBetween(
                MIN_VOLUNTEER_AGE,
                110,
                _l("Met deze geboortedatum is de vrijwilliger nog geen 16 jaar. Controleer de datum."),
            ),
        },
        render_kw={"class": "short", **_NO_AUTOFILL},
    )
    postcode = _like_signup(
        _signup.postcode,
        _l("Postcode"),
        swap={DataRequired: DataRequired(_l("Vul de postcode in."))},
        render_kw={"class": "short", **_NO_AUTOFILL},
    )
    gender = _like_signup(
        _signup.gender, _l("Geslacht"), choices=[*choices(catalogue.GENDERS), SelectChoice("", _l("niet opgegeven"))]
    )
    availability = _like_signup(
        _signup.availability,
        _l("Wanneer kan de vrijwilliger meestal?"),
        swap={DataRequired: DataRequired(_l("Kies minstens één dagdeel waarop de vrijwilliger kan."))},
    )
    languages = _like_signup(_signup.languages, _l("Talen"))
    interests = _like_signup(_signup.interests, _l("Interesses en hobby's"))
    max_distance_km = _like_signup(_signup.max_distance_km, _l("Hoe ver wil de vrijwilliger reizen?"))
    version = HiddenField(validators=[_version_problem])

    def __init__(self, *args: Any, current_distance_km: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keep a travel distance that is not one of the usual choices, so that saving does not change it.
        current = distance_value(current_distance_km) if current_distance_km is not None else ""
        if current and current not in {SelectChoice.from_input(c).value for c in self.max_distance_km.choices}:
            self.max_distance_km.choices = [
                *self.max_distance_km.choices,
                SelectChoice(current, _l("tot %(km)s km", km=current)),
            ]

    def details(self) -> VolunteerDetails:
        postcode, area = self.postcode.parsed
        return VolunteerDetails(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            email=self.email.data or "",
            phone=self.phone.data or "",
            birth_date=self.birth_date.data,
            postcode=postcode,
            pc4=area.pc4,
            gender=Gender(self.gender.data) if self.gender.data else None,
            availability=tuple(self.availability.data or ()),
            languages=tuple(self.languages.data or ()),
            interests=tuple(self.interests.data or ()),
            max_distance_km=float(self.max_distance_km.data),
        )


# --- Planning the intake talk and merging duplicates ----------------------------------------------------------


class PlanIntakeForm(SamenForm):
    """The appointment for the intake talk; its own field names, as it shares a page with the screening form."""

    intake_planned_on = DateField(
        _l("Gepland op"),
        validators=[InputRequired(_l("Vul de datum van het geplande gesprek in."))],
        render_kw={"class": "short"},
    )
    plan_version = HiddenField(validators=[_version_problem])


class MergeForm(SamenForm):
    """Merge a duplicate sign-up into the volunteer who stays, as both were shown on the compare page."""

    kept_version = HiddenField(validators=[_version_problem])
    other_version = HiddenField(validators=[_version_problem])
