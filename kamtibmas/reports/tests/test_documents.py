"""The two PDFs (issue 10 point 3): they render (to images), say the recorded facts
in the area's zone and the reader's language, and never show a confidential or
anonymous case or any reporter; the monthly report carries the dashboard's figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation

from kamtibmas.dashboards.selectors import unit_dashboard
from kamtibmas.dashboards.tables import dashboard_tables
from kamtibmas.reports.documents import (
    _number,
    dialogue_closing_pdf,
    dialogue_closing_report,
    month_bounds,
    unit_monthly_pdf,
    unit_monthly_report,
)
from kamtibmas.reports.tests.conftest import (
    ANONYMOUS_TEXT,
    CONFIDENTIAL_REPORTER,
    CONFIDENTIAL_TEXT,
    OFFICIAL_NAME,
    PUBLIC_REPORTER,
    PUBLIC_TEXT,
    assert_renders,
    pdf_text,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 8, 1, 2, 0, tzinfo=UTC)  # Jumat, 1 Agustus 2025, 09.00 WIB


def closing_pdf(actor, dialogue, language="id") -> bytes:
    with translation.override(language):
        report = dialogue_closing_report(actor=actor, dialogue_pk=dialogue.pk, now=NOW)
        return dialogue_closing_pdf(report)


def assert_no_reporter(text: str) -> None:
    for secret in (
        *CONFIDENTIAL_REPORTER,
        *PUBLIC_REPORTER,
        CONFIDENTIAL_TEXT[:30],
        ANONYMOUS_TEXT[:30],
        PUBLIC_TEXT[:30],
        "Satresnarkoba",
        OFFICIAL_NAME,
    ):
        assert secret not in text, secret


def assert_no_private_case(text: str) -> None:
    """Not even the category of the confidential or the anonymous case."""
    assert_no_reporter(text)
    for category in ("Narkoba", "Ketertiban", "Drugs", "Public order"):
        assert category not in text, category


def test_the_closing_report_states_the_record_in_indonesian(bekasi, recorded):
    """Its own words come from the catalogue (``/work/tr``); the facts and the dates
    are checked here, the headings in English below."""
    data = closing_pdf(bekasi.officer_selatan, recorded)

    assert_renders(data)
    text = pdf_text(data)
    for fact in (
        "Ngopi Kamtibmas bersama warga RW 024",
        "Polsek Bekasi Selatan",
        "RT 001/RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan",
        "Slum Area samping lokasi setempat",
        "Kamis, 31 Juli 2025 pukul 10.10 WIB",  # 03.10 UTC, in the area's zone
        "Ketua RW 024",
        "Orang tua diajak memperhatikan jam belajar.",
        "Warga bertanya soal dokumen yang hilang.",
        "Lapor di pos polisi terdekat, tidak dipungut biaya.",
        recorded.public_case.aspiration.number,
        "Lampu gang mati.",
        "Kamis, 31 Juli 2025 pukul 12.15 WIB",  # the inspection
        "Dialog di pos ronda",  # the photo's caption
        "Jumat, 1 Agustus 2025 pukul 09.00 WIB",  # generated
        "Halaman 1 dari",
    ):
        assert fact in text, fact
    assert_no_private_case(text)


def test_the_closing_report_prints_the_photo(bekasi, recorded, held):
    with_photo = assert_renders(closing_pdf(bekasi.officer_selatan, recorded))
    # The photo is a block of one mid-grey colour: some page has a large area of it.
    assert any(((image > 60) & (image < 110)).mean() > 0.03 for image in with_photo)


def test_the_closing_report_in_english(bekasi, recorded):
    text = pdf_text(closing_pdf(bekasi.officer_selatan, recorded, "en"))

    assert "DIALOGUE CLOSING REPORT" in text
    assert "Thursday, 31 July 2025 at 10:10 WIB" in text
    assert "22 residents, 8 community leaders, 15 children" in text
    assert "Public aspirations only" in text
    assert_no_private_case(text)


def test_a_dialogue_with_almost_nothing_recorded(bekasi, planned):
    data = closing_pdf(bekasi.officer_selatan, planned, "en")

    assert_renders(data, pages=1)
    text = pdf_text(data)
    for line in (
        "Jumat Curhat Kayuringin",
        "Planned",
        "No outreach topic was recorded.",
        "No answer on the spot was recorded.",
        "No public aspiration was recorded at this dialogue.",
        "No aid was handed out at this dialogue.",
        "No inspection was recorded.",
        "No follow-up was recorded.",
        "No photo was recorded.",
    ):
        assert line in text, line
    assert "None" not in text


def test_the_closing_report_is_read_within_the_readers_scope(bekasi, recorded):
    with pytest.raises(Http404):
        dialogue_closing_report(actor=bekasi.officer_timur, dialogue_pk=recorded.pk)
    with pytest.raises(Http404):
        dialogue_closing_report(actor=bekasi.resident, dialogue_pk=recorded.pk)


def test_the_monthly_report_carries_every_figure_of_the_dashboard(bekasi, recorded):
    unit = bekasi.polsek_selatan
    with translation.override("en"):
        report = unit_monthly_report(
            actor=bekasi.commander_selatan, unit=unit, month=date(2025, 7, 15), now=NOW
        )
        data = unit_monthly_pdf(report)
        first, last = month_bounds(date(2025, 7, 15))
        tables = dashboard_tables(
            unit_dashboard(
                actor=bekasi.commander_selatan, unit=unit, period_start=first, period_end=last
            )
        )

    assert (first, last) == (date(2025, 7, 1), date(2025, 7, 31))
    assert_renders(data)
    text = pdf_text(data)
    assert "MONTHLY UNIT REPORT" in text and "Polsek Bekasi Selatan · July 2025" in text
    assert "Tuesday, 1 July 2025 - Thursday, 31 July 2025" in text
    summary = tables["summary"]
    held = next(row for row in summary.rows if row.key == "dialogues_held")
    attendance = next(row for row in summary.rows if row.key == "attendance")
    assert held.cells[0] == 1 and attendance.cells[0] == 45
    for table in tables.values():
        assert table.caption in text, table.caption
        for row in table.rows:
            # Each row prints its label and its figures in order, on one line.
            cells = " ".join(_number(cell) for cell in row.cells)
            assert f"{row.label} {cells}" in text, (table.name, row.label, cells)
    assert_no_reporter(text)


def test_the_monthly_report_is_read_within_the_readers_scope(bekasi):
    with pytest.raises(PermissionDenied):
        unit_monthly_report(
            actor=bekasi.officer_timur, unit=bekasi.polsek_selatan, month=date(2025, 7, 1)
        )


def test_figures_are_written_the_readers_way():
    with translation.override("id"):
        assert (_number(12.5), _number(1234), _number(None)) == ("12,5", "1.234", "-")
    with translation.override("en"):
        assert (_number(12.5), _number(1234)) == ("12.5", "1,234")


def test_a_table_of_counts_gets_a_bar_chart_of_this_month(bekasi, recorded):
    """The aspirations of ``recorded`` are received today: this month's categories
    are counted, and charted above their table."""
    with translation.override("en"):
        today = date.today()
        report = unit_monthly_report(
            actor=bekasi.commander_selatan, unit=bekasi.polsek_selatan, month=today
        )
        data = unit_monthly_pdf(report)
    assert_renders(data)
    text = pdf_text(data)
    assert "This month" in text
    # In the chart (label and count) and in the table (label and both periods).
    assert "Environment and infrastructure 1 " in text
    assert "Environment and infrastructure 1 0" in text
    assert text.count("Environment and infrastructure") >= 2
