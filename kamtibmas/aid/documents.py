"""The distribution report of an aid program, or of one dialogue of it, as an A4 PDF
(C4, issue 8 point 5).

``distribution_report`` reads what the report shows through ``aid.selectors``
(scoped: ``Http404`` outside the reader's scope); ``distribution_pdf`` lays that out
and touches no database, so it is tested on plain data.

What the report holds: the program (name, sponsor, period, unit), the dialogue when
it is one dialogue's report, the items, the households served and the quantities
handed out in total, by RW and RT (with a subtotal per RW) and by day and location,
the reconciliation of the stock, and when it was printed in the unit's zone (WIB,
WITA or WIT). It holds no names, KK numbers or addresses: the selectors it is built
from carry none.

Invariants (tested): every table continues on as many pages as it needs, its header
repeated at the top of each; text wraps inside its column, never past the margins;
the standard PDF fonts print Windows-1252 only, so every text goes through
``certificates.pdf.printable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF

from kamtibmas.aid.models import AidLocation, AidProgram
from kamtibmas.aid.selectors import (
    DistributionSummary,
    ReconciliationRow,
    aid_distribution_summary,
    aid_reconciliation,
)
from kamtibmas.areas.models import TimeZone
from kamtibmas.certificates.pdf import (
    FILE_DATE,
    LEFT,
    PAGE_HEIGHT,
    PT,
    TEXT_WIDTH,
    printable,
    wrap,
)
from kamtibmas.core.timefmt import format_local, format_local_date, resolve_zone
from kamtibmas.engagements.models import Dialogue

MEDIA_TYPE = "application/pdf"

_ENCODING = "cp1252"  # what the standard fonts print (see ``certificates.pdf``)
_TOP = 15.0
_FOOTER_TOP = PAGE_HEIGHT - 14.0
_BOTTOM = _FOOTER_TOP - 3.0  # nothing of the body below this
_TABLE_SIZE = 8.0
_CELL_PAD = 1.2
_LINE = _TABLE_SIZE * PT * 1.25


@dataclass(frozen=True)
class DistributionReport:
    """Everything the PDF shows; counts only (see the module)."""

    summary: DistributionSummary
    unit: str
    reconciliation: tuple[ReconciliationRow, ...]
    #: False when a dialogue's report shows the whole program's stock (no location of
    #: the program is kept for that dialogue).
    stock_of_dialogue: bool
    generated_at: datetime
    zone: TimeZone


def distribution_report(
    *,
    actor: Any,
    program: AidProgram,
    dialogue: Dialogue | None = None,
    now: datetime | None = None,
) -> DistributionReport:
    """The report of ``program``, or of its hand-outs at ``dialogue``: the stock shown
    is then that of the program's locations at the dialogue, or the whole program's
    when none is. ``Http404`` for a program or dialogue outside ``actor``'s scope."""
    summary = aid_distribution_summary(actor=actor, program=program, dialogue=dialogue)
    rows = tuple(aid_reconciliation(actor=actor, program=program))
    of_dialogue = False
    if dialogue is not None:
        here = set(
            AidLocation.objects.filter(program=program, dialogue=dialogue).values_list(
                "pk", flat=True
            )
        )
        if any(row.location_id in here for row in rows):
            rows = tuple(row for row in rows if row.location_id in here)
            of_dialogue = True
    return DistributionReport(
        summary=summary,
        unit=program.unit.name,
        reconciliation=rows,
        stock_of_dialogue=of_dialogue,
        generated_at=now or timezone.now(),
        zone=resolve_zone(program.unit.area),
    )


# --- layout ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TableColumn:
    title: str
    width: float
    numeric: bool = False


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    bold: bool = False


class PagedDocument:
    """An A4 page sequence with a running title and a numbered footer; tables break
    between rows and repeat their header on the next page."""

    def __init__(self, title: str, subtitle: str, footer: str) -> None:
        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.core_fonts_encoding = _ENCODING
        self.pdf.set_auto_page_break(False)
        self.pdf.set_creation_date(FILE_DATE)
        self.pdf.set_title(printable(f"{title} {subtitle}"))
        self.pdf.set_creator("Kamtibmas")
        self.pdf.set_lang("id")
        self.running = printable(f"{title}: {subtitle}")
        self.footer = footer
        self.y = _TOP

    def page(self) -> None:
        self.pdf.add_page()
        self.y = _TOP
        if self.pdf.page_no() > 1:
            self.text(self.running, size=8, gap=2.0)

    def room(self, height: float) -> bool:
        return self.y + height <= _BOTTOM

    def text(self, text: str, *, size: float = 10, bold: bool = False, gap: float = 0.0) -> None:
        """A paragraph, wrapped to the text width; a new page when it does not fit."""
        height = size * PT * 1.4
        lines = wrap(text, TEXT_WIDTH, size, bold)
        if not self.room(height * len(lines)):
            self.page()
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        for line in lines:
            self.pdf.text(LEFT, self.y + height * 0.75, line)
            self.y += height
        self.y += gap

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """``label: value`` lines, the values in one column."""
        table = [TableRow((label, value)) for label, value in rows]
        self._rows(
            [TableColumn("", 45.0), TableColumn("", TEXT_WIDTH - 45.0)],
            table,
            header=False,
            ruled=False,
        )
        self.y += 3.0

    def table(self, heading: str, columns: Sequence[TableColumn], rows: Sequence[TableRow]) -> None:
        """A heading and a table; the heading never ends a page on its own."""
        header = self._height(columns, TableRow(tuple(c.title for c in columns), bold=True))
        first = self._height(columns, rows[0]) if rows else 0.0
        if not self.room(6.0 + header + first):
            self.page()
        self.text(heading, size=11, bold=True, gap=1.0)
        self._rows(columns, rows, header=True)
        self.y += 4.0

    def _cell_lines(self, column: TableColumn, text: str, bold: bool) -> list[str]:
        return wrap(text, column.width - 2 * _CELL_PAD, _TABLE_SIZE, bold)

    def _height(self, columns: Sequence[TableColumn], row: TableRow) -> float:
        lines = max(
            len(self._cell_lines(column, text, row.bold))
            for column, text in zip(columns, row.cells, strict=True)
        )
        return lines * _LINE + 2 * _CELL_PAD

    def _draw(
        self,
        columns: Sequence[TableColumn],
        row: TableRow,
        *,
        shade: bool = False,
        ruled: bool = True,
    ) -> None:
        height = self._height(columns, row)
        pdf = self.pdf
        pdf.set_font("Helvetica", "B" if row.bold else "", _TABLE_SIZE)
        pdf.set_line_width(0.15)
        x = LEFT
        for column, text in zip(columns, row.cells, strict=True):
            if shade:
                pdf.set_fill_color(230)
                pdf.rect(x, self.y, column.width, height, style="DF")
            elif ruled:
                pdf.rect(x, self.y, column.width, height)
            baseline = self.y + _CELL_PAD + _LINE * 0.75
            for line in self._cell_lines(column, text, row.bold):
                left = x + _CELL_PAD
                if column.numeric:
                    left = x + column.width - _CELL_PAD - pdf.get_string_width(line)
                pdf.text(left, baseline, line)
                baseline += _LINE
            x += column.width
        self.y += height

    def _rows(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[TableRow],
        *,
        header: bool,
        ruled: bool = True,
    ) -> None:
        head = TableRow(tuple(column.title for column in columns), bold=True)
        if header:
            self._draw(columns, head, shade=True)
        for row in rows:
            if not self.room(self._height(columns, row)):
                self.page()
                if header:
                    self._draw(columns, head, shade=True)
            self._draw(columns, row, ruled=ruled)

    def output(self) -> bytes:
        pages = self.pdf.page_no()
        for number in range(1, pages + 1):
            self.pdf.page = number
            self.pdf.set_font("Helvetica", "", 7)
            self.pdf.set_text_color(80)
            footer = printable(
                f"{self.footer} · "
                + _("Page %(number)s of %(pages)s") % {"number": number, "pages": pages}
            )
            self.pdf.text(LEFT, _FOOTER_TOP + 4.0, footer)
            self.pdf.set_text_color(0)
        self.pdf.page = pages
        return bytes(self.pdf.output())


def _item_columns(summary: DistributionSummary, width: float) -> list[TableColumn]:
    count = len(summary.items)
    if not count:
        return []
    return [
        TableColumn(f"{item.name} ({item.measure})", width / count, numeric=True)
        for item in summary.items
    ]


def _quantities(summary: DistributionSummary, quantities: dict[int, int]) -> tuple[str, ...]:
    return tuple(str(quantities.get(item.id, 0)) for item in summary.items)


def _area_rows(summary: DistributionSummary) -> list[TableRow]:
    """One row per RT (or per RW or kelurahan where the address is known less deeply),
    a subtotal after each RW of more than one row, the total last. ``by_area`` is
    sorted by kelurahan, RW and RT, so the rows of one RW are consecutive."""
    rows: list[TableRow] = []
    for (kelurahan, rw), group in groupby(summary.by_area, key=lambda one: (one.kelurahan, one.rw)):
        lines = list(group)
        quantities: dict[int, int] = {}
        for line in lines:
            rows.append(
                TableRow(
                    (
                        line.kelurahan,
                        line.rw or "-",
                        line.rt or "-",
                        str(line.households),
                        *_quantities(summary, line.quantities),
                    )
                )
            )
            for item, quantity in line.quantities.items():
                quantities[item] = quantities.get(item, 0) + quantity
        if rw and len(lines) > 1:
            rows.append(
                TableRow(
                    (
                        kelurahan,
                        _("%(rw)s, total") % {"rw": rw},
                        "",
                        str(sum(line.households for line in lines)),
                        *_quantities(summary, quantities),
                    ),
                    bold=True,
                )
            )
    total = (_("Total"), "", "", str(summary.households))
    rows.append(TableRow((*total, *_quantities(summary, summary.quantities)), bold=True))
    return rows


def _stock_rows(report: DistributionReport) -> list[TableRow]:
    return [
        TableRow(
            (
                f"{row.item} ({row.measure})",
                row.location,
                str(row.received),
                str(row.moved_in - row.moved_out),
                str(row.handed_out),
                str(row.damaged),
                str(row.adjusted),
                str(row.balance),
                _("OK") if row.agrees else _("Discrepancy"),
            ),
            bold=not row.agrees,
        )
        for row in report.reconciliation
    ]


def distribution_pdf(report: DistributionReport) -> bytes:
    """The report as an A4 PDF, in the active language (see the module)."""
    summary = report.summary
    title = _("Aid distribution report")
    generated = format_local(report.generated_at, zone=report.zone)
    document = PagedDocument(
        title,
        f"{summary.program} · {summary.dialogue}" if summary.dialogue else summary.program,
        _("Generated %(when)s") % {"when": generated},
    )
    document.page()
    document.text(title.upper(), size=14, bold=True, gap=1.0)
    document.text(report.unit, size=10, gap=4.0)
    period = f"{format_local_date(summary.starts_on)} - {format_local_date(summary.ends_on)}"
    facts = [
        (_("Program"), summary.program),
        (_("Sponsor"), summary.sponsor or "-"),
        (_("Period"), period),
        (_("Unit"), report.unit),
    ]
    if summary.dialogue:
        facts.append((_("Dialogue"), summary.dialogue))
    facts += [
        (_("Households served (KK)"), str(summary.households)),
        (_("Hand-outs"), str(summary.handouts)),
        (_("Generated"), generated),
    ]
    document.facts(facts)

    document.table(
        _("Items"),
        [
            TableColumn(_("Item"), 100.0),
            TableColumn(_("Counted in"), 35.0),
            TableColumn(_("Handed out"), TEXT_WIDTH - 135.0, numeric=True),
        ],
        [
            TableRow((item.name, item.measure, str(summary.quantities.get(item.id, 0))))
            for item in summary.items
        ],
    )

    fixed = [
        TableColumn(_("Kelurahan"), 34.0),
        TableColumn(_("RW"), 22.0),
        TableColumn(_("RT"), 16.0),
        TableColumn(_("Recipients (KK)"), 20.0, numeric=True),
    ]
    item_width = TEXT_WIDTH - sum(column.width for column in fixed)
    document.table(
        _("Summary by RT/RW"),
        [*fixed, *_item_columns(summary, item_width)],
        _area_rows(summary),
    )

    by_day = [
        TableColumn(_("Day"), 36.0),
        TableColumn(_("Location"), 36.0),
        TableColumn(_("Recipients (KK)"), 20.0, numeric=True),
    ]
    document.table(
        _("By day and location"),
        [*by_day, *_item_columns(summary, TEXT_WIDTH - sum(c.width for c in by_day))],
        [
            TableRow(
                (
                    format_local_date(line.day),
                    line.location,
                    str(line.households),
                    *_quantities(summary, line.quantities),
                )
            )
            for line in summary.by_day
        ],
    )

    stock_heading = _("Stock reconciliation")
    if summary.dialogue and not report.stock_of_dialogue:
        stock_heading = _("Stock reconciliation (whole program)")
    number = 17.0
    document.table(
        stock_heading,
        [
            TableColumn(_("Item"), 26.0),
            TableColumn(_("Location"), 24.0),
            TableColumn(_("Received"), number, numeric=True),
            TableColumn(_("Moved in/out"), number, numeric=True),
            TableColumn(_("Handed out"), number, numeric=True),
            TableColumn(_("Damaged"), number, numeric=True),
            TableColumn(_("Adjusted"), number, numeric=True),
            TableColumn(_("Remaining"), number, numeric=True),
            TableColumn(_("Check"), TEXT_WIDTH - 50.0 - 6 * number),
        ],
        _stock_rows(report),
    )
    discrepancies = sum(1 for row in report.reconciliation if not row.agrees)
    if discrepancies:
        document.text(
            ngettext(
                "%(count)d line does not reconcile.",
                "%(count)d lines do not reconcile.",
                discrepancies,
            )
            % {"count": discrepancies},
            size=9,
            bold=True,
        )
    elif report.reconciliation:
        document.text(_("Every line reconciles."), size=9)
    else:
        document.text(_("No stock recorded yet."), size=9)
    return document.output()
