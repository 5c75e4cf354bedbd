"""Hypothesis fuzzing of the public sign-up form, the sign-in and the referral form, through the test client.

Each example fills in the form as the page offers it (its inputs, options and checkboxes are read from the page
itself, so a new field is fuzzed as soon as it is on the page): every field valid, except a few chosen fields that get
something hostile: control characters (NUL and the other C0 controls), values far over their column's length, odd
unicode (combining marks, right-to-left marks, emoji with joiners, very long words, non-characters), empty and
whitespace-only values, options that are not on offer, missing fields. The oracle:

* no response is a server error;
* a submission with only valid fields is accepted (302) and stored once;
* a submission that is refused answers 422 with at least one message, every one of them Dutch (a source string of
  the app, or a Dutch WTForms message), and stores nothing (every table keeps its row count);
* a control character in a text field is always refused with its own message, a value longer than its column always
  refused.

One database per Hypothesis run (the ``app`` fixture); each example uses a fresh client. Figures are printed.
"""

from __future__ import annotations

import gettext
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import wtforms
from babel.messages.extract import extract_from_dir
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import PASSWORD, Factories
from webapp.extensions import Base, db
from webapp.forms_common import CONTROL_CHARACTER_MESSAGE, SINGLE_LINE_CONTROLS
from webapp.models import Programme, Referral, Role, User, Volunteer
from webapp.services.residents import has_age_bounds

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(__import__("os").environ.get("FUZZ_EXAMPLES", "500"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- what a page offers -----------------------------------------------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str  # text, email, tel, date, password, hidden, textarea, radio, checkbox, select
    options: list[str] = field(default_factory=list)
    required: bool = False


class FormControls(HTMLParser):
    """The controls of the page's form with a ``method="post"`` and the most controls (not the footer's switch)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Control]] = []
        self._select: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({})
            return
        if not self.forms:
            return
        controls = self.forms[-1]
        name = attributes.get("name", "")
        if tag == "option" and self._select is not None:
            self._select.options.append(attributes.get("value", ""))
        if not name or tag not in ("input", "select", "textarea"):
            return
        kind = {"select": "select", "textarea": "textarea"}.get(tag, attributes.get("type", "text"))
        if kind in ("submit", "button"):
            return
        control = controls.setdefault(name, Control(name, kind, required="required" in attributes))
        if kind in ("radio", "checkbox"):
            control.options.append(attributes.get("value", "y"))
        if tag == "select":
            self._select = control

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def controls_of(page: str) -> dict[str, Control]:
    parser = FormControls()
    parser.feed(page)
    controls = max(parser.forms, key=len)
    controls.pop("csrf_token", None)
    return controls


# -- what is Dutch --------------------------------------------------------------------------------------------


def _pattern(message: str) -> str:
    return "".join(
        ".+?" if re.fullmatch(r"%\(\w+\)[sd]", part) else re.escape(part)
        for part in re.split(r"(%\(\w+\)[sd])", message)
    )


def _dutch_messages() -> re.Pattern[str]:
    """Every message the app can show (its source strings are Dutch) and WTForms' own Dutch messages."""
    keywords = {
        "_": None,
        "_l": None,
        "gettext": None,
        "lazy_gettext": None,
        "ngettext": (1, 2),
        "lazy_ngettext": (1, 2),
    }
    messages: set[str] = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "webapp"), method_map=[("**.py", "python")], keywords=keywords
    ):
        messages.update([message] if isinstance(message, str) else [m for m in message if m])
    catalogue = gettext.translation("wtforms", localedir=wtforms.i18n.messages_path(), languages=["nl"])
    messages.update(value for value in catalogue._catalog.values() if isinstance(value, str) and value)  # type: ignore[attr-defined]
    return re.compile("|".join(sorted((_pattern(m) for m in messages if m.strip()), key=len, reverse=True)))


DUTCH = _dutch_messages()
FIELD_ERROR = re.compile(r'<p class="field-error"[^>]*><span class="visually-hidden">[^<]*</span>\s*(.*?)</p>', re.S)
ERROR_SUMMARY = re.compile(r'<div class="error-summary".*?</ul>', re.S)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def shown_messages(page: str) -> list[str]:
    """The inline messages at the fields and the lines of the error summary ("Label: message")."""
    summary = ERROR_SUMMARY.search(page)
    lines = [_text(item) for item in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)] if summary else []
    return [_text(message) for message in FIELD_ERROR.findall(page)] + lines


def is_dutch(message: str) -> bool:
    """A Dutch message, alone or after the field's label ("Voornaam: Vul je voornaam in.")."""
    candidates = [message] + [message.split(": ", n)[-1] for n in range(1, message.count(": ") + 1)]
    return any(DUTCH.fullmatch(candidate) for candidate in candidates)


# -- values ---------------------------------------------------------------------------------------------------

NAMES = ["Anna", "Zoë", "José", "Nguyễn Thị", "Ağca", "Ǆemal", "O'Brien", "Jan-Willem", "محمد", "Åsa", "Małgorzata"]
SENTENCES = [
    "Ik wandel graag en heb tijd over.",
    "Sinds het overlijden van haar man komt ze de deur niet meer uit.\r\nZe houdt van koken.",
    "Ik spreek Nederlands en een beetje Turks 😊",
    "Twee regels\r\n\tmet een tab ervoor.",
]
TODAY = date.today()
# Invisible or odd, but text: combining marks, bidi marks and overrides, joiners, emoji sequences, a BOM, the last
# code points of the planes.
ODD_UNICODE = [
    "e\u0301\u0301\u0301", "\u200f", "\u202e", "\u200d", "\u2066", "👩\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "\ufeff",
    "\uffff", "\U0010fffd", "\u00a0", "\u3000", "ﷺ", "Z\u0351\u0352\u0353\u0354\u0355",
]  # fmt: skip
C0_CONTROLS = [chr(code) for code in range(32)] + ["\x7f"]
LONG_VALUE_LENGTHS = st.integers(min_value=81, max_value=6000)


def _valid_text(control: Control, context: FuzzContext) -> st.SearchStrategy[Any]:
    name = control.name
    if name in context.valid:
        return context.valid[name]
    if control.kind == "email" or name == "email":
        return st.integers(0, 10**9).map(lambda n: f"persoon{n}@example.org")
    if control.kind == "tel" or name == "phone":
        return st.sampled_from(["06 12345678", "070 1234567", "+31 6 1234 5678", "(070) 123-4567"])
    if name == "postcode":
        return st.sampled_from(["2282 AB", "2285aa", "2281 ZZ", "2288 GD"])
    if name == "website":
        return st.just("")
    if control.kind == "date":
        return st.integers(20, 80).map(lambda years: (TODAY - timedelta(days=365 * years)).isoformat())
    if control.kind == "textarea":
        return st.sampled_from(SENTENCES)
    if name in ("first_name", "last_name"):
        return st.sampled_from(NAMES)
    return st.sampled_from(["Herenstraat 12", "Huis van de Stad", "Bibliotheek Rijswijk"])


def _valid(control: Control, context: FuzzContext) -> st.SearchStrategy[list[str]]:
    if control.kind in ("radio", "select"):
        options = [option for option in control.options if option not in context.not_valid_options]
        return st.sampled_from(options).map(lambda value: [value])
    if control.kind == "checkbox":
        if len(control.options) > 1:  # a group: at least one ticked
            return st.lists(st.sampled_from(control.options), min_size=1, max_size=4, unique=True)
        ticked = [control.options[0]]
        return (
            st.just(ticked) if control.required or control.name in context.must_tick else st.sampled_from([[], ticked])
        )
    return _valid_text(control, context).map(lambda value: [value])


def _hostile_text() -> st.SearchStrategy[str]:
    base = st.sampled_from([*NAMES, "", " "])
    return st.one_of(
        st.tuples(base, st.sampled_from(C0_CONTROLS), base).map("".join),
        st.tuples(base, LONG_VALUE_LENGTHS).map(lambda pair: pair[0] + "a" * pair[1]),  # a very long word
        st.tuples(LONG_VALUE_LENGTHS, st.sampled_from(NAMES)).map(lambda pair: " ".join([pair[1]] * pair[0])),
        st.lists(st.sampled_from(ODD_UNICODE + NAMES), min_size=1, max_size=30).map("".join),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
        st.sampled_from(["", " ", "\u00a0", "   \t  "]),
        st.sampled_from(["0" * 40, "9" * 30, "-1", "2020-02-30", "31-12-1999", "99999-01-01", "@", "a@b", "<b>x</b>"]),
    )


BLANKS = ["", " ", "\u00a0", "   \t  ", "\u3000"]


def _hostile(control: Control) -> st.SearchStrategy[list[str] | None]:
    """Something hostile for one field: missing, hostile text; for a choice also blanks, an option padded with
    spaces or in capitals (not the option), several values, an option sent twice."""
    strategies: list[st.SearchStrategy[Any]] = [st.none(), _hostile_text().map(lambda value: [value])]
    if control.kind in ("radio", "select", "checkbox"):
        offered = [option for option in control.options if option] or ["x"]
        near_misses = st.sampled_from(offered).flatmap(
            lambda option: st.sampled_from([f" {option}", f"{option} ", option.upper() + "X", option * 2])
        )
        strategies += [
            st.sampled_from(BLANKS).map(lambda value: [value]),
            near_misses.map(lambda value: [value]),
            st.lists(st.one_of(_hostile_text(), st.sampled_from(offered)), min_size=2, max_size=4),
        ]
    return st.one_of(strategies)


@dataclass
class FuzzContext:
    """What valid means on one form: fixed values for some fields, options that are on offer but not valid alone."""

    valid: dict[str, st.SearchStrategy[str]] = field(default_factory=dict)
    not_valid_options: set[str] = field(default_factory=set)
    must_tick: set[str] = field(default_factory=set)


Submission = tuple[dict[str, Any], set[str]]


def submissions(controls: dict[str, Control], context: FuzzContext) -> st.SearchStrategy[Submission]:
    """(form data, names of the fields given something hostile); each field's strategies are built once."""
    names = sorted(controls)
    valid = {name: _valid(controls[name], context) for name in names}
    hostile = {name: _hostile(controls[name]) for name in names}
    broken_fields = st.sets(st.sampled_from(names), max_size=3)

    @st.composite
    def draw(draw_from: Any) -> Submission:
        broken = draw_from(broken_fields)
        data: dict[str, Any] = {}
        for name in names:
            value = draw_from(hostile[name] if name in broken else valid[name])
            if value is not None:
                data[name] = value
        return data, broken

    return draw()


# -- what a submission did --------------------------------------------------------------------------------------


_TABLES = sorted(Base.metadata.tables.values(), key=lambda table: table.name)
COUNT_EVERY_TABLE = select(
    *(select(func.count()).select_from(table).scalar_subquery().label(table.name) for table in _TABLES)
)


def row_counts() -> dict[str, int]:
    """Every table's row count, in one query."""
    row = db.session.execute(COUNT_EVERY_TABLE).one()
    db.session.rollback()
    return dict(row._mapping)


def _column_lengths() -> dict[str, int]:
    lengths: dict[str, int] = {}
    for table in Base.metadata.tables.values():
        for column in table.columns:
            length = getattr(column.type, "length", None)
            if isinstance(column.type, sa.String) and length:
                lengths[column.name] = min(length, lengths.get(column.name, length))
    return lengths


COLUMN_LENGTHS = _column_lengths()
TEXT_KINDS = {"text", "email", "tel", "password", "hidden", "textarea", "search"}


def must_be_refused(controls: dict[str, Control], data: dict[str, Any], stored_fields: bool) -> tuple[bool, bool]:
    """(a control character in a text field, a value longer than its column) in the submission."""
    control_character = over_long = False
    for name, values in data.items():
        control = controls[name]
        if control.kind not in TEXT_KINDS:
            continue
        for value in values:
            forbidden = (
                SINGLE_LINE_CONTROLS if control.kind != "textarea" else re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
            )
            control_character |= bool(forbidden.search(value))
            limit = COLUMN_LENGTHS.get(name)
            over_long |= stored_fields and name != "postcode" and limit is not None and len(value) > limit
    return control_character, over_long


@dataclass
class Figures:
    examples: int = 0
    server_errors: int = 0
    accepted: int = 0
    refused_in_dutch: int = 0
    refused_control_characters: int = 0
    refused_over_long: int = 0
    stored: str = " (each stored once)"
    started: float = field(default_factory=time.monotonic)

    def line(self, form: str, backend: str) -> str:
        return (
            f"fuzz {form} on {backend}: {self.examples} examples, {self.server_errors} responses >= 500, "
            f"{self.accepted} accepted{self.stored}, {self.refused_in_dutch} refused with a Dutch message and "
            f"nothing stored (of which {self.refused_control_characters} for a control character, "
            f"{self.refused_over_long} for a value over its column's length), {time.monotonic() - self.started:.1f} s"
        )


TOTAL_SECONDS: list[float] = []


def fuzz(
    app: Flask,
    url: str,
    signed_in: User | None,
    context: FuzzContext,
    stored_in: Any | None,
    ignored_tables: set[str],
    accepted_when: Callable[[dict[str, Any]], bool],
) -> Figures:
    figures = Figures(stored=" (each stored once)" if stored_in is not None else "")
    latest_counts = [row_counts()]

    signed_in_cookies: list[Any] = []
    if signed_in is not None:
        first = app.test_client()
        AuthActions(first).login_as(signed_in)
        signed_in_cookies = list(first._cookies.values())

    def client() -> Any:
        """A fresh browser each time (nothing carried over but the sign-in, whose cookie is made once)."""
        fresh = app.test_client()
        for cookie in signed_in_cookies:
            fresh.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        return fresh

    controls = controls_of(client().get(url).get_data(as_text=True))
    assert len(controls) >= 3, f"{url}: no form found"

    @FUZZ_SETTINGS
    @given(submission=submissions(controls, context))
    def one_submission(submission: Submission) -> None:
        data, broken = submission
        figures.examples += 1
        before = latest_counts[0]  # nothing but the requests changes the database

        try:
            response = client().post(url, data=data)
        except BaseException:  # an error in the app (TESTING lets it through): the next example counts afresh
            db.session.rollback()
            latest_counts[0] = row_counts()
            raise
        after = row_counts()
        latest_counts[0] = after
        page = response.get_data(as_text=True)
        figures.server_errors += response.status_code >= 500
        assert response.status_code < 500, (data, page[-2000:])
        control_character, over_long = must_be_refused(controls, data, stored_in is not None)
        changed = {name for name in before if before[name] != after[name]} - ignored_tables
        if response.status_code in (302, 303):
            assert not control_character, data
            assert not over_long, data
            assert accepted_when(data), data
            figures.accepted += 1
            if stored_in is not None and not data.get("website", [""])[0]:
                assert after[stored_in.__tablename__] == before[stored_in.__tablename__] + 1
            return
        assert broken, ("a submission with only valid fields was refused", data, shown_messages(page))
        assert response.status_code == 422, (response.status_code, data)
        messages = shown_messages(page)
        assert messages, ("refused without a message", data)
        assert [m for m in messages if not is_dutch(m)] == [], data
        assert changed == set(), ("a refused submission stored something", changed, data)
        if control_character:
            assert any(str(CONTROL_CHARACTER_MESSAGE) in message for message in messages), (messages, data)
            figures.refused_control_characters += 1
        elif over_long:
            figures.refused_over_long += 1
        figures.refused_in_dutch += 1

    one_submission()
    return figures


def report(capsys: pytest.CaptureFixture[str], figures: Figures, form: str, app: Flask) -> None:
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]
    TOTAL_SECONDS.append(time.monotonic() - figures.started)
    with capsys.disabled():
        print(f"\n{figures.line(form, backend)}; fuzzing so far: {sum(TOTAL_SECONDS):.1f} s")
    assert figures.examples >= EXAMPLES
    assert figures.server_errors == 0
    assert figures.accepted > 0
    assert figures.refused_in_dutch > 0


# -- the forms ------------------------------------------------------------------------------------------------


@pytest.fixture
def referrer(make: Factories) -> User:
    user = make.user(Role.REFERRER, email="flatcoach@rijswijkwonen.example")
    db.session.commit()
    return user


def test_fuzz_the_volunteer_sign_up(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    context = FuzzContext(must_tick={"consent"})

    figures = fuzz(app, "/aanmelden", None, context, Volunteer, set(), lambda data: True)

    report(capsys, figures, "/aanmelden", app)


def test_fuzz_the_sign_in(app: Flask, make: Factories, capsys: pytest.CaptureFixture[str]) -> None:
    account = make.user(Role.REFERRER, email="flatcoach@vidomes.example")
    db.session.commit()
    context = FuzzContext(
        valid={
            "email": st.sampled_from([account.email, account.email.upper()]),
            "password": st.just(PASSWORD),
        }
    )

    def right_credentials(data: dict[str, Any]) -> bool:
        return data.get("email", [""])[0].lower() == account.email and data.get("password") == [PASSWORD]

    # Sign-ins are recorded in the audit trail, failed ones too: that is not storing what was typed.
    figures = fuzz(app, "/inloggen", None, context, None, {"audit_events"}, right_credentials)

    report(capsys, figures, "/inloggen", app)


def test_fuzz_the_referral_form(app: Flask, referrer: User, capsys: pytest.CaptureFixture[str]) -> None:
    age_bound = {p.code for p in db.session.scalars(select(Programme)) if has_age_bounds(p)}
    context = FuzzContext(
        valid={
            "birth_date": st.just(""),
            "consent_on": st.integers(0, 300).map(lambda d: (TODAY - timedelta(days=d)).isoformat()),
        },
        not_valid_options=age_bound,  # valid only with a birth date within the bounds
        must_tick={"consent_confirmed"},
    )

    figures = fuzz(app, "/verwijzingen/nieuw", referrer, context, Referral, set(), lambda data: True)

    report(capsys, figures, "/verwijzingen/nieuw", app)
