"""Language choice: Dutch unless the visitor chose English with the language switch."""

from __future__ import annotations

from flask import current_app, has_request_context, request

LANGUAGE_COOKIE = "samen_taal"


def select_locale() -> str:
    from webapp.api import is_api_request

    if is_api_request():
        # A partner system has no language switch (and the API reads no cookie): it says what it reads.
        languages = list(current_app.config["LANGUAGES"])
        return str(request.accept_languages.best_match(languages, default=current_app.config["BABEL_DEFAULT_LOCALE"]))
    # Commands and background threads translate too, without a request to ask.
    chosen = request.cookies.get(LANGUAGE_COOKIE, "") if has_request_context() else ""
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
