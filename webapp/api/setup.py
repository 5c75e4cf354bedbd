"""Binding the API to the app: flask-smorest's ``Api`` (the OpenAPI 3.1 document), the blueprint, its rate limit per
token, its exemption from CSRF, and the problem responses in the document."""

from __future__ import annotations

import http
from typing import Any

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from webapp.api import API_PREFIX
from webapp.api.problems import PROBLEM_CONTENT_TYPE, Problem
from webapp.api.schemas import ProblemOut
from webapp.extensions import csrf
from webapp.security import token_hash

DESCRIPTION = """\
The API of Samen for the partner systems of the coalition against loneliness in Rijswijk.

Every request carries a bearer token (`Authorization: Bearer samen_...`) that an admin of Samen issued for one
organisation and one purpose: **referrer** (refer residents with their consent, follow the organisation's
referrals) or **viewer** (the coalition's figures, as a viewer sees them on the dashboard). A token is limited to
a number of requests per minute. Every error is `application/problem+json` (RFC 9457), in Dutch or, with
`Accept-Language: en`, in English; invalid input lists each problem with a JSON pointer into the body.
"""


class SamenApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, with Samen's errors: ``webapp.errors`` answers every error (problem+json on the API's
    paths, the HTML pages elsewhere), and the document describes them as problem+json."""

    ERROR_SCHEMA = ProblemOut
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self) -> None:
        # flask-smorest would answer every HTTPException of the whole app with its own JSON, HTML pages included.
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict[str, Any] = {"description": "An error, as application/problem+json", "schema": ProblemOut}
        prepare_response(default, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def api_token_key() -> str:
    """The rate limit's key: the token presented (as a hash), else the caller's address. Checked before the token
    is looked up, so that guessing keys costs as much as using one."""
    header = request.headers.get("Authorization", "")
    if header:
        return f"api-token:{token_hash(header)[:32]}"
    return f"api-anonymous:{get_remote_address()}"


def api_limit() -> str:
    return str(current_app.config["SAMEN_API_LIMIT"])


def init_api(app: Flask) -> None:
    from webapp.api.routes import bp

    config = app.config
    config.setdefault("API_TITLE", "Samen API")
    config.setdefault("API_VERSION", "1")
    config.setdefault("OPENAPI_VERSION", "3.1.0")
    config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    # One Api per app (tests make many apps); the blueprint and its views are the same for all.
    api = SamenApi(app, spec_kwargs={"info": {"description": DESCRIPTION}, "servers": [{"url": "/"}]})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token issued by an admin of Samen."}
    )
    # Bearer tokens, no cookies: nothing a browser sends along on its own can act here, so CSRF has nothing to guard.
    csrf.exempt(bp)
    api.register_blueprint(bp)
    app.register_error_handler(Problem, lambda problem: problem.response())
