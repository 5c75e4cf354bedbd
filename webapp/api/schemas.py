"""The API's shapes as marshmallow schemas: what it reads and what it answers. The OpenAPI document is generated from
these (apispec), so the document and the checks never differ.

These check the shape only (types, lengths, the values on offer); what the input means (a known postcode, a phone
number, the programme's age bounds, consent under 16) is checked by the web referral form and the referral use
case, which the API runs as they are. Every message is Dutch (English by Accept-Language) through Flask-Babel.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from webapp import catalogue
from webapp.enums import ConsentGiver, ConsentMethod, ConsentPurpose, FigureKind, Suppression
from webapp.forms_common import CONTROL_CHARACTER_MESSAGE, MULTI_LINE_CONTROLS, SINGLE_LINE_CONTROLS, slot_choices

#: The purposes a referral's consent covers: the web form's one tick stands for both.
REFERRAL_PURPOSES = (ConsentPurpose.INTAKE_MATCHING.value, ConsentPurpose.SHARE_STATUS.value)
#: The codes of the minimal status a referrer sees; "toestemming_ingetrokken": the resident withdrew the consent to
#: share it, and the referrer sees nothing more.
STATUS_CODES = ("ontvangen", "in_behandeling", "gekoppeld", "afgesloten", "toestemming_ingetrokken")
MAX_PAGE = 100_000
MAX_PER_PAGE = 100


def _messages(invalid: Any, **extra: Any) -> dict[str, Any]:
    return {
        "required": _l("Dit veld is verplicht."),
        "null": _l("Dit veld mag niet null zijn."),
        "invalid": invalid,
        "validator_failed": _l("Deze waarde is niet toegestaan."),
        **extra,
    }


def _choice(values: Any) -> validate.OneOf:
    return validate.OneOf(list(values), error=_l("Kies een van de toegestane waarden: {choices}."))


class NoControlCharacters(validate.Validator):
    """The edge check of every web form (``webapp.forms_common``), for the JSON's texts: PostgreSQL refuses a NUL, and
    the other control characters mean nothing in a name or a phone number (a text of lines keeps its line breaks)."""

    def __init__(self, multiline: bool = False) -> None:
        self.pattern = MULTI_LINE_CONTROLS if multiline else SINGLE_LINE_CONTROLS

    def __call__(self, value: str) -> str:
        if self.pattern.search(value):
            raise ValidationError(str(CONTROL_CHARACTER_MESSAGE))
        return value


def text(
    max_length: int, *, required: bool = False, empty_message: Any = None, multiline: bool = False, **kwargs: Any
) -> fields.String:
    validators: list[Any] = [NoControlCharacters(multiline)]
    if empty_message is not None:
        validators.append(validate.Length(min=1, error=empty_message))
    validators.append(validate.Length(max=max_length, error=_l("Maximaal %(num)d tekens.", num=max_length)))
    if not required:
        kwargs.setdefault("load_default", "")
    return fields.String(
        required=required, validate=validators, error_messages=_messages(_l("Vul hier tekst in.")), **kwargs
    )


def choice(values: Any, *, required: bool = False, allow_none: bool = False, **kwargs: Any) -> fields.String:
    if not required:
        kwargs.setdefault("load_default", None)
    return fields.String(
        required=required,
        allow_none=allow_none,
        validate=_choice(values),
        error_messages=_messages(_l("Vul hier tekst in.")),
        **kwargs,
    )


def choices(values: Any, *, required: bool = False, **kwargs: Any) -> fields.List:
    if not required:
        kwargs.setdefault("load_default", list)
    return fields.List(
        choice(values, required=True),
        required=required,
        error_messages=_messages(_l("Geef hier een lijst.")),
        **kwargs,
    )


def day(*, required: bool = False, allow_none: bool = False, **kwargs: Any) -> fields.Date:
    if not required:
        kwargs.setdefault("load_default", None)
    return fields.Date(
        required=required,
        allow_none=allow_none,
        error_messages=_messages(_l("Vul een datum in als JJJJ-MM-DD.")),
        **kwargs,
    )


def nested(schema: type[Schema], **kwargs: Any) -> fields.Nested:
    return fields.Nested(schema, required=True, error_messages=_messages(_l("Geef hier een JSON-object.")), **kwargs)


class StrictSchema(Schema):
    """Input: a field the API does not know is refused, not silently dropped (a typo would otherwise lose data)."""

    class Meta:
        unknown = RAISE

    error_messages = {  # noqa: RUF012 (marshmallow reads it as a class attribute)
        "unknown": _l("Dit veld kent de API niet."),
        "type": _l("Geef hier een JSON-object."),
    }


# -- the referral -------------------------------------------------------------------------------------------------


class ResidentIn(StrictSchema):
    """The resident, as on the web form: what is needed to find a buddy, no more."""

    first_name = text(80, required=True, empty_message=_l("Vul de voornaam in."))
    last_name = text(80, required=True, empty_message=_l("Vul de achternaam in."))
    phone = text(
        30,
        required=True,
        empty_message=_l("Vul het telefoonnummer van de bewoner in."),
        metadata={"description": "Dutch or international, e.g. 06 12345678 or +31 70 1234567."},
    )
    email = text(254)
    postcode = text(
        10,
        required=True,
        empty_message=_l("Vul de postcode in."),
        metadata={"description": "A postcode of Rijswijk or a neighbouring municipality, e.g. 2282 AB."},
    )
    address = text(200)
    birth_date = day(allow_none=True, metadata={"description": "Needed for programmes with age bounds."})
    gender = choice(catalogue.GENDERS, allow_none=True)
    programme = text(
        40,
        required=True,
        empty_message=_l("Kies een programma."),
        metadata={"description": "The code of an active programme, e.g. buddy."},
    )
    interests = choices(catalogue.INTERESTS)
    availability = choices(
        [choice.value for choice in slot_choices()],
        required=True,
        validate=validate.Length(min=1, error=_l("Kies minstens één dagdeel waarop de bewoner kan.")),
        metadata={"description": "Part-days as <day>-<part>, e.g. tue-evening."},
    )
    languages = choices(catalogue.LANGUAGES)
    preferred_gender = choice(catalogue.GENDERS, allow_none=True)
    max_distance_km = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=_choice(catalogue.TRAVEL_DISTANCES_KM),
        error_messages=_messages(_l("Vul hier een geheel getal in.")),
    )


class ConsentIn(StrictSchema):
    """The consent record: who gave it (the resident, or a legal representative: required under 16), on which day,
    how, and for which purposes (a referral needs both)."""

    given_by = choice([giver.value for giver in ConsentGiver], required=True)
    given_on = day(required=True)
    method = choice([ConsentMethod.MONDELING.value, ConsentMethod.SCHRIFTELIJK.value], required=True)
    purposes = choices(
        REFERRAL_PURPOSES,
        required=True,
        validate=validate.Length(equal=len(REFERRAL_PURPOSES), error=_l("Noem beide doelen, elk één keer.")),
        metadata={
            "description": "Both intake_koppelen and status_delen: the consent a referral needs.",
            "uniqueItems": True,
        },
    )

    @validates("purposes")
    def both_purposes(self, value: list[str], **kwargs: Any) -> None:
        if sorted(value) != sorted(REFERRAL_PURPOSES):
            raise ValidationError(
                str(
                    _l(
                        "Een verwijzing kan alleen als de bewoner instemt met beide doelen, elk één keer: "
                        "intake_koppelen en status_delen."
                    )
                )
            )


class ReferralIn(StrictSchema):
    referrer_email = text(
        254,
        required=True,
        empty_message=_l("Vul het e-mailadres van de verwijzer in."),
        metadata={
            "description": "The Samen account of the staff member who refers and recorded the consent: an active "
            "referrer of the token's organisation. Status notices go to this person."
        },
    )
    reason = text(2000, required=True, multiline=True, empty_message=_l("Vul de reden van de verwijzing in."))
    resident = nested(ResidentIn)
    consent = nested(ConsentIn)


class ReferralOut(Schema):
    """The minimal status, exactly what a referrer sees in the web app: never notes, volunteers or matches."""

    id = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True, metadata={"description": "When the referral was sent."})
    status = fields.String(required=True, validate=validate.OneOf(STATUS_CODES))
    status_label = fields.String(required=True, metadata={"description": "The status in the caller's language."})
    status_since = fields.AwareDateTime(allow_none=True, required=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True, required=True)
    consent_withdrawn = fields.Boolean(
        required=True, metadata={"description": "The resident withdrew the consent to share the status."}
    )
    message = fields.String(allow_none=True, required=True)


class PageQuery(StrictSchema):
    """A page of a list; a query parameter the API does not know is refused like an unknown field."""

    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE, error=_l("Kies een getal van {min} tot en met {max}.")),
        error_messages=_messages(_l("Vul hier een geheel getal in.")),
    )
    per_page = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_PER_PAGE, error=_l("Kies een getal van {min} tot en met {max}.")),
        error_messages=_messages(_l("Vul hier een geheel getal in.")),
    )


class ReferralPage(Schema):
    items = fields.List(fields.Nested(ReferralOut), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


# -- the coalition's figures --------------------------------------------------------------------------------------


class FigureColumn(Schema):
    key = fields.String(required=True)
    heading = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([kind.value for kind in FigureKind]))


class FigureCell(Schema):
    column = fields.String(required=True)
    value = fields.Raw(
        required=True,
        allow_none=True,
        metadata={
            "type": ["number", "string", "null"],
            "description": "The figure (a text for a row's label); null when hidden or when there is none.",
        },
    )
    hidden = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf([reason.value for reason in Suppression]),
        metadata={"description": "Why a viewer does not see the figure; null when shown."},
    )
    shown = fields.String(required=True, metadata={"description": "As the dashboard shows it, e.g. <5 or –."})


class FigureRow(Schema):
    key = fields.String(required=True)
    total = fields.Boolean(required=True)
    cells = fields.List(fields.Nested(FigureCell), required=True)


class FigureTable(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    note = fields.String(required=True)
    columns = fields.List(fields.Nested(FigureColumn), required=True)
    rows = fields.List(fields.Nested(FigureRow), required=True)


class Figures(Schema):
    date = fields.Date(required=True)
    min_cell = fields.Integer(required=True, metadata={"description": "The fewest people a number may come from."})
    suppressed = fields.Boolean(required=True)
    tables = fields.List(fields.Nested(FigureTable), required=True)


# -- problems (RFC 9457) ------------------------------------------------------------------------------------------


class FieldProblemOut(Schema):
    pointer = fields.String(metadata={"description": "A JSON pointer into the body, as a URI fragment."})
    parameter = fields.String(metadata={"description": "The query parameter."})
    detail = fields.String(required=True)


class ProblemOut(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldProblemOut))
