"""The coalition's dashboard (/coalitie): the figures on small known data, suppression for viewers, the charts, the
exports, the viewer's access and the predicted waiting time (on the dashboard and on a resident's page)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from tests.webapp.conftest import AuthActions
from tests.webapp.factories import Factories, today
from webapp.clock import local_today
from webapp.coalition import exports
from webapp.disclosure import derivable, for_viewers, suppress
from webapp.enums import (
    AuditAction,
    CheckInTiming,
    ConsentPurpose,
    FigureKind,
    MeasurementMoment,
    MeasurementSource,
    Suppression,
)
from webapp.extensions import db
from webapp.figures import (
    AgeBand,
    Cell,
    Column,
    Row,
    Table,
    band_of,
    check_in_timings,
    parse_age_bands,
    predicted_waiting_months,
    sum_lines,
    text,
)
from webapp.loneliness import INSTRUMENT_VERSION, category_of
from webapp.models import (
    AuditEvent,
    EndReason,
    LonelinessMeasurement,
    MatchStatus,
    OrganisationKind,
    Resident,
    Role,
    User,
    Volunteer,
)
from webapp.rules import Offset
from webapp.services import consent, matches
from webapp.services.coalition import (
    Dashboard,
    coalition_dashboard,
    settings_from,
    waiting_forecast,
)
from webapp.services.coalition import (
    for_viewers as dashboard_for_viewers,
)

MEASURED = (ConsentPurpose.INTAKE_MATCHING, ConsentPurpose.LONELINESS)


# -- helpers ------------------------------------------------------------------------------------------------------


def measure(
    person: Resident | Volunteer,
    total: int | None,
    *,
    age: int | None = 70,
    moment: MeasurementMoment = MeasurementMoment.INTAKE,
    on: date | None = None,
    emotional: int | None = None,
    instrument: str = INSTRUMENT_VERSION,
) -> LonelinessMeasurement:
    """A stored measurement (as the measurement service would leave it): ``total`` None is one with a missing answer;
    the subscales split the total (emotional first) unless ``emotional`` is given."""
    if total is None:
        scores: dict[str, Any] = {"total": None, "emotional": emotional, "social": None, "missing": 1, "category": None}
    else:
        first = min(total, 6) if emotional is None else emotional
        scores = {"total": total, "emotional": first, "social": total - first, "missing": 0}
        scores["category"] = category_of(total)
    owner = {"resident_id": person.id} if isinstance(person, Resident) else {"volunteer_id": person.id}
    row = LonelinessMeasurement(
        **owner,
        measured_on=on or today() - timedelta(days=30),
        moment=moment,
        source=MeasurementSource.STAFF,
        instrument_version=instrument,
        answers=[None] * 11,
        age=age,
        **scores,
    )
    db.session.add(row)
    db.session.flush()
    return row


def measured_resident(make: Factories, **fields: Any) -> Resident:
    return make.resident(consents=MEASURED, **fields)


def dashboard(app: Flask) -> Dashboard:
    return coalition_dashboard(db.session, settings_from(app.config), local_today())


def values(table: Table, column: str) -> dict[str, Any]:
    """A column of a table by row key (the hidden reason for a hidden cell)."""
    result = {}
    for row in table.rows:
        cell = table.cell(row.key, column)
        result[row.key] = cell.hidden if cell.hidden is not None else cell.value
    return result


def sign_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login_as(user)
    return client


@pytest.fixture
def viewer(make: Factories) -> User:
    municipality = make.organisation("Gemeente Rijswijk", OrganisationKind.GEMEENTE)
    user = make.user(Role.VIEWER, organisation=municipality, name="Gerda Gemeente")
    db.session.commit()
    return user


@pytest.fixture
def coordinator_client(app: Flask, make: Factories) -> FlaskClient:
    user = make.user(Role.COORDINATOR)
    db.session.commit()
    return sign_in(app, user)


# -- age bands (pure) ---------------------------------------------------------------------------------------------


def test_the_default_age_bands_are_the_targets_ones() -> None:
    assert parse_age_bands("12-18,19-65,66-") == (AgeBand(12, 18), AgeBand(19, 65), AgeBand(66, None))


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (11, None),
        (12, AgeBand(12, 18)),
        (18, AgeBand(12, 18)),
        (19, AgeBand(19, 65)),
        (65, AgeBand(19, 65)),
        (66, AgeBand(66, None)),
        (104, AgeBand(66, None)),
        (None, None),
    ],
)
def test_an_age_falls_in_its_band_at_the_edges(age: int | None, band: AgeBand | None) -> None:
    assert band_of(age, parse_age_bands("12-18,19-65,66-")) == band


@pytest.mark.parametrize("text_", ["", "12-18,18-65", "19-65,12-18", "66-,12-18", "12-x", "18-12"])
def test_wrong_age_bands_are_refused(text_: str) -> None:
    with pytest.raises(ValueError, match="age band"):
        parse_age_bands(text_)


def test_wrong_age_bands_stop_the_app_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import create_app
    from webapp.config import ConfigurationError

    monkeypatch.setenv("SAMEN_AGE_BANDS", "12-18,18-65")
    with pytest.raises(ConfigurationError, match="SAMEN_AGE_BANDS"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


# -- loneliness outcomes on known data ----------------------------------------------------------------------------


def test_the_age_band_is_that_on_the_day_of_each_measurement(app: Flask, make: Factories) -> None:
    for age in (18, 19, 65, 66):
        measure(measured_resident(make), 5, age=age)
    turned_66 = measured_resident(make)
    measure(turned_66, 6, age=65, on=today() - timedelta(days=400))
    measure(turned_66, 4, age=66, moment=MeasurementMoment.CHECK_IN, on=today() - timedelta(days=10))

    table = dashboard(app).table("eenzaamheid_bewoners")
    measured = values(table, "met_totaal")

    assert measured["intake:12-18"] == 1
    assert measured["intake:19-65"] == 3  # 19, 65 and the one who turned 66 later
    assert measured["intake:66-"] == 1
    assert measured["intake:alle"] == 5
    assert measured["contactmoment:19-65"] == 0
    assert measured["contactmoment:66-"] == 1


def test_shares_and_means_count_complete_measurements_and_incomplete_ones_apart(app: Flask, make: Factories) -> None:
    for total in (2, 3, 8, 9, 11):
        measure(measured_resident(make), total, age=40)
    measure(measured_resident(make), None, age=40, emotional=4)  # one answer missing: no total

    table = dashboard(app).table("eenzaamheid_bewoners")

    assert table.cell("intake:19-65", "met_totaal").value == 5
    assert table.cell("intake:19-65", "onvolledig").value == 1
    assert table.cell("intake:19-65", "matig_of_erger").value == pytest.approx(80.0)
    assert table.cell("intake:19-65", "ernstig_of_erger").value == pytest.approx(40.0)
    assert table.cell("intake:19-65", "gem_totaal").value == pytest.approx(6.6)
    # Emotional: 2, 3, 6, 6, 6 from the complete ones and 4 from the incomplete one (its emotional items are all
    # there); social: 0, 0, 2, 3, 5 from the complete ones only.
    assert table.cell("intake:19-65", "gem_emotioneel").value == pytest.approx(27 / 6)
    assert table.cell("intake:19-65", "gem_sociaal").value == pytest.approx(2.0)
    assert table.cell("intake:19-65", "gem_emotioneel").base == 6


def test_each_person_counts_once_per_moment_first_intake_and_latest_follow_up(app: Flask, make: Factories) -> None:
    resident = measured_resident(make)
    measure(resident, 9, age=70, on=today() - timedelta(days=300))
    measure(resident, 10, age=70, on=today() - timedelta(days=290))  # a second intake (through a link): not counted
    measure(resident, 7, age=70, moment=MeasurementMoment.CHECK_IN, on=today() - timedelta(days=200))
    measure(resident, 4, age=70, moment=MeasurementMoment.CHECK_IN, on=today() - timedelta(days=20))
    measure(resident, 1, age=70, moment=MeasurementMoment.OTHER, on=today() - timedelta(days=5))

    table = dashboard(app).table("eenzaamheid_bewoners")

    assert table.cell("intake:alle", "met_totaal").value == 1
    assert table.cell("intake:alle", "gem_totaal").value == 9
    assert table.cell("contactmoment:alle", "met_totaal").value == 1
    assert table.cell("contactmoment:alle", "gem_totaal").value == 4


def test_only_people_who_consent_and_are_not_restricted_count_and_only_the_11_item_scale(
    app: Flask, make: Factories
) -> None:
    counted = measured_resident(make)
    measure(counted, 5)
    measure(make.resident(), 5)  # no consent for loneliness measurement
    withdrawn = measured_resident(make)
    measure(withdrawn, 5)
    consent.withdraw(db.session, withdrawn, ConsentPurpose.LONELINESS, make.user(Role.COORDINATOR), "")
    restricted = measured_resident(make, restricted_at=today() - timedelta(days=1))
    measure(restricted, 5)
    measure(measured_resident(make), 5, instrument="djg6-nl-ggd-1")  # the short version: other bands

    table = dashboard(app).table("eenzaamheid_bewoners")

    assert table.cell("intake:alle", "met_totaal").value == 1


def test_residents_and_volunteers_are_reported_apart(app: Flask, make: Factories) -> None:
    volunteer = make.volunteer(consents=MEASURED, lonely_themselves=True)
    measure(volunteer, 7, age=30)
    measure(measured_resident(make), 9, age=80)

    figures = dashboard(app)

    assert figures.table("eenzaamheid_vrijwilligers").cell("intake:19-65", "met_totaal").value == 1
    assert figures.table("eenzaamheid_vrijwilligers").cell("intake:66-", "met_totaal").value == 0
    assert figures.table("eenzaamheid_bewoners").cell("intake:66-", "met_totaal").value == 1
    assert figures.table("eenzaamheid_bewoners").cell("intake:19-65", "met_totaal").value == 0


def test_the_change_table_pairs_intake_with_the_latest_follow_up(app: Flask, make: Factories) -> None:
    pairs = [(9, 4), (9, 10), (5, 2), (5, 6), (11, 11)]
    for before, after in pairs:
        resident = measured_resident(make)
        measure(resident, before, on=today() - timedelta(days=200))
        measure(resident, after, moment=MeasurementMoment.CHECK_IN, on=today() - timedelta(days=10))
    only_intake = measured_resident(make)
    measure(only_intake, 9)
    incomplete_later = measured_resident(make)
    measure(incomplete_later, 9, on=today() - timedelta(days=200))
    measure(incomplete_later, None, moment=MeasurementMoment.CHECK_IN)

    table = dashboard(app).table("verandering_bewoners")

    assert table.cell("ernstig eenzaam", "matig eenzaam").value == 1
    assert table.cell("ernstig eenzaam", "ernstig eenzaam").value == 1
    assert table.cell("matig eenzaam", "niet eenzaam").value == 1
    assert table.cell("matig eenzaam", "matig eenzaam").value == 1
    assert table.cell("zeer ernstig eenzaam", "zeer ernstig eenzaam").value == 1
    assert table.cell("ernstig eenzaam", "totaal").value == 2
    assert table.cell("totaal", "niet eenzaam").value == 1
    assert table.cell("totaal", "totaal").value == 5


def test_the_targets_are_the_municipalitys_whole_population_ones(app: Flask) -> None:
    table = dashboard(app).table("doelen")

    assert table.public
    assert (table.cell("9:alle", "startpunt").value, table.cell("9:alle", "doel").value) == (8.0, 4.0)
    assert (table.cell("3:12-18", "startpunt").value, table.cell("3:12-18", "doel").value) == (46.0, 40.0)
    assert (table.cell("3:19-65", "startpunt").value, table.cell("3:19-65", "doel").value) == (46.0, 40.0)
    assert (table.cell("3:66-", "startpunt").value, table.cell("3:66-", "doel").value) == (52.0, 40.0)
    assert "niet de bevolking" in table.note


# -- suppression (pure) ---------------------------------------------------------------------------------------------


def test_a_row_with_one_small_cell_gets_a_second_hidden_one() -> None:
    # One row: 3 + 10 + 12 = 25 with its total shown. The 3 alone would be 25 - 10 - 12.
    counts = {"a": 3, "b": 10, "c": 12, "total": 25}

    hidden = suppress(counts, [("a", "b", "c", "total")], 5)

    assert hidden == {"a": Suppression.SMALL, "b": Suppression.DERIVABLE}


def test_with_only_zeros_beside_it_the_total_is_hidden() -> None:
    hidden = suppress({"a": 2, "b": 0, "total": 2}, [("a", "b", "total")], 5)

    assert hidden == {"a": Suppression.SMALL, "total": Suppression.SMALL}


def test_zeros_and_counts_of_at_least_the_minimum_are_shown() -> None:
    assert suppress({"a": 0, "b": 5, "total": 5}, [("a", "b", "total")], 5) == {}


def test_a_grid_with_margins_hides_no_cell_that_subtraction_could_recover() -> None:
    # 2 x 2 with row totals, column totals and the corner: the 2 spreads to its row, its column and the far corner.
    rows = [[2, 20], [30, 40]]
    cells = [[Cell(v) for v in row] for row in rows]
    table_rows = [Row(str(r), (text(r), *cells[r], Cell(sum(rows[r])))) for r in range(2)] + [
        Row("t", (text("t"), Cell(32), Cell(60), Cell(92)), total=True)
    ]
    columns = (Column("k", "k", FigureKind.TEXT), Column("x", "x"), Column("y", "y"), Column("t", "t"))
    table = Table("grid", "grid", columns, tuple(table_rows), tuple(sum_lines([0, 1], [1, 2], 2, 3)))

    shown = for_viewers(table, 5)

    hidden = {(r, c) for r, row in enumerate(shown.rows) for c, cell in enumerate(row.cells) if cell.hidden}
    assert hidden == {(0, 1), (0, 2), (1, 1), (1, 2)}
    assert derivable(shown) == []
    assert all(shown.rows[r].cells[c].value is None for r, c in hidden)


grids = st.integers(min_value=1, max_value=4).flatmap(
    lambda n_rows: st.integers(min_value=1, max_value=4).flatmap(
        lambda n_cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=12), min_size=n_cols, max_size=n_cols),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_table_leaves_a_hidden_count_alone_in_one_of_its_sums(grid: list[list[int]]) -> None:
    n_rows, n_cols = len(grid), len(grid[0])
    counts: dict[tuple[int, int], int] = {}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            counts[(r, c)] = value
        counts[(r, n_cols)] = sum(row)
    for c in range(n_cols + 1):
        counts[(n_rows, c)] = sum(counts[(r, c)] for r in range(n_rows))
    lines = sum_lines(range(n_rows), range(n_cols), n_rows, n_cols)

    hidden = suppress(counts, lines, 5)

    assert all(key in hidden for key, value in counts.items() if 0 < value < 5)
    assert all(sum(1 for member in line if member in hidden) != 1 for line in lines)


def test_a_share_of_a_few_people_or_from_a_few_people_is_hidden() -> None:
    columns = (Column("k", "k", FigureKind.TEXT), Column("n", "n"), Column("p", "p", FigureKind.PERCENT))
    rows = (
        Row("small base", (text("a"), Cell(4), Cell(50.0, FigureKind.PERCENT, base=4, numerator=2))),
        Row("few counted", (text("b"), Cell(20), Cell(15.0, FigureKind.PERCENT, base=20, numerator=3))),
        Row("fine", (text("c"), Cell(20), Cell(25.0, FigureKind.PERCENT, base=20, numerator=5))),
        Row("none", (text("d"), Cell(20), Cell(0.0, FigureKind.PERCENT, base=20, numerator=0))),
    )

    shown = for_viewers(Table("t", "t", columns, rows), 5)

    assert values(shown, "p") == {
        "small base": Suppression.FEW,
        "few counted": Suppression.FEW,
        "fine": 25.0,
        "none": 0.0,
    }


def test_a_statistic_next_to_a_hidden_count_is_hidden_too() -> None:
    # 3 + 8 = 11: the 3 is small, so the 8 is hidden as well; a share of the 8 (6 of them: 75%) would give it away.
    columns = (Column("k", "k", FigureKind.TEXT), Column("n", "n"), Column("p", "p", FigureKind.PERCENT))
    rows = (
        Row("a", (text("a"), Cell(3), Cell(None, FigureKind.PERCENT, base=3, follows=((0, 1),)))),
        Row("b", (text("b"), Cell(8), Cell(75.0, FigureKind.PERCENT, base=8, numerator=6, follows=((1, 1),)))),
        Row("t", (text("t"), Cell(11), Cell(81.8, FigureKind.PERCENT, base=11, numerator=9, follows=((2, 1),)))),
    )
    table = Table("t", "t", columns, rows, tuple(sum_lines([0, 1], [1], 2, None)))

    shown = for_viewers(table, 5)

    assert values(shown, "n") == {"a": Suppression.SMALL, "b": Suppression.DERIVABLE, "t": 11}
    assert values(shown, "p") == {"a": Suppression.FEW, "b": Suppression.DERIVABLE, "t": 81.8}


def test_the_viewers_dashboard_hides_small_cells_and_leaves_none_derivable(app: Flask, make: Factories) -> None:
    coordinator = make.user(Role.COORDINATOR)
    for _ in range(7):
        make.resident(recorded_by=coordinator, pc4="2282")
    for _ in range(2):
        make.resident(recorded_by=coordinator, pc4="2281")
    for _ in range(6):
        make.resident(recorded_by=coordinator, pc4="2283")

    viewers = dashboard_for_viewers(dashboard(app))

    by_area = values(viewers.table("wachtlijst_gebied"), "wachtend")
    assert by_area["2281"] is Suppression.SMALL
    assert by_area["2283"] is Suppression.DERIVABLE  # the next-smallest, else 15 - 7 - 6 = 2
    assert by_area["2282"] == 7
    assert by_area["totaal"] == 15
    assert all(derivable(table) == [] for table in viewers.tables)


# -- the flow of the work ----------------------------------------------------------------------------------------


def test_predicted_waiting_time_worked_example(app: Flask, make: Factories) -> None:
    # Buddy: 12 waiting; 6 matches became active in the last 6 months (one a month), one 7 months ago does not count.
    coordinator = make.user(Role.COORDINATOR)
    for _ in range(12):
        make.resident(recorded_by=coordinator)
    for months_ago in (0, 1, 2, 3, 4, 5):
        started = today() - timedelta(days=30 * months_ago + 1)
        make.match(make.volunteer(), make.resident(recorded_by=coordinator), coordinator, started_on=started)
    make.match(
        make.volunteer(), make.resident(recorded_by=coordinator), coordinator, started_on=today() - timedelta(days=215)
    )
    db.session.commit()

    forecast = waiting_forecast(db.session, "buddy", local_today())
    table = dashboard(app).table("wachtlijst_programma")

    assert (forecast.backlog, forecast.matched, forecast.months) == (12, 6, 12.0)
    assert table.cell("buddy", "wachttijd").value == 12.0
    assert table.cell("buddy", "per_maand").value == 1.0
    assert predicted_waiting_months(12, 6) == 12.0
    assert predicted_waiting_months(5, 0) is None


def test_a_viewer_is_told_when_a_waiting_time_cannot_be_predicted(app: Flask, make: Factories) -> None:
    coordinator = make.user(Role.COORDINATOR)
    for _ in range(6):
        make.resident(recorded_by=coordinator, programme="bewegen")

    table = dashboard_for_viewers(dashboard(app)).table("wachtlijst_programma")

    assert table.cell("bewegen", "wachttijd").value is None
    assert table.cell("bewegen", "wachttijd").hidden is None  # shown as "niet te voorspellen"
    assert table.cell("bewegen", "actief_geworden").value == 0


def test_the_resident_page_shows_the_predicted_waiting_time(app: Flask, make: Factories) -> None:
    coordinator = make.user(Role.COORDINATOR)
    waiting = [make.resident(recorded_by=coordinator) for _ in range(3)]
    make.match(
        make.volunteer(), make.resident(recorded_by=coordinator), coordinator, started_on=today() - timedelta(days=10)
    )
    other = make.resident(recorded_by=coordinator, programme="digitaal")
    db.session.commit()
    client = sign_in(app, coordinator)

    page = client.get(f"/bewoners/{waiting[0].id}").get_data(as_text=True)
    unpredictable = client.get(f"/bewoners/{other.id}").get_data(as_text=True)

    # 3 waiting / (1 match in 6 months / 6) = 18 months.
    assert "Verwachte wachttijd voor Maatje (buddy):" in page
    assert "ongeveer 18 maanden" in page
    assert "niet te voorspellen" in unpredictable


def test_waiting_list_by_programme_adds_up(app: Flask, make: Factories) -> None:
    coordinator = make.user(Role.COORDINATOR)
    make.resident(recorded_by=coordinator)
    make.resident(recorded_by=coordinator, intake_on=None)
    make.resident(recorded_by=coordinator, programme="bewegen")

    table = dashboard(app).table("wachtlijst_programma")

    assert values(table, "met_intake") == {"buddy": 1, "bewegen": 1, "totaal": 2}
    assert values(table, "zonder_intake") == {"buddy": 1, "bewegen": 0, "totaal": 1}
    assert values(table, "wachtend") == {"buddy": 2, "bewegen": 1, "totaal": 3}


def test_check_in_moments_on_time_late_and_missed() -> None:
    schedule = (Offset(weeks=6), Offset(months=3), Offset(months=6), Offset(months=12))
    started = date(2025, 1, 1)
    held = [date(2025, 2, 10), date(2025, 5, 1)]  # 6 weeks is 12 Feb: on time; 3 months is 1 Apr: late

    timings = check_in_timings(started, None, held, schedule, 14, today=date(2025, 8, 1))

    # 6 months (1 Jul): its window closed on 15 Jul without a check-in; 12 months is still to come.
    assert timings == [
        (Offset(weeks=6), CheckInTiming.ON_TIME),
        (Offset(months=3), CheckInTiming.LATE),
        (Offset(months=6), CheckInTiming.MISSED),
    ]
    assert check_in_timings(started, date(2025, 2, 1), [], schedule, 14, date(2025, 8, 1)) == []


def test_durations_are_medians_from_the_sign_up(app: Flask, make: Factories) -> None:
    coordinator = make.user(Role.COORDINATOR)
    for days in (2, 4, 10):
        signed_up = today() - timedelta(days=60)
        resident = make.resident(recorded_by=coordinator, intake_on=signed_up + timedelta(days=days))
        resident.created_at = resident.created_at.replace(
            year=signed_up.year, month=signed_up.month, day=signed_up.day, hour=12
        )
    db.session.flush()

    table = dashboard(app).table("doorlooptijden")

    assert table.cell("intake", "bewoners").value == 3
    assert table.cell("intake", "mediaan").value == 4


def test_endings_by_reason_and_referrals_that_became_matches(app: Flask, make: Factories) -> None:
    referrer = make.user(Role.REFERRER)
    coordinator = make.user(Role.COORDINATOR)
    make.referral(referrer)
    referred = make.referral(referrer, intake_on=today() - timedelta(days=30), intake_by=coordinator).resident
    make.match(
        make.volunteer(), referred, coordinator, status=MatchStatus.BEEINDIGD, started_on=today() - timedelta(days=20)
    )

    figures = dashboard(app)

    assert values(figures.table("verwijzingen"), "verwijzingen")["actief"] == 1
    assert values(figures.table("verwijzingen"), "verwijzingen")["nieuw"] == 1
    assert values(figures.table("verwijzingen"), "verwijzingen")["totaal"] == 2
    assert values(figures.table("beeindigingen"), "koppelingen") == {"geen_klik": 1, "totaal": 1}


# -- the page, the charts and the viewer's access ------------------------------------------------------------------


def test_a_viewer_sees_the_dashboard_its_charts_and_exports(app: Flask, viewer: User) -> None:
    client = sign_in(app, viewer)

    page = client.get("/coalitie")
    chart = client.get("/coalitie/grafiek/matig-bewoners.svg")
    wait_chart = client.get("/coalitie/grafiek/wachtlijst.svg")

    assert page.status_code == 200
    assert chart.status_code == 200
    assert wait_chart.status_code == 200
    assert chart.mimetype == "image/svg+xml"
    assert (
        chart.headers["Content-Security-Policy"]
        == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    assert b"<script" not in chart.data
    assert client.get("/coalitie/export.csv").status_code == 200
    assert client.get("/coalitie/export.xlsx").status_code == 200
    assert client.get("/coalitie/grafiek/bestaat-niet.svg").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/coordinatie",
        "/bewoners",
        "/wachtlijst",
        "/koppelen/",
        "/koppelingen/",
        "/vrijwilligers",
        "/verzoeken/",
        "/beheer/accounts",
        "/beheer/audit/",
        "/verwijzingen/",
        "/verwijzingen/nieuw",
    ],
)
def test_a_viewer_is_refused_everything_else(app: Flask, viewer: User, path: str) -> None:
    assert sign_in(app, viewer).get(path).status_code == 403


def test_a_viewer_may_look_after_their_own_account(app: Flask, viewer: User) -> None:
    client = sign_in(app, viewer)

    assert client.get("/wachtwoord").status_code == 200
    assert client.get("/tweestaps").status_code == 200


def test_a_viewer_lands_on_the_dashboard_without_a_second_factor_even_where_staff_need_one(
    app: Flask, make: Factories, viewer: User
) -> None:
    app.config["SAMEN_REQUIRE_TWO_FACTOR"] = True
    client = app.test_client()

    response = AuthActions(client).login(viewer.email)
    page = client.get("/coalitie").get_data(as_text=True)

    assert response.status_code == 302
    assert response.headers["Location"] == "/coalitie"
    nav = page[page.index('class="nav"') : page.index("</ul>", page.index('class="nav"'))]
    assert nav.count("<li>") == 1
    assert "Coalitie" in nav


def test_an_admin_creates_a_viewer_account_at_any_organisation(app: Flask, make: Factories) -> None:
    admin = make.user(Role.ADMIN)
    municipality = make.organisation("Gemeente Rijswijk", OrganisationKind.GEMEENTE)
    db.session.commit()
    client = sign_in(app, admin)

    form = client.get("/beheer/accounts/nieuw").get_data(as_text=True)
    response = client.post(
        "/beheer/accounts/nieuw",
        data={"name": "Mo Manager", "email": "mo@gemeente.nl", "role": "viewer", "organisation_id": municipality.id},
    )

    assert 'value="viewer"' in form
    assert response.status_code == 200
    created = db.session.scalar(select(User).where(User.email == "mo@gemeente.nl"))
    assert created is not None
    assert created.role is Role.VIEWER
    assert created.sensitive_access_confirmed_at is None  # not a sensitive role: no reason asked


def test_coordinators_see_every_number_with_what_viewers_would_not_see_marked(
    app: Flask, make: Factories, coordinator_client: FlaskClient
) -> None:
    for _ in range(2):
        make.resident(pc4="2281")
    db.session.commit()

    page = coordinator_client.get("/coalitie").get_data(as_text=True)
    as_viewer = coordinator_client.get("/coalitie?weergave=meekijker").get_data(as_text=True)

    area = page[page.index('id="tabel-wachtlijst_gebied"') :]
    area = area[: area.index("</table>")]
    assert 'class="num would-hide" data-label="Wachtend">2</td>' in area
    viewer_area = as_viewer[as_viewer.index('id="tabel-wachtlijst_gebied"') :]
    viewer_area = viewer_area[: viewer_area.index("</table>")]
    assert "&lt;5" in viewer_area
    assert ">2</td>" not in viewer_area


def test_the_page_has_each_chart_with_a_text_alternative_and_its_numbers(coordinator_client: FlaskClient) -> None:
    page = coordinator_client.get("/coalitie").get_data(as_text=True)

    for name in ("matig-bewoners", "ernstig-bewoners", "matig-vrijwilligers", "ernstig-vrijwilligers", "wachtlijst"):
        assert f'src="/coalitie/grafiek/{name}.svg"' in page
        assert f'id="tabel-grafiek_{name}"' in page
    assert page.count('alt="Staafdiagram') == 5
    assert page.count("<figcaption>") == 5
    assert "Deelnemers zijn niet de bevolking." in page


def test_the_dashboard_answers_in_english_too(app: Flask, coordinator_client: FlaskClient) -> None:
    coordinator_client.post("/taal", data={"language": "en", "next": "/coalitie"})

    response = coordinator_client.get("/coalitie")

    assert response.status_code == 200
    assert 'lang="en"' in response.get_data(as_text=True)


# -- exports ---------------------------------------------------------------------------------------------------------


FORMULA_LABELS = ('=HYPERLINK("http://x","klik")', "-weg", "+31 bellen", "@SUM(A1)")


def _end_with_reason(make: Factories, coordinator: User, label: str, code: str) -> None:
    db.session.add(EndReason(code=code, label=label, label_en="", sort_order=99))
    db.session.flush()
    match = make.match(make.volunteer(), make.resident(recorded_by=coordinator), coordinator)
    matches.end_match(db.session, match.id, coordinator, matches.Ending(code, today(), "", True))


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_escapes_formula_like_texts(app: Flask, make: Factories) -> None:
    coordinator = make.user(Role.COORDINATOR)
    for number, label in enumerate(FORMULA_LABELS):
        _end_with_reason(make, coordinator, label, f"formule_{number}")
    db.session.commit()

    response = sign_in(app, coordinator).get("/coalitie/export.csv")
    rows = [r for r in _csv_rows(response.data) if r["tabel_code"] == "beeindigingen"]

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert {r["rij"] for r in rows} >= {"'" + label for label in FORMULA_LABELS}
    assert {r["waarde"] for r in rows if r["rij_code"].startswith("formule_")} == {"1"}


def test_the_xlsx_holds_formula_like_texts_as_strings(app: Flask, make: Factories) -> None:
    coordinator = make.user(Role.COORDINATOR)
    for number, label in enumerate(FORMULA_LABELS):
        _end_with_reason(make, coordinator, label, f"formule_{number}")
    db.session.commit()

    response = sign_in(app, coordinator).get("/coalitie/export.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["beeindigingen"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value in FORMULA_LABELS]

    assert {cell.value for cell in cells} == set(FORMULA_LABELS)
    assert all(cell.data_type == "s" for cell in cells)
    assert "toelichting" in book.sheetnames
    assert "eenzaamheid_bewoners" in book.sheetnames


def test_numbers_stay_numbers_negative_ones_too_and_only_texts_are_escaped(app: Flask) -> None:
    columns = (Column("k", "label", FigureKind.TEXT), Column("n", "getal"), Column("m", "gemiddelde", FigureKind.MEAN))
    rows = (Row("-1", (text("-min"), Cell(-3), Cell(-1.25, FigureKind.MEAN))),)
    figures = Dashboard((Table("proef", "=proef", columns, rows),), date(2026, 1, 5), 5, ())

    csv_rows = _csv_rows(exports.to_csv(figures))
    book = load_workbook(io.BytesIO(exports.to_xlsx(figures)))
    sheet = book["proef"]
    data = [cell for row in sheet.iter_rows(min_row=4) for cell in row]

    assert [r["waarde"] for r in csv_rows] == ["-3", "-1.25"]
    assert {r["tabel"] for r in csv_rows} == {"'=proef"}
    assert {r["rij"] for r in csv_rows} == {"'-min"}
    assert {r["rij_code"] for r in csv_rows} == {"'-1"}
    assert [(c.value, c.data_type) for c in data] == [("-min", "s"), (-3, "n"), (-1.25, "n")]
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("=proef", "s")


def test_a_viewers_export_is_suppressed_like_the_page_and_recorded(app: Flask, make: Factories, viewer: User) -> None:
    coordinator = make.user(Role.COORDINATOR)
    for _ in range(2):
        make.resident(recorded_by=coordinator, pc4="2281")
    for _ in range(6):
        make.resident(recorded_by=coordinator, pc4="2282")
    db.session.commit()

    viewers = _csv_rows(sign_in(app, viewer).get("/coalitie/export.csv").data)
    coordinators = _csv_rows(sign_in(app, coordinator).get("/coalitie/export.csv").data)

    def area(rows: list[dict[str, str]]) -> dict[str, str]:
        return {r["rij_code"]: r["waarde"] for r in rows if r["tabel_code"] == "wachtlijst_gebied"}

    assert area(viewers) == {"2281": "<5", "2282": "–", "totaal": "8"}
    assert area(coordinators) == {"2281": "2", "2282": "6", "totaal": "8"}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT_DOWNLOADED.value))
    recorded = sorted((e.user_id, e.subject_type, e.detail["format"], e.detail["suppressed"]) for e in events)
    assert recorded == sorted([(viewer.id, "coalition", "csv", True), (coordinator.id, "coalition", "csv", False)])


def test_a_viewers_xlsx_holds_the_hidden_cells_as_text(app: Flask, make: Factories, viewer: User) -> None:
    for _ in range(3):
        make.resident(pc4="2281")
    db.session.commit()

    book = load_workbook(io.BytesIO(sign_in(app, viewer).get("/coalitie/export.xlsx").data))
    cells = [cell for row in book["wachtlijst_gebied"].iter_rows() for cell in row if cell.value == "<5"]

    assert cells
    assert all(cell.data_type == "s" for cell in cells)
    assert 3 not in [cell.value for row in book["wachtlijst_gebied"].iter_rows() for cell in row]
