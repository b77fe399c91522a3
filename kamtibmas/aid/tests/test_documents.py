"""The distribution report as a PDF (C4, issue 8 point 5): its figures read back out of
the PDF's text (pypdfium2), tables that continue on further pages with their header,
and no name or KK number anywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pypdfium2 as pdfium
import pytest
from django.http import Http404
from django.utils import translation

from kamtibmas.aid.documents import DistributionReport, distribution_pdf, distribution_report
from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.selectors import AreaLine, DistributionSummary, ItemColumn
from kamtibmas.aid.services import (
    aid_handout_record,
    aid_program_create,
    household_register,
    stock_correct,
    stock_receive,
)
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.areas.models import TimeZone
from kamtibmas.areas.services import area_rt_get_or_create
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_record_past

pytestmark = pytest.mark.django_db

__all__ = ["aid"]  # the fixture, imported for this module

AT_DIALOGUE = datetime(2025, 7, 31, 3, 30, tzinfo=UTC)
NEXT_DAY = datetime(2025, 8, 1, 2, 0, tzinfo=UTC)
PRINTED = datetime(2025, 8, 2, 1, 5, tzinfo=UTC)  # 08.05 WIB
NEIGHBOURS = (
    ("3275040101090021", "Siti Aminah"),
    ("3275040101090031", "Joko Susilo"),
    ("3275040101090041", "Dewi Lestari"),
)
FAR_KK, FAR_NAME = "3275040101090051", "Bambang Hartono"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def handed(aid) -> SimpleNamespace:
    """A program handed out at a dialogue in Balai RW 024 to Ahmad Yani (RW 024, no RT)
    and three families of RT 001/RW 024, and at the post the next day to one family of
    RT 002/RW 024; two packages damaged at the venue."""
    officer = aid.officer
    ngopi = dialogue_record_past(
        actor=officer,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas bersama warga RW 024",
        area=aid.rw024,
        unit=aid.polsek_selatan,
        venue_name="Balai RW 024",
        start=datetime(2025, 7, 31, 3, 10, tzinfo=UTC),
        end=datetime(2025, 7, 31, 5, 0, tzinfo=UTC),
    )
    program = aid_program_create(
        actor=officer, unit=aid.polsek_selatan, name="Sembako Dialog RW 024",
        sponsor="Bank Daerah", starts_on=date(2025, 7, 1), ends_on=date(2025, 12, 31),
        areas=[aid.kayuringin], items=[{"name": "Paket sembako"}],
        locations=["Balai RW 024", "Pos Polisi Kayuringin"], dialogues=[ngopi],
    )  # fmt: skip
    item = program.items.get()
    venue = program.locations.get(name="Balai RW 024")
    post = program.locations.get(name="Pos Polisi Kayuringin")
    venue.dialogue = ngopi
    venue.save(update_fields=["dialogue"])
    stock_receive(actor=officer, item=item, location=venue, quantity=20)
    stock_receive(actor=officer, item=item, location=post, quantity=5)
    stock_correct(
        actor=officer, item=item, location=venue, kind=Kind.DAMAGED, quantity=2,
        reason="Karung sobek",
    )  # fmt: skip
    rt001 = area_rt_get_or_create(rw=aid.rw024, number=1)
    rt002 = area_rt_get_or_create(rw=aid.rw024, number=2)
    families = [aid.household] + [
        household_register(actor=officer, kk_number=kk, head_name=name, area=rt001, members=3)
        for kk, name in NEIGHBOURS
    ]
    for family in families:
        aid_handout_record(
            actor=officer, program=program, household=family, location=venue,
            recipient_name="Penerima", dialogue=ngopi, at=AT_DIALOGUE,
        )  # fmt: skip
    far = household_register(
        actor=officer, kk_number=FAR_KK, head_name=FAR_NAME, area=rt002, members=2
    )
    aid_handout_record(
        actor=officer, program=program, household=far, location=post,
        recipient_name=FAR_NAME, at=NEXT_DAY,
    )  # fmt: skip
    return SimpleNamespace(aid=aid, program=program, ngopi=ngopi, venue=venue, post=post)


def pdf_text(data: bytes) -> list[str]:
    """The text of each page."""
    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[index].get_textpage().get_text_range() for index in range(len(pdf))]
    finally:
        pdf.close()


def lines_of(pages: list[str]) -> list[str]:
    return [" ".join(line.split()) for page in pages for line in page.splitlines()]


def test_the_program_report_counts_households_and_packages_by_rt_and_rw(handed):
    report = distribution_report(actor=handed.aid.officer, program=handed.program, now=PRINTED)
    data = distribution_pdf(report)
    assert data.startswith(b"%PDF")
    pages = pdf_text(data)
    lines = lines_of(pages)
    text = "\n".join(pages)
    assert "Sembako Dialog RW 024" in text and "Bank Daerah" in text
    assert "Polsek Bekasi Selatan" in text
    assert "Period Tuesday, 1 July 2025 - Wednesday, 31 December 2025" in lines
    # Kelurahan, RW, RT, households, packages.
    assert "Kayuringin Jaya RW 024 RT 001 3 3" in lines
    assert "Kayuringin Jaya RW 024 RT 002 1 1" in lines
    assert "Kayuringin Jaya RW 024 - 1 1" in lines  # Ahmad Yani: no RT recorded
    assert "Kayuringin Jaya RW 024, total 5 5" in lines
    assert "Total 5 5" in lines
    assert "Thursday, 31 July 2025 Balai RW 024 4 4" in lines
    assert "Friday, 1 August 2025 Pos Polisi Kayuringin 1 1" in lines
    # Received, moved, handed out, damaged, adjusted, remaining, check.
    assert any(line.endswith("Balai RW 024 20 0 4 2 0 14 OK") for line in lines), lines
    assert "Every line reconciles." in text
    assert "Generated Saturday, 2 August 2025 at 08:05 WIB" in text


def test_the_report_holds_no_name_and_no_kk_number(handed):
    report = distribution_report(actor=handed.aid.officer, program=handed.program, now=PRINTED)
    dialogue = distribution_report(
        actor=handed.aid.officer, program=handed.program, dialogue=handed.ngopi, now=PRINTED
    )
    for data in (distribution_pdf(report), distribution_pdf(dialogue)):
        text = "\n".join(pdf_text(data))
        digits = "".join(text.split())
        for kk, name in (*NEIGHBOURS, (KK, "Ahmad Yani"), (FAR_KK, FAR_NAME)):
            assert kk not in digits and name not in text
        assert "Penerima" not in text


def test_the_dialogue_report_counts_only_the_hand_outs_at_the_dialogue(handed):
    report = distribution_report(
        actor=handed.aid.officer, program=handed.program, dialogue=handed.ngopi, now=PRINTED
    )
    assert report.stock_of_dialogue
    assert [row.location for row in report.reconciliation] == ["Balai RW 024"]
    pages = pdf_text(distribution_pdf(report))
    lines = lines_of(pages)
    assert "Ngopi Kamtibmas bersama warga RW 024" in "\n".join(pages)
    assert "Kayuringin Jaya RW 024 RT 001 3 3" in lines
    assert not any("RT 002" in line for line in lines)
    assert "Total 4 4" in lines
    assert not any("Pos Polisi Kayuringin" in line for line in lines)


def test_the_dialogue_report_without_a_location_there_shows_the_whole_stock(handed):
    handed.venue.dialogue = None
    handed.venue.save(update_fields=["dialogue"])
    report = distribution_report(
        actor=handed.aid.officer, program=handed.program, dialogue=handed.ngopi, now=PRINTED
    )
    assert not report.stock_of_dialogue and len(report.reconciliation) == 2
    assert "Stock reconciliation (whole program)" in "\n".join(pdf_text(distribution_pdf(report)))


def test_another_unit_does_not_find_the_report(handed):
    with pytest.raises(Http404):
        distribution_report(actor=handed.aid.officer_timur, program=handed.program)


def test_a_table_of_many_rts_continues_on_further_pages_under_its_header():
    items = (ItemColumn(1, "Paket sembako", "paket", False), ItemColumn(2, "Snack", "bks", True))
    by_area = tuple(
        AreaLine("Kayuringin Jaya", f"RW {rw:03d}", f"RT {rt:03d}", rt, {1: rt, 2: 2 * rt})
        for rw in range(1, 31)
        for rt in range(1, 21)
    )
    summary = DistributionSummary(
        program="Sembako Kota", sponsor="", starts_on=date(2025, 7, 1),
        ends_on=date(2025, 7, 31), dialogue="", items=items, handouts=6300, households=6300,
        quantities={1: 6300, 2: 12600}, by_area=by_area, by_day=(),
    )  # fmt: skip
    report = DistributionReport(
        summary=summary, unit="Polres Kota", reconciliation=(), stock_of_dialogue=False,
        generated_at=PRINTED, zone=TimeZone.WIT,
    )  # fmt: skip
    pages = pdf_text(distribution_pdf(report))
    assert len(pages) >= 10
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    table_pages = [page for page in pages if "RT 0" in page]
    assert len(table_pages) >= 10
    for page in table_pages:
        assert "Kelurahan" in page and "Paket sembako (paket)" in page
    lines = lines_of(pages)
    assert "Kayuringin Jaya RW 001 RT 001 1 1 2" in lines
    assert "Kayuringin Jaya RW 030 RT 020 20 20 40" in lines
    assert "Kayuringin Jaya RW 030, total 210 210 420" in lines
    assert "Total 6300 6300 12600" in lines
    assert "No stock recorded yet." in pages[-1]
    assert "WIT" in pages[0]
