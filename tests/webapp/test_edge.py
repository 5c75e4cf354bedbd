"""The edge of the app: security headers on every route, cookies, the request size limit, form fields checked
against their columns and for control characters on every form, and query arguments that must never cause a 500.

The routes are read from the app's url_map (as tests/webapp/test_access.py does): every GET route is requested as a
user of the role that may see it, with a real object for each path argument, so a new page is covered at once.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import webapp
from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories
from webapp import create_app
from webapp.edge import SVG_CONTENT_SECURITY_POLICY
from webapp.enums import ConsentPurpose, MeasurementMoment, RequestKind
from webapp.extensions import Base, db
from webapp.forms_common import CONTROL_CHARACTER_MESSAGE, PhoneNumber, SamenForm, ValidPostcode
from webapp.i18n import LANGUAGE_COOKIE
from webapp.models import (
    EndReason,
    MatchStatus,
    ProposalStatus,
    RejectionReason,
    Role,
    Volunteer,
)
from webapp.services import api_tokens, measurements

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "webapp" / "templates"

# A list of one row a page, so that every list shows its pager (the pager passes the query arguments on).
PAGE_SIZE = 1


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SAMEN_PAGE_SIZE": PAGE_SIZE}


# -- the headers every response carries --------------------------------------------------------------------------

REQUIRED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
CSP_DIRECTIVES = (
    "default-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
)


def security_header_problems(response: Any, *, static: bool = False) -> list[str]:
    """What is missing from a response's security headers (empty when all is well)."""
    problems = [
        f"{name}: {response.headers.get(name)!r}"
        for name, value in REQUIRED_HEADERS.items()
        if response.headers.get(name) != value
    ]
    policy = response.headers.get("Content-Security-Policy", "")
    if response.mimetype == "image/svg+xml":
        # A chart drawn on the server: its own stricter policy (nothing may load or run; its inline styles apply).
        if policy != SVG_CONTENT_SECURITY_POLICY:
            problems.append(f"an SVG image's CSP: {policy}")
        return problems + _cache_problems(response, static)
    problems += [f"CSP lacks {directive}" for directive in CSP_DIRECTIVES if directive not in policy]
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"CSP allows inline code: {policy}")
    return problems + _cache_problems(response, static)


def _cache_problems(response: Any, static: bool) -> list[str]:
    if not static and response.headers.get("Cache-Control") != "no-store":
        return [f"Cache-Control: {response.headers.get('Cache-Control')!r}"]
    return []


# -- every GET route, with a user of the right role and a real object for each path argument ---------------------

# Which role sees each blueprint's pages (None: anyone, no sign-in).
ROLE_FOR_BLUEPRINT: dict[str, Role | None] = {
    "public": None,
    "auth": Role.COORDINATOR,
    "referrals": Role.REFERRER,
    "residents": Role.COORDINATOR,
    "coordination": Role.COORDINATOR,
    "matching": Role.COORDINATOR,
    "matches": Role.COORDINATOR,
    "rights": Role.COORDINATOR,
    "admin": Role.ADMIN,
    "auditlog": Role.ADMIN,
    "coalition": Role.COORDINATOR,
    "measure": Role.COORDINATOR,  # its /meting/<token> pages are public; a coordinator may open them too
    "api-docs": None,  # the API's OpenAPI document
    "api": Role.REFERRER,  # with a bearer token of this role (the coalition's figures: a viewer's), not a session
}
# Pages that answer a signed-in user with a redirect, or answer only in a state the walk does not set up.
REDIRECTING_ENDPOINTS = {"auth.login", "auth.second_factor", "auth.two_factor"}


class World:
    """One of everything a page can be about, committed: the users, people, matches, runs and requests."""

    def __init__(self, make: Factories) -> None:
        self.users = {role: make.user(role) for role in Role}
        coordinator = self.users[Role.COORDINATOR]
        self.referral = make.referral(self.users[Role.REFERRER])
        make.referral(self.users[Role.REFERRER])  # two of them: the referrer's list has a second page
        # Two volunteers who look like one person (same phone and birth date): the compare page has a pair.
        self.volunteer = make.volunteer(phone="06 11112222")
        self.twin = make.volunteer(phone="06 11112222")
        self.resident = make.resident(recorded_by=coordinator)
        self.other_resident = make.resident(recorded_by=coordinator)
        self.match = make.match(make.volunteer(), make.resident(recorded_by=coordinator))
        make.match(make.volunteer(), make.resident(recorded_by=coordinator), status=MatchStatus.BEEINDIGD)
        self.run = make.run(started_by=coordinator)
        rejection = make.session.scalars(select(RejectionReason).order_by(RejectionReason.code)).first()
        assert rejection is not None
        self.proposal = make.proposal(self.volunteer, self.resident, run=self.run)
        self.rejected = make.proposal(
            self.twin,
            self.other_resident,
            run=self.run,
            status=ProposalStatus.AFGEWEZEN,
            rejection_reason_code=rejection.code,
        )
        self.rejection_code = rejection.code
        end_reason = make.session.scalars(select(EndReason).order_by(EndReason.code)).first()
        assert end_reason is not None
        self.end_reason_code = end_reason.code
        # An erasure request: its confirmation page (/wissen) exists only for that kind.
        self.request_id = make.subject_request(self.resident, kind=RequestKind.ERASURE, by=coordinator).id
        # A one-time link to the loneliness questionnaire (opening it uses nothing up).
        measured = make.resident(
            recorded_by=coordinator, consents=(ConsentPurpose.INTAKE_MATCHING, ConsentPurpose.LONELINESS)
        )
        self.token = measurements.create_link(make.session, coordinator, measured, MeasurementMoment.OTHER).token
        issued = {
            role: api_tokens.issue(make.session, None, self.users[role].organisation, role, "Randtest")
            for role in (Role.REFERRER, Role.VIEWER)
        }
        self.api_secrets = {role: token.secret for role, token in issued.items()}
        self.api_token_id = issued[Role.REFERRER].token.id
        make.session.commit()

    def api_headers(self, endpoint: str) -> dict[str, str]:
        role = Role.VIEWER if endpoint == "api.coalition_figures" else Role.REFERRER
        return {"Authorization": f"Bearer {self.api_secrets[role]}"}

    def path_values(self, endpoint: str) -> dict[str, Any]:
        values: dict[str, Any] = {
            "user_id": self.users[Role.REFERRER].id,
            "organisation_id": self.users[Role.REFERRER].organisation_id,
            "resident_id": self.resident.id,
            "volunteer_id": self.volunteer.id,
            "other_id": self.twin.id,
            "match_id": self.match.id,
            "run_id": self.run.id,
            "proposal_id": self.proposal.id,
            "referral_id": self.referral.id,
            "request_id": self.request_id,
            "filename": "css/samen.css",
            "chart": "matig-bewoners",
            "token": self.token,
            "token_id": self.api_token_id,
        }
        values["code"] = {
            "admin.edit_programme": "buddy",
            "admin.edit_rejection_reason": self.rejection_code,
            "admin.edit_end_reason": self.end_reason_code,
        }.get(endpoint)
        if endpoint == "matching.undo_rejection":
            values["proposal_id"] = self.rejected.id
        return values


def get_routes(app: Flask) -> list[tuple[str, Any]]:
    return sorted(
        ((rule.endpoint, rule) for rule in app.url_map.iter_rules() if "GET" in (rule.methods or set())),
        key=lambda pair: pair[1].rule,
    )


def visit_every_page(app: Flask, make: Factories, query_string: str = "") -> Iterator[tuple[str, str, Any]]:
    """(endpoint, url, response) for every GET route, as a user who may see it."""
    world = World(make)
    for endpoint, rule in get_routes(app):
        blueprint = endpoint.split(".")[0] if "." in endpoint else "public"
        assert blueprint in ROLE_FOR_BLUEPRINT, f"new blueprint {blueprint!r}: say which role sees it in this test"
        role = ROLE_FOR_BLUEPRINT[blueprint]
        values = world.path_values(endpoint)
        missing = [name for name in rule.arguments if values.get(name) is None]
        assert not missing, f"{rule.rule}: give this test an object for {missing}"
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **{name: values[name] for name in rule.arguments})
        client = app.test_client()
        headers = world.api_headers(endpoint) if blueprint == "api" else {}
        if role is not None and not headers:
            AuthActions(client).login_as(world.users[role])
        yield endpoint, url, client.get(url + query_string, headers=headers)


def test_every_page_carries_the_security_headers(app: Flask, make: Factories) -> None:
    problems = []
    visited = 0
    for endpoint, url, response in visit_every_page(app, make):
        visited += 1
        expected_ok = response.status_code == 200 or (
            endpoint in REDIRECTING_ENDPOINTS and 300 <= response.status_code < 400
        )
        if not expected_ok:
            problems.append(f"{url}: {response.status_code}")
        problems += [f"{url}: {p}" for p in security_header_problems(response, static=endpoint == "static")]

    assert problems == []
    assert visited >= 40


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("GET", "/bestaat-niet", 404), ("GET", "/uitloggen", 405), ("POST", "/healthz", 405)],
)
def test_error_pages_carry_the_security_headers(client: FlaskClient, method: str, url: str, status: int) -> None:
    response = client.open(url, method=method)

    assert response.status_code == status
    assert security_header_problems(response) == []


def test_the_too_large_page_carries_the_security_headers(app: Flask, client: FlaskClient) -> None:
    response = client.post("/aanmelden", data={"motivation": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})

    assert response.status_code == 413
    assert security_header_problems(response) == []


def test_style_sheets_may_be_cached(client: FlaskClient) -> None:
    response = client.get("/static/css/samen.css")

    assert response.status_code == 200
    assert "no-store" not in (response.headers.get("Cache-Control") or "")
    assert security_header_problems(response, static=True) == []


def test_development_sends_no_hsts(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers


# -- production: HSTS and cookie flags ---------------------------------------------------------------------------


@pytest.fixture
def production_app(database_url_for_test: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("SAMEN_ENV", "production")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "production-test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url_for_test,
            "SAMEN_JOB_QUEUE": "inline",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SAMEN_LOG_FORMAT": "text",
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_production_sends_hsts(production_app: Flask) -> None:
    response = production_app.test_client().get("/")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _cookie_problems(response: Any) -> list[str]:
    problems = []
    for header in response.headers.getlist("Set-Cookie"):
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        name = header.split("=", 1)[0]
        for flag in ("secure", "httponly"):
            if flag not in attributes:
                problems.append(f"{name} lacks {flag}")
        if "samesite=lax" not in header.lower() and "samesite=strict" not in header.lower():
            problems.append(f"{name} lacks SameSite=Lax")
    return problems


def test_every_cookie_of_a_sign_in_with_remember_me_is_secure_httponly_and_samesite(production_app: Flask) -> None:
    make = Factories(db.session)
    referrer = make.user(Role.REFERRER, email="flatcoach@example.org")
    db.session.commit()
    client = production_app.test_client()

    response = client.post(
        "/inloggen", data={"email": referrer.email, "password": "correct horse battery", "remember": "y"}
    )

    assert response.status_code == 302
    assert len(response.headers.getlist("Set-Cookie")) >= 2  # the session and the remember-me cookie
    assert _cookie_problems(response) == []


def test_the_language_cookie_is_secure_httponly_and_samesite_in_production(production_app: Flask) -> None:
    response = production_app.test_client().post("/taal", data={"language": "en", "next": "/"})

    assert any(header.startswith(LANGUAGE_COOKIE) for header in response.headers.getlist("Set-Cookie"))
    assert _cookie_problems(response) == []


# -- no inline script or style (the CSP forbids them) ------------------------------------------------------------

INLINE_CODE = re.compile(r"<script|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def test_no_template_has_inline_script_or_style() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INLINE_CODE.search(line)
    ]

    assert found == []


# -- the request body's size -------------------------------------------------------------------------------------


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_request_body_over_the_limit_is_refused_with_a_dutch_page_and_nothing_stored(
    app: Flask, client: FlaskClient
) -> None:
    from tests.webapp.test_public import signup_data

    too_long = "x" * app.config["MAX_CONTENT_LENGTH"]

    response = client.post("/aanmelden", data=signup_data(motivation=too_long))

    assert response.status_code == 413
    assert "Te veel gegevens" in response.text
    assert "een formulier mag hooguit 1 MB zijn" in response.text
    assert _count(Volunteer) == 0


# -- every form: the edge checks, and each text field bounded by its column --------------------------------------


def _import_every_webapp_module() -> None:
    for module in pkgutil.walk_packages(webapp.__path__, "webapp."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


_import_every_webapp_module()
FORMS = sorted(
    (form for form in _subclasses(FlaskForm) if form.__module__.startswith("webapp.")),
    key=lambda form: (form.__module__, form.__name__),
)
FORM_IDS = [f"{form.__module__.removeprefix('webapp.')}.{form.__name__}" for form in FORMS]


def test_every_form_of_the_app_inherits_the_edge_checks() -> None:
    assert [form.__name__ for form in FORMS if not issubclass(form, SamenForm)] == []


def _unbound_fields(form: type) -> list[tuple[str, UnboundField]]:
    return sorted((name, value) for name in dir(form) if isinstance(value := getattr(form, name, None), UnboundField))


def _validators(field: UnboundField) -> list[Any]:
    if len(field.args) > 1:
        return list(field.args[1] or [])
    return list(field.kwargs.get("validators") or [])


def _is_text(field: UnboundField) -> bool:
    return issubclass(field.field_class, StringField) and not issubclass(field.field_class, HiddenField | PasswordField)


def _column_of(table: str, column: str) -> sa.Column[Any]:
    return Base.metadata.tables[table].c[column]


# Fields that feed a column of another name.
COLUMN_OF: dict[tuple[str, str], tuple[str, str]] = {
    ("IntroductionForm", "place"): ("matches", "introduction_place"),
    ("RejectForm", "note"): ("proposals", "rejection_note"),
    ("UndoRejectionForm", "note"): ("proposals", "rejection_undo_note"),
    ("CloseForm", "reason"): ("residents", "closed_reason"),
    ("NewAccountForm", "access_reason"): ("users", "sensitive_access_reason"),
    ("EditAccountForm", "access_reason"): ("users", "sensitive_access_reason"),
}
# Fields whose value is never stored as typed.
NOT_STORED = {
    ("VolunteerSignupForm", "website"),  # the honeypot
    ("LoginForm", "email"),  # compared with the accounts, never written
    ("VolunteerFilterForm", "q"),  # searches
    ("MatchFilterForm", "zoek"),
    ("ConfirmTwoFactorForm", "code"),  # one-time codes, checked and forgotten
    ("SecondFactorForm", "code"),
}
# Whose length a service checks, with its own message (webapp.services.settings: "these forms only read what was
# typed").
SERVICE_BOUND = {"label": "MAX_LABEL_LENGTH", "label_en": "MAX_LABEL_LENGTH"}


def _text_columns_named(name: str) -> list[sa.Column[Any]]:
    return [
        table.c[name]
        for table in Base.metadata.tables.values()
        if name in table.c and isinstance(table.c[name].type, sa.String)
    ]


def _bound(form: type, name: str, field: UnboundField) -> int | None:
    """The most characters the form lets through to the column (None: unbounded)."""
    validators = _validators(field)
    if name == "postcode" and any(isinstance(check, ValidPostcode) for check in validators):
        return 7  # normalised by parse_postcode to '2282 AB'
    if name in SERVICE_BOUND and form.__module__ == "webapp.admin.forms":
        from webapp.services import settings

        return int(getattr(settings, SERVICE_BOUND[name]))
    maxima = [
        check.max
        for check in validators
        if isinstance(check, Length | PhoneNumber) and check.max is not None and check.max >= 0
    ]
    return min(maxima) if maxima else None


def test_every_text_field_is_checked_against_the_length_of_its_column() -> None:
    problems = []
    checked = 0
    for form in FORMS:
        for name, field in _unbound_fields(form):
            if not _is_text(field) or (form.__name__, name) in NOT_STORED:
                continue
            mapped = COLUMN_OF.get((form.__name__, name))
            columns = [_column_of(*mapped)] if mapped else _text_columns_named(name)
            if not columns:
                problems.append(f"{form.__name__}.{name}: which column does it feed? (COLUMN_OF or NOT_STORED)")
                continue
            bound = _bound(form, name, field)
            checked += 1
            if bound is None:
                problems.append(f"{form.__name__}.{name}: no Length(max=...) before the database")
                continue
            for column in columns:
                length = getattr(column.type, "length", None)
                if length is not None and bound > length:
                    problems.append(f"{form.__name__}.{name}: lets {bound} characters through to {column} ({length})")

    assert problems == []
    assert checked >= 40


# Constructor arguments some forms need.
FORM_ARGUMENTS: dict[str, dict[str, Any]] = {"ScreeningForm": {"today": date(2026, 11, 30)}}


@pytest.fixture(scope="module")
def form_app() -> Flask:
    """Forms need a request, not a database: one app for all the form checks, on no backend in particular."""
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def _form_with(app: Flask, form: type, values: dict[str, str]) -> Any:
    with app.test_request_context(method="POST"):
        bound = form(formdata=MultiDict(values), meta={"csrf": False}, **FORM_ARGUMENTS.get(form.__name__, {}))
        for field in bound:
            if getattr(field, "choices", ()) is None:
                field.choices = []  # set by the view from the database
        bound.validate()
        return bound


def _text_field_names(form: type, *, multiline: bool | None = None) -> list[str]:
    return [
        name
        for name, field in _unbound_fields(form)
        if issubclass(field.field_class, StringField)
        and (multiline is None or issubclass(field.field_class, TextAreaField) == multiline)
    ]


def _forms_with(multiline: bool | None) -> list[Any]:
    return [
        pytest.param(form, names, id=form_id)
        for form, form_id in zip(FORMS, FORM_IDS, strict=True)
        if (names := _text_field_names(form, multiline=multiline))
    ]


@pytest.mark.parametrize(("form", "names"), _forms_with(multiline=None))
@pytest.mark.parametrize("invisible", ["\x00", "\x1b", "\x7f", "\x08"], ids=["NUL", "ESC", "DEL", "BS"])
def test_every_text_field_of_every_form_refuses_control_characters(
    form_app: Flask, form: type, names: list[str], invisible: str
) -> None:
    bound = _form_with(form_app, form, dict.fromkeys(names, f"Jan{invisible}sen"))

    assert {name: bound[name].errors for name in names} == {name: [CONTROL_CHARACTER_MESSAGE] for name in names}


@pytest.mark.parametrize(("form", "names"), _forms_with(multiline=False))
def test_single_line_fields_refuse_a_tab_or_line_break(form_app: Flask, form: type, names: list[str]) -> None:
    bound = _form_with(form_app, form, dict.fromkeys(names, "Jan\tJansen"))

    assert {name: bound[name].errors for name in names} == {name: [CONTROL_CHARACTER_MESSAGE] for name in names}


@pytest.mark.parametrize(("form", "names"), _forms_with(multiline=True))
def test_text_areas_keep_tabs_and_line_breaks(form_app: Flask, form: type, names: list[str]) -> None:
    bound = _form_with(form_app, form, dict.fromkeys(names, "Eerste regel\r\n\tTweede regel"))

    assert [name for name in names if CONTROL_CHARACTER_MESSAGE in bound[name].errors] == []


def test_a_sign_up_with_a_nul_in_the_name_is_refused_with_the_message_and_nothing_stored(client: FlaskClient) -> None:
    from tests.webapp.test_public import signup_data

    response = client.post("/aanmelden", data=signup_data(first_name="An\x00na"))

    assert response.status_code == 422
    assert "Dit veld bevat een onzichtbaar teken dat we niet kunnen opslaan." in response.text
    assert _count(Volunteer) == 0


def test_a_phone_number_longer_than_its_column_is_refused_and_nothing_stored(client: FlaskClient) -> None:
    from tests.webapp.test_public import signup_data

    forty = "06" + " " * 30 + "12345678"  # 10 digits, as the phone check wants, and 40 characters
    assert len(forty) == 40

    response = client.post("/aanmelden", data=signup_data(phone=forty))

    assert response.status_code == 422
    assert "hooguit 30 tekens" in response.text
    assert _count(Volunteer) == 0


def test_a_sign_up_with_line_breaks_and_a_tab_in_the_motivation_is_stored(client: FlaskClient) -> None:
    from tests.webapp.test_public import signup_data

    response = client.post("/aanmelden", data=signup_data(motivation="Ik wandel graag.\r\n\tEn ik kook."))

    assert response.status_code == 302
    assert _count(Volunteer) == 1


@pytest.mark.parametrize("blank", [" ", "\u00a0", "  \t "])
def test_an_optional_choice_answered_blank_is_refused_and_nothing_stored(client: FlaskClient, blank: str) -> None:
    from tests.webapp.test_public import signup_data

    response = client.post("/aanmelden", data=signup_data(gender=blank))

    assert response.status_code == 422
    assert _count(Volunteer) == 0


def test_an_optional_choice_left_empty_is_still_accepted(client: FlaskClient) -> None:
    from tests.webapp.test_public import signup_data

    response = client.post("/aanmelden", data=signup_data(gender=""))

    assert response.status_code == 302
    assert _count(Volunteer) == 1


def test_a_sign_in_with_a_nul_in_the_email_is_refused_with_the_message(client: FlaskClient) -> None:
    response = client.post("/inloggen", data={"email": "jan\x00@example.org", "password": "x"})

    assert response.status_code == 422
    assert "Dit veld bevat een onzichtbaar teken" in response.text


# -- query arguments and paths: never a 500 ----------------------------------------------------------------------

HOSTILE_QUERY = (
    "?endpoint=x&_method=POST&_external=1&_scheme=javascript&_anchor=x"
    "&pagina=99999999999999999999&wachtend_pagina=-99999999999999999999&ronde=99999999999999999999"
    "&resident_id=abc&volunteer_id=abc&run_id=abc"
    "&zoek=Jan%00sen&q=Jan%00sen&status=%00&programma=%00&bewoner=99999999999999999999"
)


def test_no_query_argument_makes_any_page_fail(app: Flask, make: Factories) -> None:
    problems = []
    pagers = 0
    for _endpoint, url, response in visit_every_page(app, make, HOSTILE_QUERY):
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        if response.mimetype != "text/html":
            continue  # a download or an image (the coalition's exports and charts): no links to follow
        links = re.findall(r'href="([^"]*)"', response.get_data(as_text=True))
        pagers += 'rel="next"' in response.get_data(as_text=True)
        problems += [f"{url}: link {link}" for link in links if re.search(r"[?&](endpoint|_method|_scheme)=", link)]

    assert problems == []
    assert pagers >= 5  # the lists showed their pagers, which pass the query arguments on


@pytest.mark.parametrize(
    "url",
    [
        "/vrijwilligers?endpoint=x",
        "/bewoners?_method=POST",
        "/bewoners?pagina=99999999999999999999",
        "/vrijwilligers?pagina=99999999999999999999",
        "/koppelingen/?pagina=99999999999999999999",
        "/koppelen/?pagina=99999999999999999999",
        "/wachtlijst?pagina=99999999999999999999",
        "/beheer/accounts?pagina=99999999999999999999",
        "/bewoners?zoek=Jan%00sen",
        "/vrijwilligers?q=Jan%00sen",
    ],
)
def test_the_reported_query_arguments_answer_a_page(
    app: Flask, make: Factories, auth: AuthActions, client: FlaskClient, url: str
) -> None:
    for _ in range(2):
        make.volunteer()
        make.resident()
    auth.login_as(make.user(Role.ADMIN))
    make.session.commit()

    response = client.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url", ["/bewoners/99999999999999999999", "/koppelingen/2147483648", "/vrijwilligers/99999999999999999999"]
)
def test_an_id_beyond_the_database_integer_is_not_found(
    make: Factories, auth: AuthActions, client: FlaskClient, url: str
) -> None:
    auth.login_as(make.user(Role.COORDINATOR))
    make.session.commit()

    assert client.get(url).status_code == 404


def test_a_control_character_in_the_path_is_not_found(client: FlaskClient) -> None:
    assert client.get("/beheer/programmas/bud%00dy").status_code in (302, 404)
    assert client.get("/aanmelden%00").status_code == 404


def test_a_next_address_with_a_line_break_redirects_without_it(client: FlaskClient) -> None:
    response = client.post("/taal", data={"language": "en", "next": "/privacy\r\nSet-Cookie: x=1"})

    assert response.status_code == 302
    assert "\r" not in response.headers["Location"]
    assert "\n" not in response.headers["Location"]
    assert "x=1" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_the_pager_keeps_the_filters_but_not_url_for_arguments(
    make: Factories, auth: AuthActions, client: FlaskClient
) -> None:
    for _ in range(3):
        make.resident()
    auth.login_as(make.user(Role.COORDINATOR))
    make.session.commit()

    response = client.get("/bewoners?status=wachtend&endpoint=x&_method=POST")

    next_link = re.search(r'href="([^"]*)" rel="next"', response.text)
    assert next_link is not None
    assert "status=wachtend" in next_link.group(1)
    assert "pagina=2" in next_link.group(1)
    assert "endpoint" not in next_link.group(1)
    assert "_method" not in next_link.group(1)
