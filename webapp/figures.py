"""The coalition's figures as pure computations (no Flask, no database): age bands, the municipal targets, medians,
the predicted waiting time, how check-ins kept their schedule, and the table every figure is shown in.

``webapp.services.coalition`` reads the rows and builds the tables; ``webapp.disclosure`` keeps a viewer from
learning about fewer than ``SAMEN_MIN_CELL`` people; the blueprint shows, draws and exports the same tables.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from webapp.enums import CheckInTiming, FigureKind, Suppression
from webapp.loneliness import MODERATE_OR_WORSE, SEVERE_OR_WORSE
from webapp.rules import Offset

# -- age bands (the targets' 12-18, 19-65, over 65; configurable) -----------------------------------------------

_BAND = re.compile(r"^\s*(\d{1,3})\s*-\s*(\d{1,3})?\s*$")


@dataclass(frozen=True, order=True)
class AgeBand:
    """Ages ``low`` to ``high``, both included (``high`` None: ``low`` and older)."""

    low: int
    high: int | None = None

    def __contains__(self, age: object) -> bool:
        return isinstance(age, int) and age >= self.low and (self.high is None or age <= self.high)

    @property
    def code(self) -> str:
        """'12-18', '66-': as the setting spells it."""
        return f"{self.low}-{self.high if self.high is not None else ''}"


def parse_age_bands(text: str) -> tuple[AgeBand, ...]:
    """``"12-18,19-65,66-"`` -> the bands in order; ValueError for anything else (bands out of order or overlapping,
    an open band that is not the last, an empty list). Gaps are allowed: ages in a gap count as "other"."""
    bands: list[AgeBand] = []
    for part in text.split(","):
        found = _BAND.match(part)
        if found is None:
            raise ValueError(f"not an age band like 12-18 or 66-: {part!r}")
        low, high = int(found.group(1)), int(found.group(2)) if found.group(2) else None
        if high is not None and high < low:
            raise ValueError(f"an age band runs from low to high: {part!r}")
        if bands and (bands[-1].high is None or bands[-1].high >= low):
            raise ValueError(f"age bands must be in increasing order and must not overlap: {text!r}")
        bands.append(AgeBand(low, high))
    return tuple(bands)


def band_of(age: int | None, bands: Sequence[AgeBand]) -> AgeBand | None:
    """The band an age on the day of a measurement falls in; None for an unknown age or one outside every band."""
    return next((band for band in bands if age in band), None)


# -- the municipality's targets (GGD health monitor, whole population) ------------------------------------------


@dataclass(frozen=True)
class Target:
    """A target of Gemeente Rijswijk: the share of all residents (of an age band; None: every age) with a total score
    of ``min_total`` or more, from ``baseline_percent`` (the GGD monitor before the coalition) to ``target_percent``."""

    min_total: int
    band: AgeBand | None
    baseline_percent: float
    target_percent: float


#: From the municipality's own text (../shared/mission/): severely lonely 8% -> 4%; moderately to very severely lonely
#: 12-18 and 19-65: 46% -> 40%; over 65: 52% -> 40%.
TARGETS = (
    Target(SEVERE_OR_WORSE, None, 8.0, 4.0),
    Target(MODERATE_OR_WORSE, AgeBand(12, 18), 46.0, 40.0),
    Target(MODERATE_OR_WORSE, AgeBand(19, 65), 46.0, 40.0),
    Target(MODERATE_OR_WORSE, AgeBand(66, None), 52.0, 40.0),
)


def target_for(min_total: int, band: AgeBand | None) -> Target | None:
    """The target for a share in a band: the band's own, else the one for every age; None when there is none (a
    band the targets do not know, for instance after other edges were configured)."""
    own = next((t for t in TARGETS if t.min_total == min_total and t.band is not None and t.band == band), None)
    return own or next((t for t in TARGETS if t.min_total == min_total and t.band is None), None)


# -- small statistics ---------------------------------------------------------------------------------------------


def median(values: Iterable[float]) -> float | None:
    items = list(values)
    return float(statistics.median(items)) if items else None


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return statistics.fmean(items) if items else None


def percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


#: The months over which the pace of matching is measured for the predicted waiting time.
PACE_MONTHS = 6


def predicted_waiting_months(backlog: int, matched: int, months: int = PACE_MONTHS) -> float | None:
    """How long the waiting list of a programme takes to clear at the pace of the last ``months``: ``backlog``
    waiting residents / (``matched`` matches that became active in those months / ``months``). None when nobody was
    matched in that time (then nothing can be predicted); 0 for an empty waiting list.

    >>> predicted_waiting_months(12, 6)   # 6 matches in 6 months: one a month, 12 waiting: a year
    12.0
    >>> predicted_waiting_months(3, 0) is None
    True
    """
    if backlog < 0 or matched < 0 or months <= 0:
        raise ValueError("the backlog and the matches are counts, the months a positive number")
    if matched == 0:
        return None
    return backlog / (matched / months)


# -- check-ins against their schedule ---------------------------------------------------------------------------


def check_in_timings(
    started_on: date,
    ended_on: date | None,
    held_on: Iterable[date],
    schedule: Sequence[Offset],
    window_days: int,
    today: date,
) -> list[tuple[Offset, CheckInTiming]]:
    """How each moment of the schedule went for one match, as the follow-up rule counts it
    (``webapp.rules.check_in_outlook``): a check-in held within ``window_days`` either side of a moment is on time;
    a moment whose window has closed is late when the first check-in that covers it (held on or after the window
    opened) came later, and missed when there is none. Moments after the match ended, and moments whose window is
    still open without a check-in, are not judged (left out)."""
    held = sorted(held_on)
    window = timedelta(days=window_days)
    timings = []
    for moment in schedule:
        due_on = moment.after(started_on)
        if ended_on is not None and ended_on < due_on:
            continue
        covering = [day for day in held if day >= due_on - window]
        if covering and covering[0] <= due_on + window:
            timings.append((moment, CheckInTiming.ON_TIME))
        elif today <= due_on + window:
            continue
        elif covering:
            timings.append((moment, CheckInTiming.LATE))
        else:
            timings.append((moment, CheckInTiming.MISSED))
    return timings


# -- the tables ---------------------------------------------------------------------------------------------------

Position = tuple[int, int]


@dataclass(frozen=True)
class Cell:
    """One figure. ``value`` None: no figure (nobody to compute it from). ``base``: how many people a statistic
    comes from (for a count: how many distinct people it counts, when that differs from the count itself);
    ``numerator``: how many of them a share counts; ``follows``: the counts whose suppression this cell shares (a
    share of it, the free places of those volunteers). ``hidden``: why a viewer does not see it."""

    value: int | float | str | None
    kind: FigureKind = FigureKind.COUNT
    base: int | None = None
    numerator: int | None = None
    follows: tuple[Position, ...] = ()
    hidden: Suppression | None = None


def text(label: object) -> Cell:
    return Cell(str(label), FigureKind.TEXT)


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: FigureKind = FigureKind.COUNT


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[Cell, ...]
    total: bool = False  # a row of totals (shown bold)


@dataclass(frozen=True)
class Table:
    """A table of figures as every reader sees it: the page, the chart's data, the CSV and the XLSX.

    ``lines`` are the table's sums: each a tuple of positions (row, column) of counts whose last one is the sum of
    the others (a row with its total, a column with its total row). Suppression (``webapp.disclosure``) keeps every
    line from giving a hidden count away. ``public``: published figures, not ours (the targets), never hidden."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    lines: tuple[tuple[Position, ...], ...] = ()
    note: str = ""
    public: bool = False
    suppressed: bool = False  # made for viewers (``webapp.disclosure.for_viewers``)

    def position(self, row_key: str, column_key: str) -> Position:
        row = next(i for i, r in enumerate(self.rows) if r.key == row_key)
        column = next(i for i, c in enumerate(self.columns) if c.key == column_key)
        return row, column

    def cell(self, row_key: str, column_key: str) -> Cell:
        row, column = self.position(row_key, column_key)
        return self.rows[row].cells[column]

    def with_rows(self, rows: Sequence[Row], suppressed: bool) -> Table:
        return replace(self, rows=tuple(rows), suppressed=suppressed)


def sum_lines(
    rows: Sequence[int], columns: Sequence[int], total_row: int | None, total_column: int | None
) -> list[tuple[Position, ...]]:
    """The sums of a grid of counts with a total column (each row's cells add up to it) and a total row (each
    column's cells add up to it), either of which may be absent; the total row's own line ends in the corner."""
    lines: list[tuple[Position, ...]] = []
    if total_column is not None:
        for row in [*rows, *([total_row] if total_row is not None else [])]:
            lines.append((*((row, column) for column in columns), (row, total_column)))
    if total_row is not None:
        for column in [*columns, *([total_column] if total_column is not None else [])]:
            lines.append((*((row, column) for row in rows), (total_row, column)))
    return lines
