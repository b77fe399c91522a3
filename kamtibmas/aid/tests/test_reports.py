"""The distribution and reconciliation workbooks, read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.models import StockEntry
from kamtibmas.aid.reports import distribution_xlsx, reconciliation_xlsx
from kamtibmas.aid.selectors import aid_distribution_summary, aid_reconciliation
from kamtibmas.aid.services import aid_handout_record
from kamtibmas.aid.tests.conftest import KK

pytestmark = pytest.mark.django_db
DIALOGUE_MORNING = datetime(2025, 7, 31, 3, 30, tzinfo=UTC)


@pytest.fixture
def handed(aid):
    return aid_handout_record(
        actor=aid.officer, program=aid.program, household=aid.household, location=aid.venue,
        recipient_name="Ahmad Yani", children_present=2, at=DIALOGUE_MORNING,
    )  # fmt: skip


def values(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_distribution_workbook_in_indonesian(aid, handed):
    summary = aid_distribution_summary(actor=aid.officer, program=aid.program)
    with translation.override("id"):
        data = distribution_xlsx(summary)
    workbook = load_workbook(BytesIO(data))
    totals, by_area, by_day = workbook.worksheets
    assert totals["B1"].value == "Sembako Ngopi Kamtibmas"
    with translation.override("id"):
        # Headers follow the active language (the msgids' Indonesian lands with the .po).
        assert totals["A1"].value == _("Program")
        assert by_area["D1"].value == _("Households served")
        assert by_day["B1"].value == _("Location")
    assert [_row for _row in values(totals) if _row[0] == "Paket sembako (paket)"] == [
        ["Paket sembako (paket)", 1]
    ]
    assert values(by_area)[1] == ["Kayuringin Jaya", "RW 024", None, 1, 1, 2]
    assert values(by_day)[1][1:] == ["Balai RW 024", 1, 1, 2]
    assert values(by_day)[1][0].date().isoformat() == "2025-07-31"
    assert by_area["E1"].value == "Paket sembako (paket)"
    for sheet in (totals, by_area, by_day):
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
    assert by_area.column_dimensions["A"].width == 24
    text = repr([values(sheet) for sheet in workbook.worksheets])
    assert "Ahmad Yani" not in text and KK not in text


def test_the_reconciliation_workbook_lists_a_forged_entry(aid, handed):
    forged = StockEntry.objects.create(
        program=aid.program, item=aid.sembako, location=aid.venue, kind=Kind.HANDED_OUT,
        quantity=3, delta=-3, recorded_by=aid.officer,
    )  # fmt: skip
    rows = aid_reconciliation(actor=aid.officer, program=aid.program)
    with translation.override("en"):
        workbook = load_workbook(BytesIO(reconciliation_xlsx(rows)))
    summary, details = workbook.worksheets
    assert summary.title == "Reconciliation" and details.title == "Discrepancies"
    header, *lines = values(summary)
    assert header[:3] == ["Item", "Counted in", "Location"]
    assert header[9:] == [
        "Expected remaining",
        "Ledger balance",
        "Balance agrees",
        "Handed out according to the hand-outs",
        "Hand-outs agree",
    ]
    assert lines == [
        ["Paket sembako", "paket", "Balai RW 024", 50, 4, 0, 0, 0, 0, 46, 46, "yes", 1, "no"],
        ["Snack anak", "bungkus", "Balai RW 024", 30, 2, 0, 0, 0, 0, 28, 28, "yes", 2, "yes"],
    ]
    [_, detail] = values(details)
    assert detail[:10] == [
        "Paket sembako",
        "Balai RW 024",
        None,
        0,
        3,
        "Handed out in the ledger without a recorded hand-out.",
        forged.pk,
        "handed_out",
        3,
        aid.officer.display_name,
    ]
    assert details.freeze_panes == "A2" and summary.freeze_panes == "A2"
