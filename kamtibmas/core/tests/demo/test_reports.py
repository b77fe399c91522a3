"""Both reports for the demo (§8): the closing report of the reference dialogue (the
Ngopi Kamtibmas of 31 July 2025) and the monthly report of its unit for July 2025."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from kamtibmas.aspirations.models import Aspiration, Privacy
from kamtibmas.dashboards.selectors import unit_dashboard
from kamtibmas.dashboards.tables import dashboard_tables
from kamtibmas.engagements.demo import REFERENCE_TITLE
from kamtibmas.engagements.models import Dialogue
from kamtibmas.reports.documents import (
    _number,
    dialogue_closing_pdf,
    dialogue_closing_report,
    unit_monthly_pdf,
    unit_monthly_report,
)
from kamtibmas.reports.tests.conftest import assert_renders, pdf_text

pytestmark = pytest.mark.slow


@pytest.fixture
def reference() -> Dialogue:
    return Dialogue.objects.select_related("host", "unit").get(title=REFERENCE_TITLE)


def test_the_closing_report_of_the_reference_dialogue(reference):
    with translation.override("en"):
        report = dialogue_closing_report(actor=reference.host, dialogue_pk=reference.pk)
        data = dialogue_closing_pdf(report)

    assert_renders(data)
    text = pdf_text(data)
    for fact in (
        REFERENCE_TITLE,
        "Kapolres Metro Bekasi Kota",
        "RT 001/RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan",
        "Thursday, 31 July 2025 at 10:10 WIB",
        "Slum Area samping lokasi setempat",
        "22 residents, 8 community leaders, 15 children",
        "Sekretaris Kecamatan (Sekcam) Bekasi Selatan",
        "Orang tua diajak memperhatikan jam belajar malam anak-anak.",
        "prosedur pengurusan dokumen yang hilang",
        "Thursday, 31 July 2025 at 12:15 WIB",  # the inspection
        "Gang selebar kurang dari 1,5 meter",
        "paket sembako",
    ):
        assert fact in text, fact
    public = Aspiration.objects.filter(dialogue=reference, privacy=Privacy.PUBLIC)
    for case in public:
        assert case.number in text
        assert case.text[:30] not in text
    hidden = Aspiration.objects.filter(dialogue=reference).exclude(privacy=Privacy.PUBLIC)
    assert hidden.exists()
    for case in hidden:
        assert case.number not in text
        assert case.text[:30] not in text
        assert case.spot_answer[:30] not in text
    # "Ketua RW 024" reported a public case and is an official present: the official
    # is listed by position, the case by number only.
    positions = set(reference.officials.values_list("position", flat=True))
    for case in Aspiration.objects.filter(dialogue=reference):
        if case.reporter_name and case.reporter_name not in positions:
            assert case.reporter_name not in text
        if case.reporter_phone:
            assert case.reporter_phone not in text
    assert "Rahmat Hidayat" not in text


def test_the_monthly_report_of_its_unit_for_july_2025(reference):
    actor, unit = reference.host, reference.unit
    with translation.override("en"):
        data = unit_monthly_pdf(unit_monthly_report(actor=actor, unit=unit, month=date(2025, 7, 1)))
        tables = dashboard_tables(
            unit_dashboard(
                actor=actor,
                unit=unit,
                period_start=date(2025, 7, 1),
                period_end=date(2025, 7, 31),
            )
        )

    assert_renders(data)
    text = pdf_text(data)
    held = next(row for row in tables["summary"].rows if row.key == "dialogues_held")
    assert isinstance(held.cells[0], int) and held.cells[0] >= 1  # the reference at least
    for table in tables.values():
        assert table.caption in text
        for row in table.rows:
            cells = " ".join(_number(cell) for cell in row.cells)
            assert f"{row.label} {cells}" in text, (table.name, row.label, cells)
