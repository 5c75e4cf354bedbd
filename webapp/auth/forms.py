from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.security import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul uw e-mailadres in."))])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in."))])
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat"))


class ChangePasswordForm(FlaskForm):
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
