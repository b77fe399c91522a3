"""An issued certificate as printed: the data, the PDF, and its QR read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from kamtibmas.certificates.models import CertificateSettings, ReportSource
from kamtibmas.certificates.pdf import qr_text_from_pdf
from kamtibmas.certificates.printing import certificate_pdf, certificate_printed
from kamtibmas.certificates.selectors import certificate_verify
from kamtibmas.certificates.services import certificate_issue, loss_report_start
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(desk, settings):
    settings.PUBLIC_URL = "https://kamtibmas.example.id"
    CertificateSettings.objects.create(
        unit=desk.polsek_selatan,
        unit_code="Sek.Bks.Sel",
        letterhead=(
            "KEPOLISIAN NEGARA REPUBLIK INDONESIA\nDAERAH METRO JAYA\n\nSEKTOR BEKASI SELATAN"
        ),
        place="Bekasi",
        signer_title="a.n. KEPALA KEPOLISIAN SEKTOR BEKASI SELATAN\nKA SPKT",
    )
    report = loss_report_start(
        actor=desk.officer,
        source=ReportSource.DESK,
        unit=desk.polsek_selatan,
        identity=identity(),
        items=[*KTP_AND_KK, {"type": "stnk", "details": {"plate": "B 1234 KJA"}}],
        lost_on=date(2025, 7, 31),
        lost_time=time(8, 0),
        lost_place="Pasar Baru Bekasi",
    )
    return certificate_issue(
        actor=desk.officer,
        report=report,
        identity_checked="KK asli",
        now=datetime(2025, 8, 1, 2, 15, tzinfo=UTC),
    )


def test_the_printed_certificate_carries_the_letter_data(issued):
    printed = certificate_printed(issued)
    assert printed.letterhead == (
        "KEPOLISIAN NEGARA REPUBLIK INDONESIA",
        "DAERAH METRO JAYA",
        "SEKTOR BEKASI SELATAN",
    )
    assert printed.number == "SKTLK/1/VIII/2025/Sek.Bks.Sel"
    rows = dict(printed.reporter)
    assert rows["NIK"] == SITI_NIK and rows["Tempat/Tgl. Lahir"] == "Bekasi, 25 Mei 1990"
    assert rows["Jenis Kelamin"] == "Perempuan" and rows["No. Telepon"] == "0812-3456-7890"
    assert [item.label for item in printed.items][2] == "Surat Tanda Nomor Kendaraan (STNK)"
    assert printed.items[2].details == (("Nomor Polisi", "B 1234 KJA"),)
    assert printed.lost_when == "Kamis, 31 Juli 2025 sekitar pukul 08.00 WIB"
    assert printed.valid_until == "30 Agustus 2025" and printed.validity_days == 30
    assert printed.place_and_date == "Bekasi, 1 Agustus 2025"
    assert (printed.officer_name, printed.officer_rank, printed.officer_nrp) == (
        "BUDI SANTOSO",
        "AIPDA",
        "85031234",
    )
    assert printed.verify_url == f"https://kamtibmas.example.id/verify/{issued.qr_text}"


def test_the_pdf_qr_reads_back_and_verifies(issued):
    data = certificate_pdf(issued)
    assert data.startswith(b"%PDF")
    text = qr_text_from_pdf(data)
    assert text == f"https://kamtibmas.example.id/verify/{issued.qr_text}"
    assert certificate_verify(text.rsplit("/verify/", 1)[1], today=date(2025, 8, 2)).valid
    assert certificate_pdf(issued) == data  # the same document on every download
