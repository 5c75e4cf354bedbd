"""The whole path in a real browser, as its users walk it, in Dutch.

A volunteer signs up on a phone, a flatcoach refers a neighbour on a phone, a coordinator at a desk screens the
volunteer, runs the matching, reads the reasons and approves the pair, and the flatcoach sees the referral
change to "gekoppeld". Real forms with real CSRF tokens against a live server (see conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import LiveServer, Sessions, StaffAccount

Shoot = Callable[["Page", str], None]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


VOLUNTEER = Person("Sanne", "Bakker")
RESIDENT = Person("Henk", "de Vries")
# The volunteer lives in 2282, the resident in 2283: the centroids of these PC4 areas
# (seed_data/pc4_haaglanden.csv) are 0.94 km apart, shown with a Dutch decimal comma.
VOLUNTEER_POSTCODE = "2282 AB"
RESIDENT_POSTCODE = "2283 AC"
EXPECTED_DISTANCE = "0,9 km van elkaar"


def _days_ago(days: int) -> str:
    # A few days back, so that "not in the future" holds whatever the machine's time zone.
    return (date.today() - timedelta(days=days)).isoformat()


def _sign_in(page: Page, account: StaffAccount) -> None:
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(account.email)
    page.get_by_label("Wachtwoord").fill(account.password)
    page.get_by_role("button", name="Inloggen").click()


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=name, exact=True).click()


def volunteer_signs_up(page: Page, shoot: Shoot) -> None:
    from playwright.sync_api import expect

    page.goto("/aanmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden als vrijwilliger")
    shoot(page, "aanmelden-leeg")

    # An empty form first: the summary lists every problem and each line leads to its field.
    page.get_by_role("button", name="Aanmelding versturen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("Controleer het formulier")
    expect(summary.get_by_role("link", name="Voornaam: Vul je voornaam in.")).to_be_visible()
    expect(summary.get_by_role("link", name="Postcode: Vul je postcode in.")).to_be_visible()
    expect(summary.get_by_role("link", name="Waar wil je aan meedoen: Kies minstens één activiteit.")).to_be_visible()
    expect(
        summary.get_by_role("link", name="Wanneer kun je meestal: Kies minstens één dagdeel waarop je kunt.")
    ).to_be_visible()
    expect(page.get_by_label("Voornaam")).to_have_attribute("aria-invalid", "true")
    shoot(page, "aanmelden-foutmeldingen")

    summary.get_by_role("link", name=re.compile("^Voornaam:")).click()
    expect(page).to_have_url(re.compile("#first_name$"))
    expect(page.get_by_label("Voornaam")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Wanneer kun je meestal:")).click()
    expect(page).to_have_url(re.compile("#availability$"))
    page.keyboard.press("Tab")  # the link leads to the grid's fieldset; Tab enters its first box
    expect(page.get_by_label("maandagochtend")).to_be_focused()

    page.get_by_label("Voornaam").fill(VOLUNTEER.first_name)
    page.get_by_label("Achternaam").fill(VOLUNTEER.last_name)
    page.get_by_label("E-mailadres").fill("sanne.bakker@example.nl")
    page.get_by_label("Telefoonnummer").fill("06 12345678")
    page.get_by_label("Geboortedatum").fill("1988-04-12")
    page.get_by_label("Postcode").fill(VOLUNTEER_POSTCODE)
    page.get_by_label("vrouw", exact=True).check()
    page.get_by_label("Maatje (buddy)").check()
    for interest in ("wandelen", "lezen", "koffie drinken en kletsen", "musea en kunst"):
        page.get_by_label(interest, exact=True).check()
    page.get_by_label("dinsdagavond").check()
    page.get_by_label("zaterdagochtend").check()
    expect(page.get_by_label("Nederlands")).to_be_checked()  # the form's default
    page.get_by_label("Hoe ver wil je reizen?").select_option(label="tot 5 km")
    page.get_by_label("Hoeveel mensen wil je tegelijk helpen?").select_option(label="1 persoon")
    page.get_by_label("Waarom wil je vrijwilliger worden?").fill("Ik wandel graag en heb tijd over.")
    page.get_by_label("Ik heb de privacyverklaring gelezen").check()
    shoot(page, "aanmelden-ingevuld")

    page.get_by_role("button", name="Aanmelding versturen").click()
    # The form posts to its own URL, so the fragment of the last error link followed rides along the redirect.
    expect(page).to_have_url(re.compile("/aanmelden/bedankt(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bedankt voor je aanmelding")
    shoot(page, "aanmelden-bedankt")


def flatcoach_refers_a_neighbour(page: Page, shoot: Shoot, flatcoach: StaffAccount) -> None:
    from playwright.sync_api import expect

    _sign_in(page, flatcoach)
    expect(page.get_by_role("heading", level=1)).to_have_text("Verwijzingen van Rijswijk Wonen")
    expect(page.get_by_text("Uw organisatie heeft nog niemand verwezen.")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Nieuwe verwijzing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Een bewoner verwijzen")

    page.get_by_label("de persoon zelf").check()
    expect(page.get_by_label("Datum van de toestemming")).not_to_have_value("")  # today, filled in
    page.get_by_label("mondeling").check()
    page.get_by_label("Voornaam").fill(RESIDENT.first_name)
    page.get_by_label("Achternaam").fill(RESIDENT.last_name)
    page.get_by_label("Telefoonnummer").fill("070 1234567")
    page.get_by_label("Postcode").fill(RESIDENT_POSTCODE)
    page.get_by_label("Maatje (buddy)").check()
    for interest in ("wandelen", "koffie drinken en kletsen", "tuinieren"):
        page.get_by_label(interest, exact=True).check()
    page.get_by_label("dinsdagavond").check()
    page.get_by_label("donderdagmiddag").check()
    expect(page.get_by_label("Nederlands")).to_be_checked()
    page.get_by_label("Waarom verwijst u deze bewoner?").fill(
        "Weinig contact sinds het overlijden van zijn vrouw; komt de deur nauwelijks uit."
    )
    page.get_by_label("Ik bevestig dat de bewoner").check()
    shoot(page, "verwijzing-ingevuld")

    page.get_by_role("button", name="Verwijzing versturen").click()
    expect(page.get_by_role("status")).to_contain_text("Welzijn Rijswijk heeft de verwijzing ontvangen")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Verwijzing: {RESIDENT.full_name}")
    shoot(page, "verwijzing-verstuurd")

    _menu(page, "Verwijzingen")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=RESIDENT.full_name))
    expect(row).to_contain_text("ontvangen")
    expect(row).to_contain_text("Maatje (buddy)")
    shoot(page, "verwijzingen-ontvangen")


def coordinator_screens_the_volunteer(page: Page, shoot: Shoot, coordinator: StaffAccount) -> None:
    from playwright.sync_api import expect

    _sign_in(page, coordinator)
    expect(page).to_have_url(re.compile("/coordinatie$"))
    _menu(page, "Vrijwilligers")
    page.get_by_label("Zoeken").fill(VOLUNTEER.last_name)
    page.get_by_role("button", name="Filteren").click()
    expect(page.get_by_text("1 vrijwilliger gevonden")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=VOLUNTEER.full_name))
    expect(row).to_contain_text("nieuw")
    expect(row).to_contain_text(VOLUNTEER_POSTCODE)
    shoot(page, "vrijwilligers-gevonden")

    row.get_by_role("link", name=VOLUNTEER.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(VOLUNTEER.full_name)
    page.get_by_role("link", name="Screening vastleggen").click()
    expect(page).to_have_url(re.compile(r"/vrijwilligers/\d+/screening$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Screening van {VOLUNTEER.full_name}")

    page.get_by_label("geschikt", exact=True).check()
    page.get_by_label("Datum van het gesprek").fill(_days_ago(7))
    page.get_by_label("Aantekeningen van het gesprek").fill("Rustig, geduldig, wandelt veel in het Wilhelminapark.")
    page.get_by_label("afgegeven", exact=True).check()
    page.get_by_label("Aangevraagd op").fill(_days_ago(30))
    page.get_by_label("Afgegeven op").fill(_days_ago(10))
    expect(page.get_by_label("Maatje (buddy)")).to_be_checked()
    shoot(page, "screening-ingevuld")

    page.get_by_role("button", name="Screening opslaan").click()
    expect(page.get_by_role("status")).to_have_text(f"De screening van {VOLUNTEER.full_name} is opgeslagen.")
    badges = page.locator("p.badges")
    expect(badges).to_contain_text("geschikt")
    expect(badges).to_contain_text("VOG geldig")
    eligibility = page.get_by_role("region", name="Kan gekoppeld worden?")
    expect(eligibility.get_by_role("listitem").filter(has_text="Maatje (buddy)").locator(".badge")).to_have_text("ja")
    shoot(page, "vrijwilliger-gescreend")


def coordinator_holds_the_intake_talk(page: Page, shoot: Shoot) -> None:
    """A referred resident takes part in runs only after a coordinator spoke with them."""
    from playwright.sync_api import expect

    _menu(page, "Bewoners")
    page.get_by_label("Zoek op naam, postcode of telefoon").fill(RESIDENT.last_name)
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name=RESIDENT.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESIDENT.full_name)
    intake = page.get_by_role("region", name="Intakegesprek vastleggen")
    intake.get_by_label("Datum van het intakegesprek").fill(_days_ago(1))
    intake.get_by_role("button", name="Intakegesprek vastleggen").click()
    expect(page.get_by_role("status")).to_have_text("Het intakegesprek is vastgelegd.")
    shoot(page, "bewoner-intake")


def coordinator_matches_and_approves(page: Page, shoot: Shoot, coordinator: StaffAccount) -> None:
    from playwright.sync_api import expect

    _menu(page, "Koppelen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koppelen")
    page.get_by_label("Voor welk programma?").select_option(label="Maatje (buddy)")
    page.get_by_role("button", name="Koppelronde starten").click()
    # The run goes on in a background thread (as under make run); its page refreshes itself until it is done.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Koppelronde \d+"))
    expect(page.locator(".run-stats").first).to_contain_text("1 voorstel", timeout=20_000)
    expect(page.locator(".run-stats").first).to_contain_text("0 bewoners zonder voorstel")

    # Back to the list of runs, and open the new run from there.
    page.get_by_role("link", name="Alle koppelrondes").click()
    run_link = page.get_by_role("link", name=re.compile(r"^Ronde \d+$"))
    expect(run_link).to_have_count(1)
    shoot(page, "koppelrondes")
    run_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Koppelronde \d+$"))

    proposal = page.get_by_role("article", name=re.compile(f"{VOLUNTEER.full_name}.*{RESIDENT.full_name}"))
    expect(proposal).to_be_visible()
    reasons = proposal.get_by_role("listitem")
    expect(reasons.filter(has_text="km van elkaar")).to_have_text(EXPECTED_DISTANCE)
    shared = reasons.filter(has_text="samen:")
    expect(shared).to_have_text(re.compile(r"^samen: "))
    expect(shared).to_contain_text("wandelen")
    expect(shared).to_contain_text("koffie drinken en kletsen")
    expect(shared).not_to_contain_text("lezen")  # only the volunteer's
    expect(reasons.filter(has_text="beiden kunnen")).to_have_text("beiden kunnen dinsdagavond")
    expect(reasons.filter(has_text="spreken allebei")).to_have_text("spreken allebei Nederlands")
    expect(proposal.locator(".badge")).to_have_text("open")
    shoot(page, "voorstel-open")

    # The button says "Goedkeuren"; a visually hidden part names the pair for screen-reader users.
    approve = re.compile(rf"^Goedkeuren\s*: {VOLUNTEER.full_name} en {RESIDENT.full_name}$")
    proposal.get_by_role("button", name=approve).click()
    expect(page.get_by_role("status")).to_have_text(
        f"Goedgekeurd: {VOLUNTEER.full_name} en {RESIDENT.full_name} maken kennis. "
        "Plan de kennismaking op de pagina van de koppeling."
    )
    expect(proposal.locator(".badge")).to_have_text("goedgekeurd")
    expect(proposal).to_contain_text(f"Goedgekeurd door {coordinator.name} op")
    expect(proposal.get_by_role("button", name=re.compile("^Goedkeuren"))).to_have_count(0)
    shoot(page, "voorstel-goedgekeurd")


def flatcoach_sees_the_referral_in_progress(page: Page, shoot: Shoot) -> None:
    """While the two get to know each other the referrer sees "in behandeling"; "gekoppeld" comes only once the
    match is active (tests/browser/test_match_life.py follows the match that far)."""
    from playwright.sync_api import expect

    page.reload()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=RESIDENT.full_name))
    expect(row).to_contain_text("in behandeling")
    shoot(page, "verwijzingen-in-behandeling")

    row.get_by_role("link", name=RESIDENT.full_name).click()
    expect(page.get_by_role("list", name="Stappen").locator("[aria-current=step]")).to_have_text("in behandeling")
    expect(page.get_by_text(VOLUNTEER.full_name)).to_have_count(0)  # the referrer never learns who
    shoot(page, "verwijzing-in-behandeling")


def test_a_volunteer_and_a_referred_resident_become_buddies(
    sessions: Sessions, live_server: LiveServer, screenshot: Shoot
) -> None:
    volunteer_signs_up(sessions.open(PHONE), screenshot)
    flatcoach = sessions.open(PHONE)
    flatcoach_refers_a_neighbour(flatcoach, screenshot, live_server.flatcoach)
    coordinator = sessions.open(DESKTOP)
    coordinator_screens_the_volunteer(coordinator, screenshot, live_server.coordinator)
    coordinator_holds_the_intake_talk(coordinator, screenshot)
    coordinator_matches_and_approves(coordinator, screenshot, live_server.coordinator)
    flatcoach_sees_the_referral_in_progress(flatcoach, screenshot)

    assert sessions.problems == []
