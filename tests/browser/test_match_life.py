"""The life of a match in a real browser, in Dutch: a coordinator approves a proposal, plans the introduction,
records that both said yes, records a check-in and ends the match; the flatcoach who referred the resident sees
"in behandeling" during the introduction, "gekoppeld" once the match is active, and "in behandeling" again when
the resident is back on the waiting list. Then the coordinator's week and the list of matches with the demo data.

Screenshots (SAMEN_SCREENSHOT_DIR) of the match page in each state and of both demo pages, at 390 and 1280 px.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from tests.webapp.factories import Factories
from webapp.clock import local_today
from webapp.extensions import db
from webapp.models import User

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import DemoServer, LiveServer, Sessions, StaffAccount

Shoot = Callable[["Page", str], None]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

VOLUNTEER = "Sanne Bakker"
RESIDENT = "Henk de Vries"


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def _sign_in_as(page: Page, account: StaffAccount) -> None:
    _sign_in(page, account.email, account.password)


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=name, exact=True).click()


def _shoot_both_widths(page: Page, shoot: Shoot, name: str) -> None:
    """The page as it is now, on a phone and at a desk (the page is reloaded at each width)."""
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size({"width": viewport["width"], "height": viewport["height"]})
        page.reload()
        shoot(page, f"{name}-{viewport['width']}")


def _a_referred_resident_and_a_buddy(live_server: LiveServer) -> None:
    """A screened buddy volunteer and a resident the flatcoach referred, with the intake talk held; they live in
    neighbouring postcode areas and can both on Tuesday evening."""
    with live_server.app.app_context():
        make = Factories(db.session)
        flatcoach = db.session.scalar(select(User).where(User.email == live_server.flatcoach.email))
        coordinator = db.session.scalar(select(User).where(User.email == live_server.coordinator.email))
        assert flatcoach is not None
        assert coordinator is not None
        make.volunteer(
            first_name="Sanne",
            last_name="Bakker",
            postcode="2282 AB",
            pc4="2282",
            interests=["wandelen", "lezen"],
            availability=["tue-evening", "sat-morning"],
        )
        today = local_today()
        make.referral(
            flatcoach,
            first_name="Henk",
            last_name="de Vries",
            postcode="2283 AC",
            pc4="2283",
            interests=["wandelen", "tuinieren"],
            availability=["tue-evening", "thu-afternoon"],
            waiting_since=today - timedelta(days=12),
            consent_on=today - timedelta(days=12),
            intake_on=today - timedelta(days=5),
            intake_by=coordinator,
        )
        db.session.commit()
        db.session.remove()


def flatcoach_sees(page: Page, status: str) -> None:
    """The flatcoach's list and the referral's own page both show ``status``, and never who the buddy is."""
    from playwright.sync_api import expect

    page.goto("/verwijzingen/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=RESIDENT))
    expect(row).to_contain_text(status)
    row.get_by_role("link", name=RESIDENT).click()
    expect(page.get_by_role("list", name="Stappen").locator("[aria-current=step]")).to_have_text(status)
    expect(page.get_by_text(VOLUNTEER)).to_have_count(0)


def coordinator_approves_on_the_run_page(page: Page) -> None:
    from playwright.sync_api import expect

    _menu(page, "Koppelen")
    page.get_by_label("Voor welk programma?").select_option(label="Maatje (buddy)")
    page.get_by_role("button", name="Koppelronde starten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Koppelronde \d+$"))

    proposal = page.get_by_role("article", name=re.compile(f"{VOLUNTEER}.*{RESIDENT}"))
    expect(proposal.locator(".intake-line")).to_contain_text("Intakegesprek:")
    proposal.get_by_role("button", name=re.compile(rf"^Goedkeuren\s*: {VOLUNTEER} en {RESIDENT}$")).click()
    expect(page.get_by_role("status")).to_contain_text(f"Goedgekeurd: {VOLUNTEER} en {RESIDENT} maken kennis.")
    expect(proposal.locator(".badge")).to_have_text("goedgekeurd")

    proposal.get_by_role("link", name="Naar de koppeling").click()
    expect(page).to_have_url(re.compile(r"/koppelingen/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{RESIDENT} en {VOLUNTEER}")
    expect(page.locator("p.badges")).to_contain_text("kennismaking plannen")


def coordinator_plans_the_introduction(page: Page) -> None:
    from playwright.sync_api import expect

    form = page.locator("form").filter(has=page.get_by_role("button", name="Kennismaking plannen"))
    form.get_by_label("Datum").fill(local_today().isoformat())
    form.get_by_label("Tijd").fill("14:30")
    form.get_by_label("Plaats").fill("Buurthuis De Bron")
    expect(form.get_by_label("De coördinator is erbij")).to_be_checked()
    form.get_by_role("button", name="Kennismaking plannen").click()

    expect(page.get_by_role("status")).to_have_text("De kennismaking is gepland.")
    facts = page.get_by_role("region", name="Waar de koppeling staat")
    expect(facts).to_contain_text("14:30, Buurthuis De Bron")
    expect(page.get_by_role("heading", name="Uitkomst van de kennismaking")).to_be_visible()


def coordinator_records_both_yes(page: Page) -> None:
    from playwright.sync_api import expect

    page.get_by_label("Beiden willen verder: de koppeling start").check()
    page.get_by_role("button", name="Uitkomst vastleggen").click()

    expect(page.get_by_role("status")).to_contain_text("De koppeling is actief.")
    expect(page.locator("p.badges .badge").first).to_have_text("actief")
    expect(page.get_by_role("region", name="Waar de koppeling staat")).to_contain_text("Actief sinds")


def coordinator_records_a_check_in(page: Page, expected_rows: int | None = 2) -> None:
    """Record a check-in held today; ``expected_rows``: the check-in table's rows afterwards, header included."""
    from playwright.sync_api import expect

    form = page.locator("form").filter(has=page.get_by_role("button", name="Contactmoment vastleggen"))
    expect(form.get_by_label("Datum")).to_have_value(local_today().isoformat())  # today, filled in
    form.get_by_role("group", name="Met wie?").get_by_label("beiden").check()
    form.get_by_role("group", name="Hoe?").get_by_label("telefoon").check()
    form.get_by_role("group", name="Hoe gaat het?").get_by_label("gaat goed").check()
    form.get_by_label("Notitie (alleen voor coördinatoren)").fill("Eerste wandeling gemaakt; dinsdag weer.")
    form.get_by_role("button", name="Contactmoment vastleggen").click()

    expect(page.get_by_role("status")).to_have_text("Het contactmoment is vastgelegd.")
    check_ins = page.get_by_role("region", name="Contactmomenten")
    if expected_rows is not None:
        expect(check_ins.get_by_role("row")).to_have_count(expected_rows)  # the header and the check-ins
    expect(check_ins).to_contain_text("Eerste wandeling gemaakt; dinsdag weer.")


def coordinator_ends_the_match(page: Page) -> None:
    from playwright.sync_api import expect

    page.get_by_text("Koppeling beëindigen", exact=True).first.click()  # opens the step's details
    form = page.locator("form").filter(has=page.get_by_role("button", name="Koppeling beëindigen"))
    form.get_by_label("Reden").select_option(label="Geen klik")
    expect(form.get_by_label("Einddatum")).to_have_value(local_today().isoformat())
    form.get_by_label("Afsluitende notitie").fill("Ze hadden elkaar weinig te zeggen.")
    form.get_by_label("Terug op de wachtlijst, met de wachttijd van vóór de koppeling").check()
    form.get_by_role("button", name="Koppeling beëindigen").click()

    expect(page.get_by_role("status")).to_have_text("De koppeling is beëindigd.")
    expect(page.locator("p.badges .badge").first).to_have_text("beëindigd")
    facts = page.get_by_role("region", name="Waar de koppeling staat")
    expect(facts).to_contain_text("Geen klik")
    expect(facts).to_contain_text("De bewoner ging terug op de wachtlijst.")
    expect(page.get_by_role("region", name="Volgende stap")).to_have_count(0)  # nothing more can change
    timeline = page.get_by_role("region", name="Tijdlijn").get_by_role("listitem")
    expect(timeline).to_have_count(5)  # approved, planned, started, a check-in, ended


def test_a_match_from_approval_to_its_end(sessions: Sessions, live_server: LiveServer, screenshot: Shoot) -> None:
    _a_referred_resident_and_a_buddy(live_server)
    flatcoach = sessions.open(PHONE)
    _sign_in_as(flatcoach, live_server.flatcoach)
    coordinator = sessions.open(DESKTOP)
    _sign_in_as(coordinator, live_server.coordinator)

    coordinator_approves_on_the_run_page(coordinator)
    _shoot_both_widths(coordinator, screenshot, "koppeling-kennismaking-plannen")
    flatcoach_sees(flatcoach, "in behandeling")

    coordinator_plans_the_introduction(coordinator)
    _shoot_both_widths(coordinator, screenshot, "koppeling-uitkomst-vastleggen")
    flatcoach_sees(flatcoach, "in behandeling")

    coordinator_records_both_yes(coordinator)
    _shoot_both_widths(coordinator, screenshot, "koppeling-actief")
    flatcoach_sees(flatcoach, "gekoppeld")

    coordinator_records_a_check_in(coordinator)
    _shoot_both_widths(coordinator, screenshot, "koppeling-contactmoment")

    coordinator_ends_the_match(coordinator)
    _shoot_both_widths(coordinator, screenshot, "koppeling-beeindigd")
    flatcoach_sees(flatcoach, "in behandeling")
    screenshot(flatcoach, "koppeling-verwijzing-weer-in-behandeling-390")

    assert sessions.problems == []


WEEK_SECTIONS = [
    "Kennismakingen plannen",
    "Uitkomst van de kennismaking vastleggen",
    "Contactmomenten nu en te laat",
    "Koppelingen bijna op hun maximale duur",
    "Verwijzingen nog niet gesproken",
    "Intakegesprekken gepland",
    "Bewoners die het langst wachten",
    "Vrijwilligers wachten op een intakegesprek",
    "VOG's die binnen 60 dagen verlopen",
]


def test_the_demo_gives_the_coordinator_a_week_of_work(
    demo_sessions: Sessions, demo_server: DemoServer, screenshot: Shoot
) -> None:
    from playwright.sync_api import expect

    page = demo_sessions.open(DESKTOP)
    _sign_in(page, "coordinator@samen.test", "demo-coordinator-2026")  # as in the README
    expect(page).to_have_url(re.compile("/coordinatie$"))
    for title in WEEK_SECTIONS:
        section = page.get_by_role("region", name=re.compile(f"^{re.escape(title)}"))
        expect(section.get_by_role("listitem").first).to_be_visible()
    _shoot_both_widths(page, screenshot, "demo-coordinatie")

    _menu(page, "Koppelingen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koppelingen")
    expect(page.get_by_role("row").nth(1)).to_contain_text("contactmoment te laat")  # what needs attention first
    _shoot_both_widths(page, screenshot, "demo-koppelingen")

    assert demo_sessions.problems == []
