"""How a figure of the coalition's tables is written: on the page (Dutch or English numbers), and in the exports
(numbers stay numbers; what a viewer may not see is the same text everywhere: "<5" or "–")."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from webapp.enums import FigureKind, Suppression
from webapp.figures import Cell

NO_FIGURE = "–"  # an en dash: never read as a minus (or a formula) by a spreadsheet

#: Decimals kept in the exports per kind of figure.
EXPORT_DECIMALS = {FigureKind.PERCENT: 1, FigureKind.MEAN: 2, FigureKind.DAYS: 1, FigureKind.MONTHS: 1}
SHOWN_FORMATS = {
    FigureKind.PERCENT: "#,##0",
    FigureKind.MEAN: "#,##0.0",
    FigureKind.DAYS: "#,##0.#",
    FigureKind.MONTHS: "#,##0.0",
    FigureKind.NUMBER: "#,##0.#",
    FigureKind.COUNT: "#,##0",
}


def hidden_text(reason: Suppression, min_cell: int) -> str:
    return f"<{min_cell}" if reason is Suppression.SMALL else NO_FIGURE


def shown(cell: Cell, min_cell: int) -> str:
    """The cell as the page shows it."""
    if cell.hidden is not None:
        return hidden_text(cell.hidden, min_cell)
    if cell.value is None:
        return _("niet te voorspellen") if cell.kind is FigureKind.MONTHS else NO_FIGURE
    if cell.kind is FigureKind.TEXT or isinstance(cell.value, str):
        return str(cell.value)
    number = format_decimal(cell.value, format=SHOWN_FORMATS.get(cell.kind, "#,##0.#"))
    return f"{number}%" if cell.kind is FigureKind.PERCENT else number


def exported(cell: Cell, min_cell: int) -> int | float | str:
    """The cell as the CSV and the XLSX hold it: a number, a text, or "" for no figure."""
    if cell.hidden is not None:
        return hidden_text(cell.hidden, min_cell)
    if cell.value is None:
        return ""
    if isinstance(cell.value, str):
        return cell.value
    value = round(float(cell.value), EXPORT_DECIMALS.get(cell.kind, 2))
    return int(value) if cell.kind in (FigureKind.COUNT, FigureKind.NUMBER) and value.is_integer() else value
