from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.forms_common import SamenForm
from webapp.security import MIN_PASSWORD_LENGTH


class LoginForm(SamenForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul uw e-mailadres in."))])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in."))])
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat"))


class ChangePasswordForm(SamenForm):
    current = PasswordField(_l("Huidig wachtwoord"), validators=[DataRequired(_l("Vul uw huidige wachtwoord in."))])
    new = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[
            DataRequired(_l("Kies een nieuw wachtwoord.")),
            Length(
                min=MIN_PASSWORD_LENGTH, max=200, message=_l("Kies minstens %(min)d tekens.", min=MIN_PASSWORD_LENGTH)
            ),
        ],
    )
    repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(_l("Herhaal het nieuwe wachtwoord.")),
            EqualTo("new", _l("De twee wachtwoorden zijn niet gelijk.")),
        ],
    )


def _code_field(label: object, *, digits_only: bool) -> StringField:
    attributes = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "class": "short"}
    if digits_only:
        attributes["inputmode"] = "numeric"
    return StringField(
        label,
        validators=[DataRequired(_l("Vul de code in.")), Length(max=40, message=_l("Maximaal 40 tekens."))],
        render_kw=attributes,
    )


class ConfirmTwoFactorForm(SamenForm):
    code = _code_field(_l("Code uit de app (6 cijfers)"), digits_only=True)


class SecondFactorForm(SamenForm):
    # Recovery codes have letters: no numeric keyboard here.
    code = _code_field(_l("Code uit de app, of een herstelcode"), digits_only=False)
