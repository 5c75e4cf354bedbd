"""Error pages in the visitor's language; a 500 rolls the session back."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        message = _(
            "Het formulier was verlopen of onvolledig. Ga terug, laad de pagina opnieuw en probeer het nog eens."
        )
        return render_template("errors/error.html", code=400, title=_("Formulier verlopen"), message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        titles = {
            400: _("Ongeldig verzoek"),
            403: _("Geen toegang"),
            404: _("Pagina niet gevonden"),
            405: _("Niet toegestaan"),
            409: _("Conflict"),
            429: _("Te veel pogingen"),
        }
        messages = {
            403: _("U heeft geen toegang tot deze pagina."),
            404: _("Deze pagina bestaat niet (meer)."),
            429: _("U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
        }
        title = titles.get(code, _("Er ging iets mis"))
        message = messages.get(code, _("Het verzoek kon niet worden verwerkt."))
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        message = _("Er ging iets mis aan onze kant. Er is niets half opgeslagen; probeer het later opnieuw.")
        return render_template("errors/error.html", code=500, title=_("Er ging iets mis"), message=message), 500
