"""The consent forms of a resident's and a volunteer's page: record a consent for one purpose, and withdraw one.

Both pages (``residents`` and ``coordination`` blueprints) use them with the same template section
(``templates/consent/_section.html``); the use cases are ``webapp.services.consent``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, Field, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from webapp.clock import local_today
from webapp.enums import ConsentGiver, ConsentMethod, ConsentPurpose
from webapp.forms_common import SamenForm
from webapp.labels import choices_for
from webapp.models import Resident
from webapp.rules import needs_representative
from webapp.services import consent

GIVE_PREFIX = "toestemming"


def withdraw_prefix(purpose: ConsentPurpose) -> str:
    """Each purpose's withdrawal form has its own field names and ids (they share one page)."""
    return f"intrekken-{purpose.value}"


def _not_in_future(form: Any, field: Field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_("De datum van de toestemming kan niet in de toekomst liggen."))


class GiveConsentForm(SamenForm):
    """A coordinator records a consent for a purpose that is not (or no longer) given."""

    purpose = SelectField(_l("Doel"), validators=[InputRequired(_l("Kies het doel van de toestemming."))])
    given_by = RadioField(
        _l("Wie gaf toestemming?"),
        choices=choices_for(ConsentGiver),
        validators=[InputRequired(_l("Kies wie toestemming gaf."))],
    )
    method = RadioField(
        _l("Hoe is de toestemming gegeven?"),
        # "Online" is the person's own tick on Samen's form; a coordinator records a consent given to them.
        choices=choices_for([ConsentMethod.MONDELING, ConsentMethod.SCHRIFTELIJK]),
        validators=[InputRequired(_l("Kies hoe de toestemming is gegeven."))],
    )
    given_on = DateField(
        _l("Datum van de toestemming"),
        validators=[InputRequired(_l("Vul de datum in waarop de toestemming is gegeven.")), _not_in_future],
        render_kw={"class": "short"},
    )
    text_version = StringField(
        _l("Versie van de toestemmingstekst"),
        validators=[
            DataRequired(_l("Vul de versie van de toestemmingstekst in.")),
            Length(
                max=consent.TEXT_VERSION_LENGTH, message=_l("Maximaal %(num)d tekens.", num=consent.TEXT_VERSION_LENGTH)
            ),
        ],
        render_kw={"class": "short", "autocomplete": "off"},
    )

    def __init__(self, *args: Any, open_purposes: list[ConsentPurpose] | None = None, **kwargs: Any) -> None:
        """``open_purposes``: the purposes on offer (those not given); every purpose when not said."""
        super().__init__(*args, **kwargs)
        self.purpose.choices = choices_for(list(ConsentPurpose) if open_purposes is None else open_purposes)
        self.given_on.render_kw = {**(self.given_on.render_kw or {}), "max": local_today().isoformat()}

    def given(self) -> consent.GivenConsent:
        return consent.GivenConsent(
            purpose=ConsentPurpose(self.purpose.data),
            given_by=ConsentGiver(self.given_by.data),
            method=ConsentMethod(self.method.data),
            given_on=self.given_on.data,
            text_version=self.text_version.data or "",
        )


class WithdrawConsentForm(SamenForm):
    """Withdraw one standing consent, with an optional note (why, or how the person said it)."""

    note = TextAreaField(
        _l("Toelichting"),
        validators=[Optional(), Length(max=consent.NOTE_LENGTH, message=_l("Maximaal 1000 tekens."))],
        render_kw={"rows": 2},
    )


def open_purposes(states: list[consent.PurposeState]) -> list[ConsentPurpose]:
    """The purposes a consent can be recorded for: those not (or no longer) given."""
    return [state.purpose for state in states if not state.given]


def give_form(
    person: consent.Person, states: list[consent.PurposeState], text_version: str, formdata: Any = None
) -> GiveConsentForm:
    """The form to record a consent: blank on the page (today, the current text version, and a representative
    preselected for someone under 16), or bound to what was posted."""
    purposes = open_purposes(states)
    if formdata is not None:
        return GiveConsentForm(formdata=formdata, open_purposes=purposes, prefix=GIVE_PREFIX)
    young = needs_representative(person.birth_date, local_today())
    data = {
        "given_on": local_today(),
        "text_version": text_version,
        "given_by": (ConsentGiver.REPRESENTATIVE if young else ConsentGiver.PERSON).value,
    }
    return GiveConsentForm(formdata=None, data=data, open_purposes=purposes, prefix=GIVE_PREFIX)


def withdraw_forms(
    states: list[consent.PurposeState], posted: WithdrawConsentForm | None = None, posted_for: Any = None
) -> dict[ConsentPurpose, WithdrawConsentForm]:
    """One withdrawal form per standing consent (the posted one where a withdrawal was refused)."""
    forms = {}
    for state in states:
        if not state.given:
            continue
        if posted is not None and state.purpose is posted_for:
            forms[state.purpose] = posted
        else:
            forms[state.purpose] = WithdrawConsentForm(formdata=None, prefix=withdraw_prefix(state.purpose))
    return forms


def withdrawal_effect(purpose: ConsentPurpose, person: consent.Person) -> str:
    """What withdrawing this consent does at once, for the warning next to its button."""
    resident = isinstance(person, Resident)
    if purpose is ConsentPurpose.INTAKE_MATCHING:
        if resident:
            return _(
                "De bewoner doet dan niet meer mee aan koppelrondes en kan niet meer gekoppeld worden; open "
                "voorstellen vervallen. Een lopende koppeling stopt niet vanzelf: beëindig die apart als dat nodig is."
            )
        return _(
            "De vrijwilliger kan dan niet meer gekoppeld worden; open voorstellen vervallen. Een lopende koppeling "
            "stopt niet vanzelf: beëindig die apart als dat nodig is."
        )
    if purpose is ConsentPurpose.SHARE_STATUS:
        return _(
            "De verwijzer krijgt dan geen berichten meer over de status en ziet alleen nog dat de toestemming is "
            "ingetrokken."
        )
    if purpose is ConsentPurpose.LONELINESS:
        if resident:
            return _("De bewoner doet dan niet meer mee aan het meten van eenzaamheid.")
        return _("De vrijwilliger doet dan niet meer mee aan het meten van eenzaamheid.")
    if resident:
        return _("De bewoner wordt dan niet meer benaderd voor een evaluatie.")
    return _("De vrijwilliger wordt dan niet meer benaderd voor een evaluatie.")


def section_context(
    person: consent.Person,
    states: list[consent.PurposeState],
    history: list[Any],
    give: GiveConsentForm,
    withdraw: dict[ConsentPurpose, WithdrawConsentForm],
    give_url: str,
    withdraw_url: Any,
) -> dict[str, Any]:
    """What ``templates/consent/_section.html`` shows."""
    return {
        "person": person,
        "states": states,
        "history": history,
        "give_form": give,
        "withdraw_forms": withdraw,
        "give_url": give_url,
        "withdraw_url": withdraw_url,
        "effect": lambda purpose: withdrawal_effect(purpose, person),
        "young": needs_representative(person.birth_date, local_today()),
        "is_resident": isinstance(person, Resident),
    }
