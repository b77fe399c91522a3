"""Aid distribution reports as XLSX workbooks (C4, issue 8 point 5): the distribution
counts of a program or dialogue, and the reconciliation of its stock ledger.

The workbooks are built from what ``aid.selectors`` returns, so they carry what the
selectors carry and nothing more: counts, items and locations, no names, KK
numbers or addresses (the discrepancy sheet names the officer who recorded each
entry, which is the point of it). Headers are in the active language.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment

from kamtibmas.aid.selectors import DistributionSummary, ReconciliationRow
from kamtibmas.core.xlsx import sheet_start, workbook_bytes

_DATE_FORMAT = "dd/mm/yyyy"
_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def distribution_xlsx(summary: DistributionSummary) -> bytes:
    """Three sheets: the totals, the counts by kelurahan/RW/RT, and by day and
    location; one column per item (its name and measure)."""
    item_headers = [f"{item.name} ({item.measure})" for item in summary.items]
    item_widths = [18] * len(summary.items)
    workbook = Workbook()

    totals = sheet_start(workbook.active, _("Totals"), [_("Program"), summary.program], [28, 40])
    totals.append([_("Sponsor"), summary.sponsor])
    totals.append([_("First day"), summary.starts_on])
    totals.append([_("Last day"), summary.ends_on])
    if summary.dialogue:
        totals.append([_("Dialogue"), summary.dialogue])
    totals.append([_("Households served"), summary.households])
    totals.append([_("Hand-outs"), summary.handouts])
    for item, header in zip(summary.items, item_headers, strict=True):
        totals.append([header, summary.quantities.get(item.id, 0)])
    for row in totals.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            if cell.row in (3, 4):
                cell.number_format = _DATE_FORMAT
            cell.alignment = Alignment(horizontal="left")

    by_area = sheet_start(
        workbook.create_sheet(),
        _("By RW and RT"),
        [_("Kelurahan"), _("RW"), _("RT"), _("Households served"), *item_headers],
        [24, 10, 10, 14, *item_widths],
    )
    for line in summary.by_area:
        by_area.append(
            [
                line.kelurahan,
                line.rw,
                line.rt,
                line.households,
                *(line.quantities.get(item.id, 0) for item in summary.items),
            ]
        )

    by_day = sheet_start(
        workbook.create_sheet(),
        _("By day and location"),
        [_("Day"), _("Location"), _("Households served"), *item_headers],
        [14, 28, 14, *item_widths],
    )
    for number, day_line in enumerate(summary.by_day, start=2):
        by_day.append(
            [
                day_line.day,
                day_line.location,
                day_line.households,
                *(day_line.quantities.get(item.id, 0) for item in summary.items),
            ]
        )
        by_day.cell(row=number, column=1).number_format = _DATE_FORMAT
    return workbook_bytes(workbook)


def reconciliation_xlsx(rows: Iterable[ReconciliationRow]) -> bytes:
    """Two sheets: one row per item and location with every total and whether it
    agrees; then one row per ledger entry behind a discrepancy (or per hand-out that
    has no entry at all)."""
    rows = list(rows)
    workbook = Workbook()
    sheet = sheet_start(
        workbook.active,
        _("Reconciliation"),
        [
            _("Item"),
            _("Counted in"),
            _("Location"),
            _("Received"),
            _("Handed out"),
            _("Moved out"),
            _("Moved in"),
            _("Damaged"),
            _("Adjusted"),
            _("Expected remaining"),
            _("Ledger balance"),
            _("Balance agrees"),
            _("Handed out according to the hand-outs"),
            _("Hand-outs agree"),
        ],
        [24, 10, 26, 10, 10, 10, 10, 10, 10, 12, 12, 10, 16, 10],
    )
    for row in rows:
        sheet.append(
            [
                row.item,
                row.measure,
                row.location,
                row.received,
                row.handed_out,
                row.moved_out,
                row.moved_in,
                row.damaged,
                row.adjusted,
                row.expected,
                row.balance,
                _("yes") if row.balance_agrees else _("no"),
                row.handed_out_by_handouts,
                _("yes") if row.handouts_agree else _("no"),
            ]
        )

    details = sheet_start(
        workbook.create_sheet(),
        _("Discrepancies"),
        [
            _("Item"),
            _("Location"),
            _("Hand-out"),
            _("Should take"),
            _("Took"),
            _("Explanation"),
            _("Entry"),
            _("Movement"),
            _("Quantity"),
            _("Recorded by"),
            _("Recorded at (UTC)"),
            _("Reason"),
        ],
        [24, 26, 10, 10, 10, 48, 10, 12, 10, 24, 18, 32],
    )
    line = 1
    for row in rows:
        for discrepancy in row.discrepancies:
            head = [
                row.item,
                row.location,
                discrepancy.handout_id,
                discrepancy.expected,
                discrepancy.recorded,
                discrepancy.explanation,
            ]
            for entry in discrepancy.entries or (None,):
                line += 1
                if entry is None:
                    details.append(head)
                    continue
                details.append(
                    [
                        *head,
                        entry.id,
                        entry.kind,
                        entry.quantity,
                        entry.recorded_by,
                        entry.created_at.replace(tzinfo=None),
                        entry.reason,
                    ]
                )
                details.cell(row=line, column=11).number_format = _DATETIME_FORMAT
            details.cell(row=line, column=6).alignment = Alignment(wrap_text=True)
    return workbook_bytes(workbook)
