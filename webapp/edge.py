"""What every request and response passes at the edge of the app: the proxy in front, security headers, input
that must never reach the database, and logs without personal data.

Input: whole numbers in the path (``<int:...>``) and in query arguments read with ``type=int`` stay within the
database's integer range (a larger number is "not found" or "not given", never an overflow in PostgreSQL);
control characters never reach a query argument, a path or a redirect; query arguments that pager links pass on
to ``url_for`` never collide with its own arguments (``link_args``). Form fields are checked by the forms
themselves (``webapp.forms_common.SamenForm``), the request body's size by ``MAX_CONTENT_LENGTH`` (413).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

from webapp import logs

# PostgreSQL's ``integer``, the type of every id and counter column.
DATABASE_INTEGER_MIN = -(2**31)
DATABASE_INTEGER_MAX = 2**31 - 1

# Scripts, styles, fonts and images only from the app itself (no inline script or style: templates have none,
# tests/webapp/test_edge.py keeps it so); no framing (the approve buttons cannot be clicked through another page).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"
# An SVG image served at its own address (the coalition's charts, drawn on the server): nothing in it may load or
# run anything; only its own inline styles apply (matplotlib writes them). A view sets it with ``image_policy``:
# ``add_security_headers`` only fills in what a response does not carry yet.
SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

# C0 control characters and DEL: nothing a person types in a URL.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")
# url_for's own keyword arguments: a query argument of that name must not reach it (TypeError, BuildError).
URL_FOR_ARGUMENTS = frozenset({"endpoint", "_anchor", "_method", "_scheme", "_external"})


def within_database_integer(value: int) -> bool:
    return DATABASE_INTEGER_MIN <= value <= DATABASE_INTEGER_MAX


class EdgeParameters(ImmutableMultiDict[str, str]):
    """Query and form arguments whose ``get(..., type=int)`` gives the default for a number the database cannot hold,
    as it does for text that is no number at all (``?pagina=99999999999999999999`` is page 1, not an overflow)."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        value = super().get(key, default=default, type=type)
        if type is int and isinstance(value, int) and not within_database_integer(value):
            return default
        return value


class EdgeRequest(Request):
    parameter_storage_class = EdgeParameters

    @cached_property
    def args(self) -> EdgeParameters:
        """The query arguments without control characters in names or values (a NUL in a search term would stop
        PostgreSQL; none means anything in a URL)."""
        pairs = parse_qsl(self.query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        return EdgeParameters(
            (CONTROL_CHARACTERS.sub("", name), CONTROL_CHARACTERS.sub("", value)) for name, value in pairs
        )


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:...>`` up to the largest id the database holds: a larger number is not found (404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = DATABASE_INTEGER_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def link_args(changes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The current page's path and query arguments for a link to another page of the same list (the pagers), with
    ``changes``: query arguments named like url_for's own or like a path argument are left out."""
    path_args = dict(request.view_args or {})
    query = {
        name: value
        for name, value in request.args.items()
        if name not in URL_FOR_ARGUMENTS and not name.startswith("_") and name not in path_args
    }
    return {**query, **path_args, **(changes or {})}


def image_policy(response: Response) -> Response:
    """An SVG response's own, stricter Content-Security-Policy (instead of the pages' one)."""
    response.headers["Content-Security-Policy"] = SVG_CONTENT_SECURITY_POLICY
    return response


def _percent_encode_controls(location: str) -> str:
    return CONTROL_CHARACTERS.sub(lambda match: f"%{ord(match.group()):02X}", location)


def register(app: Flask) -> None:
    proxies = int(app.config["SAMEN_PROXY_COUNT"])
    if proxies:
        # Trust exactly the configured number of proxies for the client's address and scheme (rate limits, HSTS).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    # Before the blueprints register their rules: the converter is looked up when a rule is added.
    app.url_map.converters["int"] = DatabaseIntegerConverter
    app.request_class = EdgeRequest
    app.add_template_global(link_args, "link_args")
    _guard_redirects(app)
    logs.configure(app)

    @app.before_request
    def refuse_control_characters_in_the_path() -> None:
        if CONTROL_CHARACTERS.search(request.path):
            abort(404)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["SAMEN_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static":
            # Every page but the style sheets may show a person's data (a signed-in user's name is on every page,
            # the sign-up form echoes what was typed): no copy in the browser's or a proxy's cache.
            headers["Cache-Control"] = "no-store"
        return response


def _guard_redirects(app: Flask) -> None:
    """A redirect never carries a control character: a typed ``next`` with a line break would otherwise make
    Werkzeug refuse the Location header (a 500)."""
    redirect = app.redirect

    def redirect_without_control_characters(location: str, code: int = 302) -> Any:
        return redirect(_percent_encode_controls(location), code)

    app.redirect = redirect_without_control_characters  # type: ignore[method-assign]
