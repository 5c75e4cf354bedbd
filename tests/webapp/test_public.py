"""The public volunteer form at /aanmelden: the language switch that keeps what was typed, the week grid's markup
for narrow phones, the autocomplete hints, and the words the public pages use for the talk with a coordinator.

(The grid's fit on a 360 px phone is a matter of CSS; it was checked with screenshots in Chromium.)
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.webapp.test_i18n import compile_english_catalogue
from webapp.extensions import db
from webapp.i18n import LANGUAGE_COOKIE
from webapp.models import Role, Volunteer


@pytest.fixture(autouse=True, scope="module")
def english_catalogue() -> None:
    compile_english_catalogue()


def signup_data(**overrides: Any) -> dict[str, Any]:
    """A valid sign-up post; pass ``field=None`` to leave a field out."""
    data: dict[str, Any] = {
        "first_name": "Anna",
        "last_name": "de Vries",
        "email": "anna@example.org",
        "phone": "06 12345678",
        "birth_date": "1990-05-17",
        "postcode": "2282 AB",
        "gender": "vrouw",
        "programmes": ["buddy", "bewegen"],
        "interests": ["wandelen", "koken"],
        "availability": ["tue-evening", "sat-morning", "sun-afternoon"],
        "languages": ["nl", "en"],
        "max_distance_km": "5",
        "capacity": "2",
        "motivation": "Ik wandel graag en heb tijd over.",
        "lonely_themselves": "y",
        "consent": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def switch_language(client: FlaskClient, data: dict[str, Any], language: str = "en") -> Any:
    """What the footer's language button on the sign-up page sends: the form, and the language it asks for."""
    return client.post("/aanmelden", data={**data, "taal": language})


class FormState(HTMLParser):
    """What a browser would send for the page's sign-up form: text values, checked boxes and radios, chosen
    options, textarea contents; and every form control's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.controls: dict[str, list[dict[str, str]]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag in ("input", "select", "textarea") and name:
            self.controls.setdefault(name, []).append(attributes)
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._add(name, attributes.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._add(name, attributes.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self._add(self._select, attributes.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one line break right after <textarea> (HTML parsing rules); so does this.
            typed = self.values[self._textarea][-1]
            self.values[self._textarea][-1] = re.sub(r"\A\r?\n", "", typed)
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data


def form_state(html: str) -> FormState:
    parser = FormState()
    parser.feed(html)
    return parser


def _volunteers() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Volunteer)) or 0)


# --- The language switch on the sign-up page keeps what was typed -----------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["first_name", "last_name", "email", "phone", "birth_date", "postcode", "motivation"],
)
def test_switching_the_language_keeps_the_typed_text(client: FlaskClient, name: str) -> None:
    typed = signup_data()

    response = switch_language(client, typed)

    assert form_state(response.text).values[name] == [typed[name]]


@pytest.mark.parametrize("name", ["programmes", "interests", "languages"])
def test_switching_the_language_keeps_the_ticked_choices(client: FlaskClient, name: str) -> None:
    typed = signup_data()

    response = switch_language(client, typed)

    assert form_state(response.text).values[name] == typed[name]


def test_switching_the_language_keeps_the_week_grid(client: FlaskClient) -> None:
    typed = signup_data()

    response = switch_language(client, typed)

    assert form_state(response.text).values["availability"] == typed["availability"]


@pytest.mark.parametrize("name", ["lonely_themselves", "consent"])
def test_switching_the_language_keeps_the_ticked_boxes(client: FlaskClient, name: str) -> None:
    response = switch_language(client, signup_data())

    assert form_state(response.text).values[name] == ["y"]


def test_switching_the_language_keeps_an_unticked_box_unticked(client: FlaskClient) -> None:
    response = switch_language(client, signup_data(lonely_themselves=None))

    assert "lonely_themselves" not in form_state(response.text).values


def test_switching_the_language_keeps_no_language_when_all_were_unticked(client: FlaskClient) -> None:
    response = switch_language(client, signup_data(languages=None))

    assert "languages" not in form_state(response.text).values


@pytest.mark.parametrize(("name", "value"), [("gender", "vrouw"), ("max_distance_km", "5"), ("capacity", "2")])
def test_switching_the_language_keeps_the_radio_and_select_choices(client: FlaskClient, name: str, value: str) -> None:
    response = switch_language(client, signup_data())

    assert form_state(response.text).values[name] == [value]


def test_switching_the_language_keeps_half_typed_input_as_typed(client: FlaskClient) -> None:
    response = switch_language(client, signup_data(birth_date="1990-05", postcode="22"))

    state = form_state(response.text).values
    assert (state["birth_date"], state["postcode"]) == (["1990-05"], ["22"])


def test_switching_the_language_renders_the_form_in_that_language(client: FlaskClient) -> None:
    response = switch_language(client, signup_data())

    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert '<label for="first_name">First name</label>' in response.text


def test_switching_the_language_remembers_it_in_the_cookie(client: FlaskClient) -> None:
    response = switch_language(client, signup_data())

    set_cookie = response.headers["Set-Cookie"]
    assert f"{LANGUAGE_COOKIE}=en" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    assert '<html lang="en">' in client.get("/aanmelden").text


def test_switching_back_to_dutch_keeps_the_input_too(client: FlaskClient) -> None:
    switch_language(client, signup_data(), "en")

    response = switch_language(client, signup_data(first_name="Bea"), "nl")

    assert '<html lang="nl">' in response.text
    assert form_state(response.text).values["first_name"] == ["Bea"]


def test_switching_the_language_stores_nothing(client: FlaskClient) -> None:
    response = switch_language(client, signup_data())

    assert response.status_code == 200
    assert _volunteers() == 0


def test_switching_the_language_shows_no_error_messages(client: FlaskClient) -> None:
    response = switch_language(client, {"first_name": "Anna", "postcode": "9999 AA"})

    assert response.status_code == 200
    assert "error-summary" not in response.text
    assert "field-error" not in response.text
    assert "has-error" not in response.text


def test_an_unknown_language_is_an_ordinary_submission(client: FlaskClient) -> None:
    response = switch_language(client, {"first_name": "Anna"}, "fr")

    assert response.status_code == 422
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")
    assert '<html lang="nl">' in response.text


def test_a_sign_up_without_the_switch_is_still_stored(client: FlaskClient) -> None:
    response = client.post("/aanmelden", data=signup_data())

    assert response.status_code == 302
    assert _volunteers() == 1


def test_switching_the_language_without_a_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True

    response = switch_language(client, signup_data())

    assert response.status_code == 400
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")


def test_switching_the_language_with_the_forms_csrf_token_works(app: Flask, client: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    token = form_state(client.get("/aanmelden").text).values["csrf_token"][0]

    response = switch_language(client, signup_data(csrf_token=token))

    assert response.status_code == 200
    assert form_state(response.text).values["first_name"] == ["Anna"]
    assert form_state(response.text).values["csrf_token"][0]


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "SAMEN_SIGNUP_LIMIT": "1 per hour"}])
def test_switching_the_language_does_not_use_up_the_sign_up_limit(client: FlaskClient) -> None:
    switch_language(client, signup_data())
    switch_language(client, signup_data(), "nl")

    first = client.post("/aanmelden", data=signup_data())
    second = client.post("/aanmelden", data=signup_data(email="tweede@example.org"))

    assert (first.status_code, second.status_code) == (302, 429)


# --- The switch's markup: a button of the sign-up form, without JavaScript ---------------------------------------


def _language_buttons(html: str) -> list[str]:
    return re.findall(r'<button [^>]*name="taal"[^>]*>', html)


def test_the_sign_up_pages_switch_is_a_button_that_submits_the_sign_up_form(client: FlaskClient) -> None:
    response = client.get("/aanmelden")

    (button,) = _language_buttons(response.text)
    assert 'form="aanmelding"' in button
    assert 'formaction="/aanmelden"' in button
    assert "formnovalidate" in button
    assert 'value="en"' in button
    assert '<form method="post" action="/aanmelden" class="stacked" id="aanmelding" novalidate>' in response.text
    assert 'action="/taal"' not in response.text


def test_the_sign_up_forms_own_button_comes_first_so_enter_sends_the_form(client: FlaskClient) -> None:
    response = client.get("/aanmelden")

    assert response.text.index("Aanmelding versturen</button>") < response.text.index('name="taal"')


@pytest.mark.parametrize("path", ["/", "/privacy", "/aanmelden/bedankt"])
def test_other_pages_keep_the_ordinary_language_switch(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert 'action="/taal"' in response.text
    assert _language_buttons(response.text) == []


# --- The week grid on a narrow phone ----------------------------------------------------------------------------


def test_the_week_grid_has_short_day_names_beside_the_full_ones(client: FlaskClient) -> None:
    response = client.get("/aanmelden")

    assert '<span class="day-full">maandag</span><span class="day-short" aria-hidden="true">ma</span>' in response.text
    assert '<span class="day-full">zondag</span><span class="day-short" aria-hidden="true">zo</span>' in response.text


def test_the_week_grids_short_day_names_in_english(client: FlaskClient) -> None:
    client.post("/taal", data={"language": "en", "next": "/aanmelden"})

    response = client.get("/aanmelden")

    assert (
        '<span class="day-full">Wednesday</span><span class="day-short" aria-hidden="true">Wed</span>' in response.text
    )


def test_every_slot_keeps_its_full_label_for_screen_readers(client: FlaskClient) -> None:
    response = client.get("/aanmelden")

    labels = re.findall(
        r'<label for="availability-([a-z]+-[a-z]+)" class="visually-hidden">([^<]+)</label>', response.text
    )
    assert len(labels) == 21
    assert ("tue-evening", "dinsdagavond") in labels


def test_the_week_grid_keeps_its_full_day_names_with_an_error_shown(client: FlaskClient) -> None:
    response = client.post("/aanmelden", data=signup_data(availability=None))

    assert response.status_code == 422
    assert "Kies minstens één dagdeel waarop je kunt." in response.text
    assert '<span class="day-full">woensdag</span>' in response.text


# --- Autocomplete hints -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("first_name", "given-name"),
        ("last_name", "family-name"),
        ("email", "email"),
        ("phone", "tel"),
        ("birth_date", "bday"),
        ("postcode", "postal-code"),
    ],
)
def test_the_sign_up_form_has_autocomplete_hints(client: FlaskClient, name: str, hint: str) -> None:
    response = client.get("/aanmelden")

    (control,) = form_state(response.text).controls[name]
    assert control["autocomplete"] == hint


def test_the_honeypot_is_never_filled_in_by_the_browser(client: FlaskClient) -> None:
    response = client.get("/aanmelden")

    (control,) = form_state(response.text).controls["website"]
    assert control["autocomplete"] == "off"


@pytest.mark.parametrize("name", ["first_name", "last_name", "email", "phone", "postcode", "address"])
def test_the_referral_form_asks_the_browser_not_to_fill_in_the_referrers_own_details(
    make: Any, auth: Any, client: FlaskClient, name: str
) -> None:
    """Partner staff type in someone else's details: the browser's own name, e-mail and address would be wrong."""
    referrer = make.user(Role.REFERRER)
    db.session.commit()
    auth.login_as(referrer)

    response = client.get("/verwijzingen/nieuw")

    (control,) = form_state(response.text).controls[name]
    assert control["autocomplete"] == "off"


# --- Words ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/aanmelden", "/aanmelden/bedankt", "/privacy"])
def test_the_public_pages_call_the_volunteers_talk_an_intake_talk(client: FlaskClient, path: str) -> None:
    text = client.get(path).text

    assert "intakegesprek" in text.lower()
    assert "kennismakingsgesprek" not in text.lower()
