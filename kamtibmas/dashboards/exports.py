"""The dashboard's tables as files: CSV (UTF-8 with a byte order mark, for
spreadsheets) and XLSX (one sheet, ``core.xlsx``'s header row). Pure: a ``Table``
in, bytes out; the same header and rows in both.

The tables hold aggregates only (counts, shares, durations, means and the names of
areas, topics, documents and aid items), never a person, so an export writes no
audit row (SECURITY.md 5 covers personal data). Text a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@`` …, e.g. in an aid item's name typed by staff)
is written as text: a leading apostrophe in the CSV, a string cell in the XLSX.
"""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook

from kamtibmas.core.xlsx import sheet_start, workbook_bytes
from kamtibmas.dashboards.tables import Cell, Table

#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters Excel refuses in a sheet's name.
_SHEET_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")


def _rows(table: Table) -> list[list[Cell]]:
    """The header, then one line per row: its label and its cells."""
    return [list(table.columns), *([row.label, *row.cells] for row in table.rows)]


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return f"'{value}" if value.startswith(FORMULA_STARTS) else value
    return str(value)


def table_csv(table: Table) -> bytes:
    """The table as CSV bytes, with a byte order mark."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for line in _rows(table):
        writer.writerow([_csv_cell(value) for value in line])
    return buffer.getvalue().encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    """The table as a one-sheet workbook: numbers as numbers, a blank for no value."""
    workbook = Workbook()
    header, *lines = _rows(table)
    widths = [40, *([18] * (len(header) - 1))]
    title = _SHEET_FORBIDDEN.sub(" ", table.caption).strip() or table.name
    sheet = sheet_start(workbook.active, title, [str(value) for value in header], widths)
    for line in lines:
        sheet.append(line)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # shown as typed, never run
    return workbook_bytes(workbook)
