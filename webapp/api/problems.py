"""Every API error as ``application/problem+json`` (RFC 9457): type, title, status, detail, and for invalid input
the list of what was wrong where (``errors``: a JSON pointer into the body, or a query parameter's name, and the
message). Titles and details are in the caller's language (Accept-Language; Dutch unless English is asked for),
through the same Flask-Babel catalogue as the web pages, so the source strings are Dutch.

``webapp.errors`` sends every error on an API path here (a 404 or 405 of the routing has no blueprint, so the
choice is made by the path); the web pages keep their HTML error pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

from webapp.extensions import db

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem types are identifiers, not pages to fetch: tag URIs (RFC 4151) name them without promising a document.
# A problem that is just its HTTP status is "about:blank" (RFC 9457, 4.2.1).
TYPE_BASE = "tag:samen.welzijnrijswijk.nl,2026:api:"
BEARER_REALM = 'Bearer realm="samen"'


def problem_type(kind: str | None) -> str:
    return TYPE_BASE + kind if kind else "about:blank"


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one part of the input: ``pointer`` into the JSON body (RFC 6901, as a URI fragment:
    ``#/resident/postcode``), or the name of a query ``parameter``."""

    detail: str
    pointer: str | None = None
    parameter: str | None = None

    def as_json(self) -> dict[str, str]:
        where = {"pointer": self.pointer} if self.pointer is not None else {"parameter": self.parameter or ""}
        return {**where, "detail": self.detail}


class Problem(Exception):
    """An API answer that is an error; raised anywhere in the API, turned into its response by ``response``."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        kind: str | None = None,
        errors: Sequence[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body: dict[str, Any] = {
            "type": problem_type(self.kind),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [error.as_json() for error in self.errors]
        response = current_app.response_class(
            json.dumps(body, ensure_ascii=False), status=self.status, mimetype=PROBLEM_CONTENT_TYPE
        )
        response.headers.update(self.headers)
        response.headers["Content-Language"] = _language()
        return response


def _language() -> str:
    locale = get_locale()
    return str(locale.language) if locale is not None else "nl"


# -- the problems the API raises itself ---------------------------------------------------------------------------


def unauthorized(token_given: bool) -> Problem:
    if token_given:
        detail = _(
            "Deze API-sleutel werkt niet: hij is onbekend of ingetrokken, of de organisatie is niet meer actief. "
            "Vraag de beheerder van Samen om een nieuwe sleutel."
        )
        challenge = f'{BEARER_REALM}, error="invalid_token"'
    else:
        detail = _("Stuur een API-sleutel mee in de kop Authorization: Bearer <sleutel>.")
        challenge = BEARER_REALM
    return Problem(401, _("Niet aangemeld"), detail, kind="niet-aangemeld", headers={"WWW-Authenticate": challenge})


def wrong_role() -> Problem:
    return Problem(
        403,
        _("Geen toegang"),
        _("Deze API-sleutel is niet uitgegeven voor dit gebruik."),
        kind="verkeerde-sleutel",
    )


def not_found() -> Problem:
    return Problem(404, _("Niet gevonden"), _("Dit adres of deze verwijzing bestaat niet."))


def unsupported_media_type() -> Problem:
    return Problem(
        415,
        _("Verkeerd soort inhoud"),
        _("Stuur de inhoud als JSON, met de kop Content-Type: application/json."),
        kind="geen-json",
    )


def malformed_json() -> Problem:
    return Problem(
        400,
        _("Ongeldige JSON"),
        _("De inhoud van het verzoek is geen geldige JSON."),
        kind="ongeldige-json",
    )


def invalid_input(errors: Sequence[FieldProblem]) -> Problem:
    return Problem(
        422,
        _("Ongeldige invoer"),
        _("Niet alle gegevens zijn goed ingevuld. Bij elke fout staat waar en wat er mis is."),
        kind="ongeldige-invoer",
        errors=errors,
    )


# -- invalid input as webargs/marshmallow report it ----------------------------------------------------------------


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _flatten(messages: Any, path: tuple[object, ...]) -> Iterable[tuple[tuple[object, ...], str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            # marshmallow puts problems of the object itself under "_schema".
            yield from _flatten(value, path if key == "_schema" else (*path, key))
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from _flatten(item, path)
    else:
        yield path, str(messages)


def field_problems(messages: Mapping[str, Any]) -> list[FieldProblem]:
    """webargs' ``{location: {field: [message, ...]}}`` as a list of field problems."""
    problems = []
    for location, per_field in messages.items():
        for path, message in _flatten(per_field, ()):
            if location == "query":
                problems.append(FieldProblem(message, parameter=".".join(str(part) for part in path)))
            else:
                problems.append(FieldProblem(message, pointer="#" + "".join(f"/{_escape(part)}" for part in path)))
    return problems


# -- every HTTP error on an API path -------------------------------------------------------------------------------


def from_http_error(error: HTTPException) -> Problem:
    # Imported here: webapp.errors hands API paths to this module.
    from webapp.errors import readable_size, seconds_until_reset

    code = error.code or 500
    data = getattr(error, "data", None) or {}
    if code == 422 and isinstance(data.get("messages"), Mapping):
        return invalid_input(field_problems(data["messages"]))
    if code == 400 and isinstance(data.get("messages"), Mapping):
        # webargs found the body unreadable (the API's own check usually says so first).
        return malformed_json()
    if code == 401:
        return unauthorized(token_given=bool(request.headers.get("Authorization")))
    if code == 403:
        return wrong_role()
    if code == 404:
        return not_found()
    if code == 405:
        allowed = sorted(getattr(error, "valid_methods", None) or ()) if isinstance(error, MethodNotAllowed) else []
        return Problem(
            405,
            _("Niet toegestaan"),
            _("Dit adres kan niet met %(method)s worden gebruikt.", method=request.method),
            headers={"Allow": ", ".join(allowed)} if allowed else None,
        )
    if code == 413:
        size = readable_size(int(current_app.config["MAX_CONTENT_LENGTH"]))
        return Problem(
            413,
            _("Te veel gegevens"),
            _("Het verzoek is te groot: hooguit %(size)s. Er is niets opgeslagen.", size=size),
        )
    if code == 415:
        return unsupported_media_type()
    if code == 429:
        seconds = seconds_until_reset()
        return Problem(
            429,
            _("Te veel verzoeken"),
            _(
                "Met deze API-sleutel zijn in korte tijd te veel verzoeken gedaan. Probeer het over %(num)d seconden "
                "opnieuw.",
                num=seconds,
            ),
            kind="te-veel-verzoeken",
            headers={"Retry-After": str(seconds)},
        )
    if code >= 500:
        return server_error()
    titles = {400: _("Ongeldig verzoek"), 409: _("Conflict")}
    return Problem(code, titles.get(code, _("Er ging iets mis")), _("Het verzoek kon niet worden verwerkt."))


def server_error() -> Problem:
    return Problem(
        500,
        _("Er ging iets mis"),
        _("Er ging iets mis aan onze kant. Er is niets half opgeslagen; probeer het later opnieuw."),
    )


def response_for(error: BaseException) -> Response:
    """The problem response for any error on an API path; a server error rolls the session back first."""
    if isinstance(error, Problem):
        return error.response()
    if isinstance(error, HTTPException) and (error.code or 500) < 500:
        return from_http_error(error).response()
    db.session.rollback()
    return server_error().response()
