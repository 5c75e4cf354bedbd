"""The search form of the audit trail: a GET form (no CSRF: it changes nothing), every refusal said in Dutch."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, NumberRange, Optional, ValidationError

from webapp.enums import AuditAction, AuditSubject
from webapp.forms_common import SamenForm
from webapp.labels import choices_for

#: The account choice for rows without an account: the public website or a scheduled job.
WITHOUT_ACCOUNT = "geen"


class WholeNumberField(IntegerField):
    """A whole number, refused in Dutch (WTForms' own message is English)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Vul een heel getal in, zoals 12."))) from None


class DayField(DateField):
    """A day as a date input sends it (2026-03-01), refused in Dutch."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Vul een datum in, zoals 1-3-2026."))) from None


def _values(members: Any) -> list[str]:
    return [""] + [str(member.value) for member in members]


class AuditSearchForm(SamenForm):
    """Filters: whose record (kind and number), which account, which action, from and to which day."""

    soort = SelectField(
        _l("Soort dossier"),
        choices=[SelectChoice("", _l("alle soorten")), *choices_for(AuditSubject)],
        validate_choice=False,
        validators=[Optional(), AnyOf(_values(AuditSubject), message=_l("Kies een soort dossier uit de lijst."))],
    )
    nummer = WholeNumberField(
        _l("Nummer"),
        validators=[Optional(), NumberRange(min=1, message=_l("Vul een nummer van 1 of hoger in."))],
        render_kw={"inputmode": "numeric", "class": "short"},
    )
    account = SelectField(_l("Account"), validate_choice=False, validators=[Optional()])
    actie = SelectField(
        _l("Actie"),
        choices=[SelectChoice("", _l("alle acties")), *choices_for(AuditAction)],
        validate_choice=False,
        validators=[Optional(), AnyOf(_values(AuditAction), message=_l("Kies een actie uit de lijst."))],
    )
    van = DayField(_l("Vanaf"), validators=[Optional()])
    tot = DayField(_l("Tot en met"), validators=[Optional()])

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, meta={"csrf": False}, **kwargs)
        self.account.choices = [
            SelectChoice("", _l("alle accounts")),
            SelectChoice(WITHOUT_ACCOUNT, _l("zonder account (website, geplande taak)")),
            *(SelectChoice(str(user_id), name) for user_id, name in accounts),
        ]

    def validate_account(self, field: Any) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(str(_l("Kies een account uit de lijst.")))

    def validate_nummer(self, field: Any) -> None:
        if field.data is not None and not self.soort.data:
            raise ValidationError(str(_l("Kies bij een nummer ook de soort dossier, bijvoorbeeld bewoner.")))

    def validate_tot(self, field: Any) -> None:
        if field.data is not None and self.van.data is not None and field.data < self.van.data:
            raise ValidationError(str(_l("De einddatum ligt vóór de begindatum.")))

    @property
    def filtered(self) -> bool:
        return any(self[name].data not in (None, "") for name in ("soort", "nummer", "account", "actie", "van", "tot"))
