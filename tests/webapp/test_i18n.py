"""Languages: Dutch first, English only after the visitor chose it with the language switch in the footer.

The English catalogue (webapp/translations/en) is checked too: every message translated, placeholders intact,
and nothing in the code or templates that was never extracted into it.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webapp import catalogue
from webapp.i18n import LANGUAGE_COOKIE

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "webapp" / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_MO = ENGLISH_PO.with_suffix(".mo")


def read_catalogue(path: Path = ENGLISH_PO) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def compile_english_catalogue() -> None:
    """The .mo is build output (`make translations`); build it here when missing or stale, so `pytest` alone works."""
    if ENGLISH_MO.exists() and ENGLISH_MO.stat().st_mtime >= ENGLISH_PO.stat().st_mtime:
        return
    catalog = read_catalogue()
    # Write next to the target and rename, so a parallel test run never reads half a file.
    handle, temporary = tempfile.mkstemp(dir=ENGLISH_MO.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(handle, "wb") as mo:
            write_mo(mo, catalog)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; pybabel compile would not
        os.replace(temporary, ENGLISH_MO)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@pytest.fixture(autouse=True, scope="module")
def english_catalogue() -> None:
    compile_english_catalogue()


def page_text(response: TestResponse) -> str:
    return html.unescape(response.text)


def switch_to(client: FlaskClient, language: str, next_page: str = "/") -> TestResponse:
    return client.post("/taal", data={"language": language, "next": next_page})


# --- Dutch by default -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/aanmelden"])
def test_pages_are_dutch_by_default(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    text = page_text(response)
    assert '<html lang="nl">' in text
    assert "Aanmelden als vrijwilliger" in text
    assert "Sign up as a volunteer" not in text
    assert "English" in text  # the switch offers the other language


@pytest.mark.parametrize("path", ["/", "/aanmelden"])
def test_the_browser_language_does_not_change_the_language(client: FlaskClient, path: str) -> None:
    """Samen is Dutch first: only the explicit switch changes the language, not Accept-Language."""
    response = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})

    text = page_text(response)
    assert '<html lang="nl">' in text
    assert "Aanmelden als vrijwilliger" in text
    assert "Sign up as a volunteer" not in text


# --- the language switch ----------------------------------------------------------------------------------------


def test_the_switch_sets_the_cookie_and_the_next_page_is_english(client: FlaskClient) -> None:
    response = switch_to(client, "en", "/aanmelden")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/aanmelden")
    set_cookie = response.headers["Set-Cookie"]
    assert f"{LANGUAGE_COOKIE}=en" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None
    assert cookie.value == "en"

    text = page_text(client.get("/aanmelden"))
    assert '<html lang="en">' in text
    assert "Sign up as a volunteer" in text
    assert "Aanmelden als vrijwilliger" not in text
    assert "Nederlands" in text  # the way back


def test_a_visitor_reads_dutch_then_switches_to_english(client: FlaskClient) -> None:
    assert "Aanmelden als vrijwilliger" in page_text(client.get("/"))

    switch_to(client, "en", "/")

    assert "Sign up as a volunteer" in page_text(client.get("/"))


def test_the_home_page_in_english(client: FlaskClient) -> None:
    switch_to(client, "en")

    text = page_text(client.get("/"))

    assert "Sign up as a volunteer" in text
    assert "Staff login" in text
    assert "Privacy statement" in text
    assert "Samen tegen eenzaamheid" not in text


def test_a_validation_message_on_the_sign_up_form_is_english_after_switching(client: FlaskClient) -> None:
    switch_to(client, "en", "/aanmelden")

    response = client.post("/aanmelden", data={"postcode": "12"})

    assert response.status_code == 422
    text = page_text(response)
    assert "Please check the form" in text
    assert "Enter your first name." in text
    assert "Enter a postcode such as 2282 AB." in text
    assert "Vul je voornaam in." not in text
    assert "Controleer het formulier" not in text


def test_a_validation_message_stays_dutch_without_the_switch(client: FlaskClient) -> None:
    response = client.post("/aanmelden", data={}, headers={"Accept-Language": "en"})

    assert response.status_code == 422
    text = page_text(response)
    assert "Vul je voornaam in." in text
    assert "Enter your first name." not in text


def test_switching_back_to_dutch(client: FlaskClient) -> None:
    switch_to(client, "en")
    switch_to(client, "nl")

    text = page_text(client.get("/"))

    assert '<html lang="nl">' in text
    assert "Aanmelden als vrijwilliger" in text


def test_an_unknown_language_is_ignored(client: FlaskClient) -> None:
    response = switch_to(client, "de")

    assert "Set-Cookie" not in response.headers
    assert "Aanmelden als vrijwilliger" in page_text(client.get("/"))


def test_an_unknown_language_in_the_cookie_falls_back_to_dutch(client: FlaskClient) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "fr")

    assert "Aanmelden als vrijwilliger" in page_text(client.get("/"))


def test_the_switch_only_redirects_within_the_site(client: FlaskClient) -> None:
    response = switch_to(client, "en", "https://example.com/")

    assert response.headers["Location"] == "/"


def test_dutch_compound_slot_names_get_a_space_in_english(app: Flask) -> None:
    with app.app_context(), app.test_request_context("/"):
        assert catalogue.slot_label("tue-evening") == "dinsdagavond"
    with app.app_context(), app.test_request_context("/", headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert catalogue.slot_label("tue-evening") == "Tuesday evening"
        assert catalogue.slot_label("sat-morning") == "Saturday morning"


# --- the catalogue itself ---------------------------------------------------------------------------------------


def test_every_message_has_an_english_translation() -> None:
    catalog = read_catalogue()

    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (message.fuzzy or not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]

    assert str(catalog.locale) == "en"
    assert not catalog.fuzzy
    assert untranslated == [], "translate these in webapp/translations/en/LC_MESSAGES/messages.po"


def test_translations_keep_their_placeholders() -> None:
    problems = [(message.id, [str(error) for error in errors]) for message, errors in read_catalogue().check()]

    assert problems == []


def test_every_message_in_the_code_is_in_the_catalogue() -> None:
    """A new _() string that never went through `make extract-messages` would stay Dutch on an English page."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_ngettext": (1, 2)}  # as `make extract-messages`
    in_code = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        in_code.add(message, None, [(filename, lineno)], context=context)

    translated = {message.id for message in read_catalogue() if message.id}
    missing = [message.id for message in in_code if message.id and message.id not in translated]

    assert missing == [], "run `make extract-messages` and translate the new entries"


def test_whole_numbers_read_as_in_each_language(app: Flask) -> None:
    from flask_babel import force_locale

    from webapp.templating import number

    with app.test_request_context("/"):
        assert (number(41087), number(7), number("–")) == ("41.087", "7", "–")
        with force_locale("en"):
            assert number(41087) == "41,087"
