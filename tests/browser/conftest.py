"""Browser-test fixtures: a live Samen server on a free port and Debian's Chromium driven by Playwright.

The server is the real app (CSRF on, real forms, real tokens) on a migrated SQLite file in tmp_path. Without
Playwright or /usr/bin/chromium the browser test is skipped, unless SAMEN_REQUIRE_BROWSER_TESTS=1 (CI) makes
that a failure. Screenshots are saved only when SAMEN_SCREENSHOT_DIR names a directory.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from bench.local_stack import CHROMIUM, CHROMIUM_ARGS
from webapp import create_app
from webapp.extensions import db
from webapp.models import Organisation, OrganisationKind, Role, User
from webapp.security import hash_password

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

REQUIRE_ENV = "SAMEN_REQUIRE_BROWSER_TESTS"
SCREENSHOT_ENV = "SAMEN_SCREENSHOT_DIR"


@dataclass(frozen=True)
class StaffAccount:
    name: str
    email: str
    password: str
    organisation: str


# Staff created directly in the database before the walk: a coordinator and a flatcoach (role referrer).
COORDINATOR = StaffAccount(
    "Fatima El Amrani", "f.elamrani@welzijnrijswijk.test", "koppelen-is-mensenwerk", "Welzijn Rijswijk"
)
FLATCOACH = StaffAccount(
    "Joost Verhoeven", "j.verhoeven@rijswijkwonen.test", "flatcoach-in-de-bomenbuurt", "Rijswijk Wonen"
)


def _browser_unavailable(reason: str) -> NoReturn:
    """Skip locally; fail when CI demands the browser test (SAMEN_REQUIRE_BROWSER_TESTS=1)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}. {REQUIRE_ENV}=1 is set, so the browser test must run.", pytrace=False)
    pytest.skip(f"{reason}; set {REQUIRE_ENV}=1 to make this a failure")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None:
        _browser_unavailable("Playwright is not installed (`make install` installs it; its own browsers are not used)")
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        _browser_unavailable(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _create_staff(account: StaffAccount, kind: OrganisationKind, role: Role) -> None:
    # Welzijn Rijswijk is the controller: its coordinators see residents' data without an admin's confirmation.
    organisation = Organisation(name=account.organisation, kind=kind, is_controller=kind is OrganisationKind.WELZIJN)
    db.session.add(organisation)
    db.session.add(
        User(
            email=account.email,
            name=account.name,
            password_hash=hash_password(account.password),
            role=role,
            organisation=organisation,
            must_change_password=False,
        )
    )


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask
    coordinator: StaffAccount = COORDINATOR
    flatcoach: StaffAccount = FLATCOACH


def _app(tmp_path: Path) -> Flask:
    """The app with CSRF on, on a migrated SQLite file in ``tmp_path``."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'samen.sqlite3'}",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


@contextmanager
def _serving(app: Flask) -> Iterator[str]:
    """Serve the app with werkzeug from a background thread on a free port; yields its base URL."""
    access_log = logging.getLogger("werkzeug")
    level = access_log.level
    access_log.setLevel(logging.WARNING)  # no access log lines in the test output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="samen-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        access_log.setLevel(level)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app with CSRF on and two staff accounts (a coordinator and a flatcoach), served on a free port."""
    app = _app(tmp_path)
    with app.app_context():
        _create_staff(COORDINATOR, OrganisationKind.WELZIJN, Role.COORDINATOR)
        _create_staff(FLATCOACH, OrganisationKind.WONEN, Role.REFERRER)
        db.session.commit()
        db.session.remove()
    with _serving(app) as url:
        yield LiveServer(url, app)


@dataclass(frozen=True)
class DemoServer:
    """The app with the demo data that `make run` loads; sign in with the README's demo accounts."""

    url: str
    app: Flask


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[DemoServer]:
    """The app with CSRF on and the demo data (`flask samen seed-demo`), served on a free port."""
    app = _app(tmp_path)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["samen", "seed-demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    with _serving(app) as url:
        yield DemoServer(url, app)


@dataclass
class Sessions:
    """Browser contexts (one per person) that record every server error and every broken page asset."""

    browser: Browser
    base_url: str
    problems: list[str] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def open(self, viewport: dict[str, int]) -> Page:
        context = self.browser.new_context(viewport=viewport, base_url=self.base_url, locale="nl-NL")
        context.set_default_timeout(10_000)  # fail fast: every step here takes well under a second
        self.contexts.append(context)
        page = context.new_page()
        page.on("response", self._check_response)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        return page

    def _check_response(self, response: Any) -> None:
        # 422 is the app's answer to an invalid form; anything else of 400 and up is a problem.
        if response.status >= 400 and response.status != 422:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def sessions(browser: Browser, live_server: LiveServer) -> Iterator[Sessions]:
    opened = Sessions(browser, live_server.url)
    yield opened
    opened.close()


@pytest.fixture
def demo_sessions(browser: Browser, demo_server: DemoServer) -> Iterator[Sessions]:
    opened = Sessions(browser, demo_server.url)
    yield opened
    opened.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """shoot(page, name): a full-page screenshot into $SAMEN_SCREENSHOT_DIR (numbered in order), if set."""
    directory = os.environ.get(SCREENSHOT_ENV)
    taken = 0

    def shoot(page: Page, name: str) -> None:
        nonlocal taken
        if not directory:
            return
        taken += 1
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{taken:02d}-{name}.png"), full_page=True)

    return shoot
