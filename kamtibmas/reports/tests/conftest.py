"""A dialogue with everything a closing report shows, built through the services, and
helpers to read a PDF back (text and pixels) and to run the worker's tasks."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pypdfium2 as pdfium
import pytest
from django_tasks_db.models import DBTaskResult
from PIL import Image

from kamtibmas.areas.services import area_rt_get_or_create
from kamtibmas.aspirations.models import Privacy, Source
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.engagements.models import DialogueType, FindingResult, InspectionItem
from kamtibmas.engagements.photos import dialogue_photo_add
from kamtibmas.engagements.services import (
    FindingInput,
    dialogue_answer_add,
    dialogue_official_add,
    dialogue_plan,
    dialogue_record_past,
    dialogue_set_attendance,
    dialogue_topic_set,
    inspection_record,
    topics_by_code,
)

CONFIDENTIAL_REPORTER = ("Rahmat Hidayat", "081234567890")
PUBLIC_REPORTER = ("Siti Rahmawati", "081298765432")
CONFIDENTIAL_TEXT = "Ada transaksi sabu di rumah kos belakang masjid setiap malam Jumat."
ANONYMOUS_TEXT = "Oknum juru parkir minta setoran harian ke pedagang kaki lima gang tiga."
PUBLIC_TEXT = "Lampu jalan di gang RT 001 mati, warga minta dipasang lagi."
OFFICIAL_NAME = "Pak Darto Suparman"
HELD_START = datetime(2025, 7, 31, 3, 10, tzinfo=UTC)  # Kamis 31/7/2025, 10.10 WIB


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (pypdfium2's text page)."""
    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[index].get_textpage().get_text_range() for index in range(len(pdf))]
    finally:
        pdf.close()


def pdf_text(data: bytes) -> str:
    """The whole text, one space between words (lines joined)."""
    return " ".join(" ".join(page.split()) for page in pdf_pages(data))


def pdf_images(data: bytes) -> list[np.ndarray]:
    """Each page rendered to a grey image (about 50 dpi)."""
    pdf = pdfium.PdfDocument(data)
    try:
        return [
            pdf[index].render(scale=50 / 72, grayscale=True).to_numpy() for index in range(len(pdf))
        ]
    finally:
        pdf.close()


def assert_renders(data: bytes, *, pages: int | None = None) -> list[np.ndarray]:
    """A4 pages, each with ink on it (not blank), ``pages`` of them when given."""
    assert data.startswith(b"%PDF")
    images = pdf_images(data)
    if pages is not None:
        assert len(images) == pages
    assert images
    for image in images:
        height, width = image.shape[:2]
        assert abs(height / width - 297 / 210) < 0.02
        dark = float((image < 128).mean())
        assert 0.002 < dark < 0.5, dark
    return images


def run_queued() -> int:
    """Run the queued tasks as the worker would (a failing task is recorded failed,
    not retried); how many ran."""
    ran = 0
    while ready := list(DBTaskResult.objects.ready()):
        for result in ready:
            result.claim("test")
            try:
                result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            except Exception as error:
                result.set_failed(error)
            else:
                result.set_successful(None)
            ran += 1
    return ran


def jpeg(colour=(20, 90, 160), size=(640, 480)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def held(bekasi):
    """The Ngopi Kamtibmas of 31 July 2025 in RT 001/RW 024, with nothing else recorded."""
    return dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas bersama warga RW 024",
        area=area_rt_get_or_create(rw=bekasi.rw024, number=1),
        unit=bekasi.polsek_selatan,
        venue_name="Slum Area samping lokasi setempat",
        start=HELD_START,
        end=HELD_START + timedelta(hours=2),
    )


@pytest.fixture
def planned(bekasi):
    """A dialogue only planned: almost nothing recorded."""
    start = datetime(2030, 1, 10, 2, 0, tzinfo=UTC)
    return dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Kayuringin",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Masjid Al-Ikhlas",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )


@pytest.fixture
def recorded(bekasi, held):
    """``held`` with attendance, an official, topics, an answer on the spot, one
    public, one confidential and one anonymous aspiration, an inspection with its
    follow-up and a photo."""
    officer = bekasi.officer_selatan
    dialogue_set_attendance(dialogue=held, residents=22, leaders=8, children=15)
    dialogue_official_add(dialogue=held, position="Ketua RW 024", name=OFFICIAL_NAME)
    for topic in topics_by_code(["jam_belajar_malam"]):
        dialogue_topic_set(
            dialogue=held, topic=topic, notes="Orang tua diajak memperhatikan jam belajar."
        )
    dialogue_answer_add(
        dialogue=held,
        question="Warga bertanya soal dokumen yang hilang.",
        answer="Lapor di pos polisi terdekat, tidak dipungut biaya.",
        answered_by="Kapolsek",
    )
    common = {"area": None, "source": Source.DIALOGUE, "actor": officer, "dialogue": held}
    public = aspiration_submit(
        text=PUBLIC_TEXT,
        privacy=Privacy.PUBLIC,
        reporter_name=PUBLIC_REPORTER[0],
        reporter_phone=PUBLIC_REPORTER[1],
        category="lingkungan",
        **common,
    )
    aspiration_submit(
        text=CONFIDENTIAL_TEXT,
        privacy=Privacy.CONFIDENTIAL,
        reporter_name=CONFIDENTIAL_REPORTER[0],
        reporter_phone=CONFIDENTIAL_REPORTER[1],
        category="narkoba",
        spot_answer="Informasi akan diteruskan ke Satresnarkoba secara rahasia.",
        **common,
    )
    aspiration_submit(
        text=ANONYMOUS_TEXT, privacy=Privacy.ANONYMOUS, category="ketertiban", **common
    )
    inspection_record(
        actor=officer,
        dialogue=held,
        inspected_at=HELD_START + timedelta(hours=2, minutes=5),
        findings=[
            FindingInput(
                item=InspectionItem.objects.get(code="penerangan_jalan"),
                result=FindingResult.PROBLEM,
                note="Lampu gang mati.",
            )
        ],
        follow_up_owner=officer,
        follow_up_due=date.today() + timedelta(days=30),
    )
    dialogue_photo_add(actor=officer, dialogue=held, upload=jpeg(), caption="Dialog di pos ronda")
    held.public_case = public
    return held
