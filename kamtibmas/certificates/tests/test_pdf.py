"""The certificate PDF as a person and a phone see it: the page is rasterised
(pypdfium2) and its QR decoded from the image (zxing-cpp); text and positions come
from the PDF's own text layer. Positions are in millimetres from the top left."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.certificates import document as wording
from kamtibmas.certificates.document import (
    SAMPLE_ISSUED,
    PrintedCertificate,
    PrintedItem,
    sample_certificate,
    sample_claims,
)
from kamtibmas.certificates.keys import signing_key_active, verification_keys
from kamtibmas.certificates.pdf import (
    BOTTOM,
    LEFT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RIGHT,
    NoQrFound,
    NoQrReason,
    _width,
    printable,
    qr_text_from_pdf,
    render_certificate_pdf,
    wrap,
)
from kamtibmas.certificates.qr import b64url_decode, sign, verify_url
from kamtibmas.certificates.verify import verify

DPI = 150
MM = 25.4 / 72  # millimetres per PDF point
NIK = "3275046505900002"


@pytest.fixture
def key_dir(tmp_path):
    return tmp_path / "keys"


@pytest.fixture
def sample(key_dir) -> PrintedCertificate:
    kid, key = signing_key_active(directory=key_dir)
    return sample_certificate(
        verify_url("https://kamtibmas.example", sign(sample_claims(kid), key))
    )


def _long(doc: PrintedCertificate) -> PrintedCertificate:
    """15 items of 3 details each, a 250-character address, a foreign officer's name."""
    address = ("Jl. Kayuringin Raya Gang Masjid " * 8)[:246] + " No9"
    assert len(address) == 250
    reporter = tuple(
        (label, address if label == "Alamat" else value) for label, value in doc.reporter
    )
    items = tuple(
        PrintedItem(
            label=f"Buku tabungan bank nomor {n:02d} (Bank Rakyat Indonesia cabang Bekasi)",
            details=(
                ("Nomor rekening", f"0012-01-00{n:04d}-50-{n}"),
                ("Atas nama", "Siti Aminah"),
                ("Cabang penerbit", "KCP Bekasi Selatan, Jl. Jend. Ahmad Yani"),
            ),
        )
        for n in range(1, 16)
    )
    return dataclasses.replace(
        doc, reporter=reporter, items=items, officer_name="Nguyễn Văn ʼAn", lost_where=address
    )


class Page:
    """One rendered page: its grey image and its text with the boxes of the characters."""

    def __init__(self, pdf: pdfium.PdfDocument, index: int) -> None:
        page = pdf[index]
        self.image = page.render(scale=DPI / 72, grayscale=True).to_numpy()
        self._textpage = page.get_textpage()
        self.text = self._textpage.get_text_range()
        self._height = page.get_size()[1]

    def px(self, mm: float) -> int:
        return round(mm / 25.4 * DPI)

    def box(self, needle: str) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in mm of the first occurrence of ``needle``."""
        searcher = self._textpage.search(needle, match_case=True)
        found = searcher.get_next()
        assert found is not None, f"{needle!r} is not on the page"
        start, count = found
        boxes = [self._textpage.get_charbox(i) for i in range(start, start + count)]
        left = min(b[0] for b in boxes) * MM
        right = max(b[2] for b in boxes) * MM
        top = (self._height - max(b[3] for b in boxes)) * MM
        bottom = (self._height - min(b[1] for b in boxes)) * MM
        return left, top, right, bottom

    def qr_codes(self) -> list[zxingcpp.Barcode]:
        formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        return zxingcpp.read_barcodes(self.image, formats=formats)

    def ink_outside_margins(self) -> int:
        """Dark pixels in the band outside the margins (half a millimetre of slack)."""
        ink = self.image < 200
        inside = np.zeros_like(ink)
        inside[
            self.px(MARGIN_TOP - 0.5) : self.px(BOTTOM + 0.5),
            self.px(LEFT - 0.5) : self.px(RIGHT + 0.5),
        ] = True
        return int((ink & ~inside).sum())


def _pages(data: bytes) -> list[Page]:
    pdf = pdfium.PdfDocument(data)
    return [Page(pdf, index) for index in range(len(pdf))]


def test_the_sample_is_one_page_with_everything_in_its_place(sample, key_dir):
    (page,) = _pages(render_certificate_pdf(sample))

    for line in sample.letterhead:
        assert page.box(line)[3] < 45  # the kop in the top band
    left, top, right, _ = page.box(wording.TITLE)
    assert (left + right) / 2 == pytest.approx(PAGE_WIDTH / 2, abs=0.5)
    assert 45 < top < 70
    number_left, number_top, number_right, _ = page.box(f"Nomor: {sample.number}")
    assert number_top > top and (number_left + number_right) / 2 == pytest.approx(105, abs=0.5)
    for needle in (
        wording.FREE_OF_CHARGE,
        sample.officer_name,
        f"{sample.officer_rank} NRP {sample.officer_nrp}",
        *(item.label for item in sample.items),
        NIK,
        sample.lost_where,
        sample.reported_place,
        "Surat keterangan ini bukan pengganti dokumen",
        "berlaku 30 hari, sampai dengan tanggal 30 Agustus 2025",
    ):
        assert needle in page.text
    for needle in (sample.place_and_date, sample.officer_name, sample.signer_title[0]):
        name_left, name_top, _, _ = page.box(needle)
        assert name_left > PAGE_WIDTH / 2 - 5 and name_top > PAGE_HEIGHT * 0.7  # bottom right
    box_left, box_top, box_right, _ = page.box(wording.FREE_OF_CHARGE)
    assert (box_left + box_right) / 2 == pytest.approx(PAGE_WIDTH / 2, abs=0.5)
    assert box_top > page.box(sample.officer_name)[3]  # under the signer, at the bottom
    assert page.ink_outside_margins() == 0

    (qr,) = page.qr_codes()
    assert qr.text == sample.verify_url
    height, width = page.image.shape
    corners = (qr.position.top_left, qr.position.bottom_right)
    assert all(c.x < width / 2 and c.y > height / 2 for c in corners)  # bottom-left quadrant
    caption = wording.QR_CAPTION.format(site="kamtibmas.example/verify")
    assert caption in " ".join(page.text.split())
    text = qr.text.rsplit("/verify/", 1)[1]
    verdict = verify(text, keys=verification_keys(directory=key_dir), today=SAMPLE_ISSUED)
    assert verdict.valid and verdict.certificate is not None
    assert verdict.certificate.no == sample.number


def test_the_qr_holds_no_nik_while_the_letter_prints_it(sample):
    data = render_certificate_pdf(sample)
    (page,) = _pages(data)

    text = qr_text_from_pdf(data)
    payload = b64url_decode(text.rsplit("/verify/", 1)[1].split(".")[0]).decode("utf-8")
    assert json.loads(payload)["name"] == "S*** A*****"
    assert re.search(r"[0-9]{16}", payload) is None
    assert re.search(r"[0-9]{16}", text) is None
    assert NIK in page.text and "Siti Aminah" in page.text


def test_fifteen_items_and_a_long_address_stay_inside_the_margins_on_every_page(sample):
    doc = _long(sample)
    pages = _pages(render_certificate_pdf(doc))

    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert page.ink_outside_margins() == 0, f"page {number}"
        assert f"Nomor: {doc.number}" in page.text
        assert f"Halaman {number} dari {len(pages)}" in page.text
        assert wording.FREE_OF_CHARGE in page.text
    assert [len(page.qr_codes()) for page in pages] == [1] + [0] * (len(pages) - 1)
    assert pages[0].qr_codes()[0].text == doc.verify_url
    text = "\n".join(page.text for page in pages)
    for item in doc.items:
        assert " ".join(item.label.split()) in " ".join(text.split())
        assert item.details[0][1] in text
    assert " ".join(doc.lost_where.split()) in " ".join(text.split())
    assert "Nguyen Van 'An" in pages[-1].text  # the signer closes the last page
    assert "Nguyen Van 'An" not in pages[0].text
    last_line = pages[-1].box("Demikian surat keterangan")[1]
    assert pages[-1].box("Nguyen Van 'An")[1] > last_line


@pytest.mark.parametrize(("count", "pages"), [(3, 1), (4, 1), (5, 2), (6, 2), (8, 2)])
def test_a_few_more_items_shrink_the_body_or_continue_but_never_overflow(sample, count, pages):
    doc = dataclasses.replace(sample, items=(sample.items * 8)[:count])
    rendered = _pages(render_certificate_pdf(doc))

    assert len(rendered) == pages  # four items fit on one page only in the smaller body
    assert all(page.ink_outside_margins() == 0 for page in rendered)
    assert len(rendered[0].qr_codes()) == 1
    assert sum(page.text.count(sample.items[0].label) for page in rendered) == (count + 1) // 2
    assert doc.officer_name in rendered[-1].text


def test_the_same_certificate_gives_the_same_bytes(sample):
    first = render_certificate_pdf(sample)
    assert render_certificate_pdf(sample) == first
    assert render_certificate_pdf(dataclasses.replace(sample, officer_nrp="78050124")) != first
    assert first.startswith(b"%PDF-") and len(first) < 30_000


def test_names_outside_the_standard_fonts_print_as_their_closest_letters(sample):
    doc = dataclasses.replace(
        sample,
        officer_name="Nguyễn Văn ʼAn",
        reporter=(("Nama", "Łukasz Đặng O’Neil 王"), ("Alamat", "Jl.\tMawar\nNo. 1")),
    )
    (page,) = _pages(render_certificate_pdf(doc))

    assert "Nguyen Van 'An" in page.text
    assert "Lukasz Dang O’Neil ?" in page.text
    assert "Jl. Mawar No. 1" in page.text
    assert printable("Zoë Šimić — “ok” €5") == "Zoë Šimic — “ok” €5"  # Windows-1252 kept


@given(
    text=st.text(st.characters(codec="utf-8"), max_size=300),
    width=st.floats(min_value=8, max_value=170),
    size=st.sampled_from([7.0, 9.0, 10.0, 12.0]),
    bold=st.booleans(),
)
def test_wrapped_lines_fit_and_keep_every_printable_character(text, width, size, bold):
    lines = wrap(text, width, size, bold)

    assert all(_width(line, size, bold) <= width + 1e-9 for line in lines)
    assert "".join(lines).replace(" ", "") == printable(text).replace(" ", "")


def test_a_file_that_is_not_a_pdf_has_no_qr():
    for data in (b"", b"hello", b"%PDF-1.7\n%%EOF", b"\x89PNG\r\n\x1a\n" + bytes(100)):
        with pytest.raises(NoQrFound) as raised:
            qr_text_from_pdf(data)
        assert raised.value.reason == NoQrReason.NOT_PDF
    with pytest.raises(NoQrFound) as raised:
        qr_text_from_pdf(b"%PDF-" + bytes(11 * 1024 * 1024))
    assert raised.value.reason == NoQrReason.TOO_LARGE
    assert isinstance(raised.value, ValueError)


def test_a_pdf_without_a_qr_has_no_qr():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.text(8, 8, "Surat biasa tanpa kode QR, di luar margin")
    data = bytes(pdf.output())

    with pytest.raises(NoQrFound) as raised:
        qr_text_from_pdf(data)
    assert raised.value.reason == NoQrReason.NO_QR
    assert _pages(data)[0].ink_outside_margins() > 0  # the margin check sees such ink


def test_a_certificate_needs_a_number_an_item_and_a_verify_url(sample):
    for change in (
        {"number": " "},
        {"items": ()},
        {"validity_days": 0},
        {"verify_url": "https://kamtibmas.example/"},
    ):
        with pytest.raises(ValueError):
            dataclasses.replace(sample, **change)
    assert sample.verify_site == "kamtibmas.example/verify"
