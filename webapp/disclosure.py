"""Statistical disclosure control for the coalition's viewers: every number a viewer sees comes from at least
``min_cell`` people (``SAMEN_MIN_CELL``, 5 by default), and no hidden number can be worked out from the others.

A pure module (no Flask, no database). The rules, applied to a ``webapp.figures.Table``:

- **Primary**: a count of 1 to ``min_cell - 1`` (people, or of fewer than ``min_cell`` distinct people when the
  count counts something else, such as check-in moments) is hidden (shown as "<5"). A zero is shown: it tells
  about nobody.
- **Secondary**: a table's sums (``Table.lines``: a row with its total, a column with its total row) would give a
  lone hidden cell away by subtraction, so a line never has exactly one hidden cell: the smallest other non-zero
  cell of that line is hidden too, else its total, else a zero cell; until every line has none or at least two
  (shown as "–"). This is the usual heuristic for tables with margins; it does not solve the general linear
  problem, which tables of this size do not need.
- **Statistics** (shares, means, medians, predictions) are hidden when they come from fewer than ``min_cell``
  people; a share also when it counts 1 to ``min_cell - 1`` of them (3 of 20 would be a small count again), and
  a cell that ``follows`` counts (a share or a mean of the people they count, the free places of those
  volunteers, a prediction from them) whenever one of them is hidden: a share of a hidden count, or a mean over it,
  could give that count away.
- Published figures (``Table.public``: the municipality's targets) and row labels are never hidden.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from webapp.enums import FigureKind, Suppression
from webapp.figures import Cell, Position, Row, Table

P = TypeVar("P", bound=Hashable)

STATISTICS = frozenset({FigureKind.PERCENT, FigureKind.MEAN, FigureKind.DAYS, FigureKind.MONTHS, FigureKind.NUMBER})


def small(count: int, people: int | None, min_cell: int) -> bool:
    """A count that tells about fewer than ``min_cell`` people (a zero tells about nobody)."""
    return count > 0 and (people if people is not None else count) < min_cell


def suppress(
    counts: Mapping[P, int],
    lines: Iterable[Sequence[P]],
    min_cell: int,
    people: Mapping[P, int] | None = None,
) -> dict[P, Suppression]:
    """Which counts to hide, and why: the small ones, then enough others that no line (the last member is the sum
    of the others) has exactly one hidden member. ``people``: for a count of something else, how many distinct
    people it comes from."""
    people = people or {}
    hidden: dict[P, Suppression] = {
        key: Suppression.SMALL for key, count in counts.items() if small(count, people.get(key), min_cell)
    }
    sums = [tuple(member for member in line if member in counts) for line in lines]
    changed = True
    while changed:
        changed = False
        for line in sums:
            if sum(1 for member in line if member in hidden) != 1:
                continue
            choice = _second_cell(line, counts, hidden)
            if choice is not None:
                hidden[choice] = Suppression.DERIVABLE
                changed = True
    return hidden


def _second_cell(line: Sequence[P], counts: Mapping[P, int], hidden: Mapping[P, Suppression]) -> P | None:
    """The cell to hide next to a line's lone hidden one: its smallest non-zero cell, else its total, else a zero."""
    total, body = line[-1], [member for member in line[:-1] if member not in hidden]
    non_zero = [member for member in body if counts[member] > 0]
    if non_zero:
        return min(non_zero, key=lambda member: counts[member])
    if total not in hidden:
        return total
    return body[0] if body else None


#: A cell of one of several tables: (the table's index, row, column).
Place = tuple[int, int, int]


def for_viewers(table: Table, min_cell: int) -> Table:
    """The table as a viewer sees it (see ``for_viewers_all``)."""
    return for_viewers_all([table], min_cell)[0]


def for_viewers_all(tables: Sequence[Table], min_cell: int, same: Iterable[tuple[Place, Place]] = ()) -> list[Table]:
    """The tables as a viewer sees them: a cell a viewer may not see loses its value and says why (``Cell.hidden``).
    ``same`` names pairs of cells in two tables that hold the same count (the waiting list's total by programme and
    by area): each pair is hidden together, so that one table never shows what the other hides."""
    counts: dict[Place, int] = {}
    people: dict[Place, int] = {}
    lines: list[tuple[Place, ...]] = []
    for t, table in enumerate(tables):
        if table.public:
            continue
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                if cell.kind is FigureKind.COUNT and isinstance(cell.value, int):
                    counts[(t, r, c)] = cell.value
                    if cell.base is not None:
                        people[(t, r, c)] = cell.base
        lines += [tuple((t, r, c) for r, c in line) for line in table.lines]
    # "b is the sum of a alone": one of the two hidden hides the other.
    lines += [(first, second) for first, second in same]
    hidden = suppress(counts, lines, min_cell, people)
    result = []
    for t, table in enumerate(tables):
        if table.public:
            result.append(table.with_rows(table.rows, suppressed=True))
            continue
        own = {(r, c): reason for (tt, r, c), reason in hidden.items() if tt == t}
        rows = []
        for r, row in enumerate(table.rows):
            cells = [_viewed(cell, own.get((r, c)), own, min_cell) for c, cell in enumerate(row.cells)]
            rows.append(Row(row.key, tuple(cells), row.total))
        result.append(table.with_rows(rows, suppressed=True))
    return result


def _viewed(cell: Cell, own: Suppression | None, hidden: Mapping[Position, Suppression], min_cell: int) -> Cell:
    reason = own
    leaders = [hidden[position] for position in cell.follows if position in hidden]
    if reason is None and leaders:
        reason = Suppression.FEW if Suppression.SMALL in leaders else Suppression.DERIVABLE
    if reason is None and cell.kind in STATISTICS and _too_few(cell, min_cell):
        reason = Suppression.FEW
    if reason is None:
        return cell
    return Cell(None, cell.kind, hidden=reason)


def _too_few(cell: Cell, min_cell: int) -> bool:
    """A statistic from fewer than ``min_cell`` people, or a share that counts 1 to ``min_cell - 1`` of them."""
    few_people = cell.base is not None and cell.base < min_cell
    return few_people or (cell.numerator is not None and small(cell.numerator, None, min_cell))


def derivable(table: Table) -> list[Position]:
    """The hidden counts a viewer could work out by subtraction: those alone in one of the table's sums (empty for a
    table made by ``for_viewers``; the tests use it)."""
    found = []
    for line in table.lines:
        lone = [p for p in line if table.rows[p[0]].cells[p[1]].hidden is not None]
        if len(lone) == 1:
            found.append(lone[0])
    return found
