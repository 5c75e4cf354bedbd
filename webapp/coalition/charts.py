"""The dashboard's charts, drawn on the server as SVG with matplotlib (its object API and the SVG backend: no pyplot,
no global state, no JavaScript, nothing loaded from elsewhere).

Each chart is drawn from a small table (``chart_table``) that is made from the dashboard's own tables, as the
visitor may see them: the page shows that same table next to the chart, so the picture and the numbers never
differ, and a bar a viewer may not see is not drawn (its label says "<5" or "–").
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
from flask_babel import gettext as _
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from webapp.coalition.present import shown
from webapp.enums import FigureKind, MeasurementMoment
from webapp.figures import Cell, Column, Row, Table, target_for
from webapp.loneliness import MODERATE_OR_WORSE, SEVERE_OR_WORSE
from webapp.services.coalition import Dashboard

# The house colours (static/css/samen.css): the brand's teal, a light teal, the accent for the targets.
INK = "#1c2526"
MUTED = "#4a5759"
INTAKE_COLOUR = "#8fb8b8"
FOLLOW_UP_COLOUR = "#0b5d5e"
TARGET_COLOUR = "#b43c0a"
BAR_COLOUR = "#0b5d5e"

RC = {
    "svg.fonttype": "none",  # text stays text: smaller, sharp, read by screen readers and found by search
    "svg.hashsalt": "samen",  # the same ids in every drawing of the same figures
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 11,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
}


@dataclass(frozen=True)
class Chart:
    name: str
    table_key: str  # the dashboard table it comes from
    min_total: int | None = None  # for a loneliness chart: the share of totals of this score or more


CHARTS = {
    chart.name: chart
    for chart in (
        Chart("matig-bewoners", "eenzaamheid_bewoners", MODERATE_OR_WORSE),
        Chart("ernstig-bewoners", "eenzaamheid_bewoners", SEVERE_OR_WORSE),
        Chart("matig-vrijwilligers", "eenzaamheid_vrijwilligers", MODERATE_OR_WORSE),
        Chart("ernstig-vrijwilligers", "eenzaamheid_vrijwilligers", SEVERE_OR_WORSE),
        Chart("wachtlijst", "wachtlijst_programma"),
    )
}


def _measure_column(min_total: int) -> str:
    return "matig_of_erger" if min_total == MODERATE_OR_WORSE else "ernstig_of_erger"


def _measure_name(min_total: int) -> str:
    return _("matig tot zeer ernstig eenzaam") if min_total == MODERATE_OR_WORSE else _("(zeer) ernstig eenzaam")


def titles(chart: Chart) -> tuple[str, str]:
    """The chart's caption and its text alternative."""
    if chart.min_total is None:
        return (
            _("Wachtenden per programma"),
            _(
                "Staafdiagram van het aantal wachtende bewoners per programma, met de verwachte wachttijd; de cijfers "
                "staan in de tabel ernaast."
            ),
        )
    who = _("bewoners") if chart.table_key.endswith("bewoners") else _("vrijwilligers")
    measure = _measure_name(chart.min_total)
    return (
        _("Aandeel %(measure)s: %(who)s", measure=measure, who=who),
        _(
            "Staafdiagram: per leeftijdsgroep het aandeel %(who)s dat %(measure)s is bij de intake en bij het laatste "
            "contactmoment, met lijnen voor het startpunt en het doel van de gemeente voor de hele bevolking; de "
            "cijfers staan in de tabel ernaast.",
            who=who,
            measure=measure,
        ),
    )


def chart_table(dashboard: Dashboard, chart: Chart) -> Table:
    """The numbers of one chart, taken from the dashboard's tables (hidden where the dashboard hides them)."""
    source = dashboard.table(chart.table_key)
    if chart.min_total is None:
        rows = tuple(
            Row(row.key, (row.cells[0], source.cell(row.key, "wachtend"), source.cell(row.key, "wachttijd")), row.total)
            for row in source.rows
            if not row.total
        )
        columns = (
            Column("programma", _("Programma"), FigureKind.TEXT),
            Column("wachtend", _("Wachtend")),
            Column("wachttijd", _("Verwachte wachttijd (maanden)"), FigureKind.MONTHS),
        )
        return Table(f"grafiek_{chart.name}", titles(chart)[0], columns, rows, suppressed=dashboard.suppressed)
    column = _measure_column(chart.min_total)
    rows_list = []
    for band in [*dashboard.age_bands, None]:
        code = band.code if band is not None else "alle"
        intake = source.cell(f"{MeasurementMoment.INTAKE.value}:{code}", column)
        later = source.cell(f"{MeasurementMoment.CHECK_IN.value}:{code}", column)
        name = source.cell(f"{MeasurementMoment.INTAKE.value}:{code}", "leeftijd")
        target = target_for(chart.min_total, band)
        own_target = target is not None and (target.band == band or chart.min_total == SEVERE_OR_WORSE)
        baseline = Cell(target.baseline_percent if target and own_target else None, FigureKind.PERCENT)
        goal = Cell(target.target_percent if target and own_target else None, FigureKind.PERCENT)
        rows_list.append(Row(code, (name, intake, later, baseline, goal), total=band is None))
    columns = (
        Column("leeftijd", _("Leeftijd"), FigureKind.TEXT),
        Column("intake", _("Intake"), FigureKind.PERCENT),
        Column("contactmoment", _("Laatste contact"), FigureKind.PERCENT),
        Column("startpunt", _("Start (GGD)"), FigureKind.PERCENT),
        Column("doel", _("Doel gemeente"), FigureKind.PERCENT),
    )
    note = _("Start en doel: de gemeente voor alle inwoners (GGD-gezondheidsmonitor), niet voor de deelnemers.")
    return Table(
        f"grafiek_{chart.name}", titles(chart)[0], columns, tuple(rows_list), note=note, suppressed=dashboard.suppressed
    )


def _tick(band_code: str) -> str:
    """A band as short as a chart's axis needs it: '12-18', '66+', 'alle'."""
    if band_code == "alle":
        return _("alle")
    return band_code.replace("-", "+") if band_code.endswith("-") else band_code


def _number(cell: Cell) -> float | None:
    return float(cell.value) if cell.hidden is None and isinstance(cell.value, int | float) else None


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _loneliness(table: Table, min_cell: int) -> Figure:
    figure = Figure(figsize=(5.6, 3.6))
    axes = figure.subplots()
    width = 0.36
    for index, row in enumerate(table.rows):
        bars = ((-width / 2, row.cells[1], INTAKE_COLOUR), (width / 2, row.cells[2], FOLLOW_UP_COLOUR))
        for offset, cell, colour in bars:
            x = index + offset
            value = _number(cell)
            if value is None:
                axes.text(x, 1.5, shown(cell, min_cell), ha="center", va="bottom", color=MUTED, fontsize=9)
                continue
            axes.bar(x, value, width=width * 0.95, color=colour)
            axes.text(x, value + 1.5, shown(cell, min_cell), ha="center", va="bottom", color=INK, fontsize=9)
        baseline, goal = _number(row.cells[3]), _number(row.cells[4])
        if baseline is not None:
            axes.hlines(baseline, index - 0.48, index + 0.48, colors=MUTED, linestyles="dashed", linewidth=1.5)
        if goal is not None:
            axes.hlines(goal, index - 0.48, index + 0.48, colors=TARGET_COLOUR, linewidth=2.2)
    axes.set_xticks(range(len(table.rows)), [_tick(row.key) for row in table.rows])
    axes.set_ylim(0, 110)
    axes.set_yticks(range(0, 101, 20), [f"{tick}%" for tick in range(0, 101, 20)])
    axes.spines[["top", "right"]].set_visible(False)
    handles = [
        Patch(color=INTAKE_COLOUR, label=_("bij de intake")),
        Patch(color=FOLLOW_UP_COLOUR, label=_("laatste contactmoment")),
        Line2D([], [], color=MUTED, linestyle="dashed", label=_("startpunt bevolking (GGD)")),
        Line2D([], [], color=TARGET_COLOUR, linewidth=2.2, label=_("doel gemeente (bevolking)")),
    ]
    figure.legend(handles=handles, loc="lower center", ncols=2, frameon=False, bbox_to_anchor=(0.5, -0.12))
    return figure


def _waiting(table: Table, min_cell: int) -> Figure:
    rows = list(table.rows)
    figure = Figure(figsize=(5.6, 0.8 + 0.6 * max(1, len(rows))))
    axes = figure.subplots()
    values = [_number(row.cells[1]) for row in rows]
    largest = max([v for v in values if v is not None] or [1.0])
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        months = row.cells[2]
        wait = f"{round(months.value)}" if isinstance(months.value, float) else shown(months, min_cell)
        note = _("%(count)s wachtend, ≈ %(months)s mnd", count=shown(row.cells[1], min_cell), months=wait)
        if months.value is None and months.hidden is None:
            note = _("%(count)s wachtend, niet te voorspellen", count=shown(row.cells[1], min_cell))
        axes.barh(index, value or 0, color=BAR_COLOUR, height=0.6)
        axes.text((value or 0) + largest * 0.02, index, note, va="center", color=INK, fontsize=10)
    axes.set_yticks(range(len(rows)), [str(row.cells[0].value) for row in rows])
    axes.invert_yaxis()
    axes.set_xlim(0, largest * 1.6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlabel(_("wachtende bewoners"))
    return figure


def draw(dashboard: Dashboard, chart: Chart) -> bytes:
    """The chart as an SVG document."""
    table = chart_table(dashboard, chart)
    with matplotlib.rc_context(RC):
        figure = _loneliness(table, dashboard.min_cell) if chart.min_total else _waiting(table, dashboard.min_cell)
        return _svg(figure)


def chart_tables(dashboard: Dashboard) -> dict[str, tuple[Chart, Table, tuple[str, str]]]:
    """Every chart with its table of numbers and its caption and text alternative (for the page)."""
    return {name: (chart, chart_table(dashboard, chart), titles(chart)) for name, chart in CHARTS.items()}
