"""The JSON API for partner systems, under ``/api/v1``, described by an OpenAPI 3.1 document generated from the code
(flask-smorest: marshmallow schemas and apispec) at ``/api/v1/openapi.json``.

Who may call it: a system holding a bearer token (``webapp.services.api_tokens``), never a browser's session: the
API reads no cookie, needs no CSRF token and sets no cookie. A referrer token refers residents and follows its
organisation's referrals through the very use cases of the web form; a viewer token reads the coalition's figures
as a viewer sees them. Every error on these paths is ``application/problem+json`` (RFC 9457, ``problems``).

This module stays light: the web app's other parts ask it only whether a request is for the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import has_request_context, request

if TYPE_CHECKING:
    from flask import Flask

API_PREFIX = "/api/v1"


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def is_api_request() -> bool:
    """Whether the current request is for the API (also when no route matched: a 404 or 405 there)."""
    return has_request_context() and is_api_path(request.path)


def register(app: Flask) -> None:
    from webapp.api.setup import init_api

    init_api(app)
