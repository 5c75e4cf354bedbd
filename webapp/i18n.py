"""Language choice: Dutch unless the visitor chose English with the language switch."""

from __future__ import annotations

from flask import current_app, request

LANGUAGE_COOKIE = "samen_taal"


def select_locale() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
