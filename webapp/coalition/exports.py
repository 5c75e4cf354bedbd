"""The dashboard's tables as one CSV file and as one XLSX workbook (a sheet per table).

No cell is ever read as a formula by a spreadsheet: a text that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or
a carriage return, which some spreadsheets skip before one of those) gets a leading ``'`` in the CSV, and every text
cell of the XLSX is stored as a string explicitly. Numbers stay numbers, negative ones too: only texts are escaped.
What a viewer may not see is the text "<5" or "–" in both, exactly as on the page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from webapp.coalition.present import exported
from webapp.enums import FigureKind
from webapp.figures import Table
from webapp.services.coalition import Dashboard
from webapp.templating import when

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("tabel", "rij", "kolom", "waarde", "tabel_code", "rij_code", "kolom_code")
NUMBER_FORMATS = {
    FigureKind.PERCENT: "0.0",
    FigureKind.MEAN: "0.00",
    FigureKind.DAYS: "0.0",
    FigureKind.MONTHS: "0.0",
    FigureKind.NUMBER: "0.##",
}


def csv_safe(value: int | float | str) -> int | float | str:
    """A text that a spreadsheet would read as a formula, with a ``'`` in front; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _row_label(table: Table, cells: tuple[object, ...]) -> str:
    labels = [str(value) for column, value in zip(table.columns, cells, strict=True) if column.kind is FigureKind.TEXT]
    return " – ".join(label for label in labels if label)


def long_rows(dashboard: Dashboard) -> Iterator[tuple[int | float | str, ...]]:
    """Every figure of every table as one line: which table, row and column (as shown and as a code), the value."""
    for table in dashboard.tables:
        for row in table.rows:
            values = tuple(exported(cell, dashboard.min_cell) for cell in row.cells)
            name = _row_label(table, values)
            for column, value in zip(table.columns, values, strict=True):
                if column.kind is FigureKind.TEXT:
                    continue
                yield (table.title, name, column.heading, value, table.key, row.key, column.key)


def to_csv(dashboard: Dashboard) -> bytes:
    """One CSV (UTF-8 with a byte order mark, so that spreadsheets read the accents): a line per figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in long_rows(dashboard):
        writer.writerow([csv_safe(value) for value in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _text(sheet: Worksheet, row: int, column: int, value: str, *, bold: bool = False) -> SheetCell:
    """A cell that holds ``value`` as a string, never as a formula (openpyxl reads "=..." as one unless told)."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _value(sheet: Worksheet, row: int, column: int, value: int | float | str, kind: FigureKind, bold: bool) -> None:
    if isinstance(value, str):
        cell = _text(sheet, row, column, value, bold=bold)
        cell.alignment = Alignment(horizontal="right") if kind is not FigureKind.TEXT else Alignment()
        return
    cell = sheet.cell(row=row, column=column, value=value)
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    if bold:
        cell.font = Font(bold=True)


def _explanation(sheet: Worksheet, dashboard: Dashboard) -> None:
    lines = [
        _("Samen Rijswijk: cijfers voor de coalitie tegen eenzaamheid"),
        _("Gemaakt op %(date)s.", date=when(dashboard.today)),
        _(
            "Deelnemers aan Samen zijn niet de bevolking: zij doen mee omdat ze eenzaam zijn. De doelen van de "
            "gemeente gelden voor alle inwoners (GGD-gezondheidsmonitor) en staan er ter vergelijking bij."
        ),
    ]
    if dashboard.suppressed:
        lines += [
            _(
                "Elk getal komt van ten minste %(n)d mensen. <%(n)d: minder dan %(n)d mensen. –: niet getoond, omdat "
                "het van minder dan %(n)d mensen komt of een klein aantal zou verraden.",
                n=dashboard.min_cell,
            )
        ]
    else:
        lines += [_("Alle aantallen, ook de kleine: alleen voor coördinatoren en beheerders, niet om te delen.")]
    for number, line in enumerate(lines, start=1):
        _text(sheet, number, 1, line, bold=number == 1)
    sheet.column_dimensions["A"].width = 110


def to_xlsx(dashboard: Dashboard) -> bytes:
    """One workbook: an explanation, then a sheet per table (its title, its note, the header, the rows)."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "toelichting"
    _explanation(first, dashboard)
    for table in dashboard.tables:
        sheet = book.create_sheet(table.key[:31])
        _text(sheet, 1, 1, table.title, bold=True)
        header = 2
        if table.note:
            _text(sheet, 2, 1, table.note)
            header = 3
        for number, column in enumerate(table.columns, start=1):
            _text(sheet, header + 1, number, column.heading, bold=True)
            sheet.column_dimensions[get_column_letter(number)].width = 34 if column.kind is FigureKind.TEXT else 18
        for offset, row in enumerate(table.rows, start=header + 2):
            for number, (column, cell) in enumerate(zip(table.columns, row.cells, strict=True), start=1):
                _value(sheet, offset, number, exported(cell, dashboard.min_cell), column.kind, row.total)
        sheet.freeze_panes = sheet.cell(row=header + 2, column=2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
