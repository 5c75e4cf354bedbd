"""Error pages in the visitor's language; a 500 rolls the session back. A 429 says how long to wait and whom to
call, a 413 how much may be sent."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, TooManyRequests
from werkzeug.wrappers import Response

from webapp.api import is_api_request
from webapp.extensions import db, limiter


def readable_size(size_bytes: int) -> str:
    """1048576 -> '1 MB', 250000 -> '244 kB' (binary units, as the limit is set)."""
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.3g} MB"
    return f"{max(1, size_bytes // 1024)} kB"


def seconds_until_reset() -> int:
    """Whole seconds (at least 1) until the breached limit's window resets."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    try:
        # The window's own reset time (RequestLimit.reset_at rounds it up by a second: 61 s would read "2 minutes").
        seconds = float(breached.window[0]) - time.time()
    except Exception:  # the storage may have gone away since the limit was checked
        return 1
    return max(1, math.ceil(seconds))


def minutes_until_reset() -> int:
    """Whole minutes (at least 1) until the breached limit's window resets."""
    return math.ceil(seconds_until_reset() / 60)


def _too_many_message() -> str:
    if request.endpoint == "public.volunteer_signup":
        return str(_("Vanaf deze internetverbinding zijn in korte tijd veel aanmeldingen verstuurd."))
    if request.endpoint is not None and request.endpoint.startswith("auth."):
        return str(_("Er is in korte tijd te vaak geprobeerd om in te loggen."))
    return str(_("U heeft het te vaak geprobeerd."))


def _api_problem(error: BaseException) -> Response:
    # The API's callers are systems that read problem+json (RFC 9457), not people who read a page.
    from webapp.api.problems import response_for

    return response_for(error)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        if is_api_request():
            return _api_problem(error)
        message = _(
            "Het formulier was verlopen of onvolledig. Ga terug, laad de pagina opnieuw en probeer het nog eens."
        )
        return render_template("errors/error.html", code=400, title=_("Formulier verlopen"), message=message), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int] | Response:
        if is_api_request():
            return _api_problem(error)
        size = readable_size(int(current_app.config["MAX_CONTENT_LENGTH"]))
        message = _(
            "Wat u verstuurde is te groot: een formulier mag hooguit %(size)s zijn. Er is niets opgeslagen. Ga terug, "
            "maak de tekst korter en verstuur het opnieuw.",
            size=size,
        )
        return render_template("errors/error.html", code=413, title=_("Te veel gegevens"), message=message), 413

    @app.errorhandler(TooManyRequests)
    def too_many(error: TooManyRequests) -> tuple[str, int] | Response:
        if is_api_request():
            return _api_problem(error)
        minutes = minutes_until_reset()
        wait = ngettext(
            "Probeer het over %(num)d minuut opnieuw.", "Probeer het over %(num)d minuten opnieuw.", minutes
        )
        page = render_template(
            "errors/error.html",
            code=429,
            title=_("Even wachten"),
            message=f"{_too_many_message()} {wait}",
            show_contact=True,
        )
        return page, 429

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        if is_api_request():
            return _api_problem(error)
        code = error.code or 500
        titles = {
            400: _("Ongeldig verzoek"),
            403: _("Geen toegang"),
            404: _("Pagina niet gevonden"),
            405: _("Niet toegestaan"),
            409: _("Conflict"),
        }
        messages = {
            403: _("U heeft geen toegang tot deze pagina."),
            404: _("Deze pagina bestaat niet (meer)."),
            405: _("Dit adres kan niet op deze manier worden gebruikt. Ga terug en gebruik de knoppen op de pagina."),
        }
        title = titles.get(code, _("Er ging iets mis"))
        message = messages.get(code, _("Het verzoek kon niet worden verwerkt."))
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int] | Response:
        if is_api_request():
            return _api_problem(error)
        db.session.rollback()
        message = _("Er ging iets mis aan onze kant. Er is niets half opgeslagen; probeer het later opnieuw.")
        page = render_template(
            "errors/error.html", code=500, title=_("Er ging iets mis"), message=message, show_contact=True
        )
        return page, 500
