"""Issue 8 in the browser: a coordinator records a loneliness measurement at a check-in, and the coalition's
dashboard counts it (the demo data, as `make run` loads them)."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

from tests.browser.conftest import DemoServer, Sessions
from tests.browser.test_match_life import DESKTOP, _menu, _sign_in, coordinator_records_a_check_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

FOLLOW_UP = "contactmoment:"  # the dashboard's rows for the latest check-in measurement, by age band


def _follow_up_figures(page: Page) -> dict[tuple[str, str], str]:
    """The dashboard's figures for residents at their latest check-in measurement (by age band), from its export."""
    export = page.request.get("/coalitie/export.csv")
    assert export.status == 200
    rows = csv.DictReader(io.StringIO(export.text().lstrip("\ufeff")))
    return {
        (row["rij_code"], row["kolom_code"]): row["waarde"]
        for row in rows
        if row["tabel_code"] == "eenzaamheid_bewoners" and row["rij_code"].startswith(FOLLOW_UP)
    }


def _measured(figures: dict[tuple[str, str], str]) -> int:
    return sum(int(value or 0) for (_row, column), value in figures.items() if column == "met_totaal")


def test_a_measurement_at_a_check_in_reaches_the_dashboard(demo_sessions: Sessions, demo_server: DemoServer) -> None:
    from playwright.sync_api import expect

    page = demo_sessions.open(DESKTOP)
    _sign_in(page, "coordinator@samen.test", "demo-coordinator-2026")
    before = _follow_up_figures(page)
    assert before, "the demo has residents measured at a check-in"

    # An active match whose resident agreed to the measurement: record a check-in, then measure at it.
    _menu(page, "Koppelingen")
    for link in page.get_by_role("link", name=re.compile(" en ")).all():
        href = link.get_attribute("href") or ""
        if not re.search(r"/koppelingen/\d+$", href):
            continue
        page.goto(href)
        if page.get_by_role("button", name="Contactmoment vastleggen").count() == 0:
            page.go_back()
            continue
        coordinator_records_a_check_in(page, expected_rows=None)
        offer = page.get_by_role("link", name=re.compile("^Bewoner: "))
        if offer.count():
            break
        page.goto("/koppelingen/")
    else:
        raise AssertionError("no active match in the demo whose resident agreed to a measurement")
    offer.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Eenzaamheid")
    answers = ["nee", "ja", "nee", "min of meer", "nee", "nee", "ja", "ja", "nee", "nee", "ja"]  # total 1
    for item, answer in enumerate(answers):
        page.locator("fieldset.djg-item").nth(item).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Meting opslaan").click()

    expect(page.get_by_role("status")).to_contain_text("De meting is vastgelegd")
    # Each resident counts once, at their latest check-in measurement: this one (a total of 1) is now theirs, so the
    # figures change, and the count grows by one at most (by none when they had been measured at a check-in).
    after = _follow_up_figures(page)
    assert after != before
    assert _measured(before) <= _measured(after) <= _measured(before) + 1
    page.goto("/coalitie")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert demo_sessions.problems == []
