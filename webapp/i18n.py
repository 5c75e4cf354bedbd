"""Language choice: Dutch unless the visitor chose English with the language switch."""

from __future__ import annotations

from flask import current_app, has_request_context, request

LANGUAGE_COOKIE = "samen_taal"


def select_locale() -> str:
    # Commands and background threads translate too, without a request to ask.
    chosen = request.cookies.get(LANGUAGE_COOKIE, "") if has_request_context() else ""
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
