"""The certificate PDF: an A4 police letter, and reading its QR code back out of a PDF.

``render_certificate_pdf`` lays a ``PrintedCertificate`` out as the usual SKTLK letter:
the kop surat centred at the top over a double rule, the title underlined, "Nomor: …",
the opening sentence, the reporter's particulars, the numbered items with their
details, when and where the items were lost and reported, the statement that the
letter replaces no document, its validity; at the bottom the QR code (left, with its
caption) and the place, date and signer (right), and "Tidak dipungut biaya" in a box.

Invariants (tested):

- nothing is drawn outside the margins, however long the texts: text wraps, the body
  shrinks one step when that keeps the letter on one page, and otherwise continues on
  further pages; every page carries the number, the QR is always on the first page
  and the signer on the last;
- the same certificate gives the same bytes (fixed file date and id);
- the QR is vector squares (sharp at any zoom) holding exactly ``verify_url``;
- the standard PDF fonts are used, not embedded: text is printed in Windows-1252,
  and a character outside it is replaced by its closest letter ("Nguyễn" → "Nguyen",
  "ʼ" → "'") or "?", never an error (decision 017).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np
import pypdfium2 as pdfium
import zxingcpp
from fpdf import FPDF
from fpdf.fonts import CORE_FONTS_CHARWIDTHS

from kamtibmas.certificates import document as wording
from kamtibmas.certificates.document import PrintedCertificate

# A4 in millimetres, origin at the top left.
PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
MARGIN_LEFT = 20.0
MARGIN_RIGHT = 20.0
MARGIN_TOP = 15.0
MARGIN_BOTTOM = 12.0
LEFT = MARGIN_LEFT
RIGHT = PAGE_WIDTH - MARGIN_RIGHT
BOTTOM = PAGE_HEIGHT - MARGIN_BOTTOM
TEXT_WIDTH = RIGHT - LEFT

PT = 25.4 / 72  # millimetres per point
BODY_SIZES = (10.0, 9.0)  # the second only when it keeps the letter on one page
QR_SIZE = 36.0  # the modules, without the quiet zone (white margin and caption around)
QR_ERROR_LEVEL = "M"  # reads with about 15 % of the symbol stained, torn or folded away
SIGNATURE_SPACE = 20.0  # blank for the signature and the stamp
# The file's own date, fixed so that a certificate always gives the same bytes; the
# letter's date is the one printed on it.
FILE_DATE = datetime(2025, 1, 1, tzinfo=UTC)

_ENCODING = "cp1252"  # what the standard fonts print (WinAnsiEncoding)
_CAP_HEIGHT = 0.72  # Helvetica's, per unit of font size
_SIGNER_LEFT = PAGE_WIDTH / 2 - 5  # wide enough for "a.n. KEPALA KEPOLISIAN SEKTOR …"
_LABEL_INDENT = 6.0  # the particulars and items stand in from the paragraphs
_COLON = LEFT + 48.0
_VALUE = _COLON + 3.0
_CAPTION_WIDTH = 62.0
_CAPTION_SIZE = 7.5
_CAPTION_GAP = 3.0  # at least the QR's quiet zone of 4 modules
_BOX_HEIGHT = 8.0
_FOOTER_SIZE = 7.0
_FOOTER_HEIGHT = 4.0
_BAND_TOP = BOTTOM - _FOOTER_HEIGHT - 1.0 - _BOX_HEIGHT  # the box and footer below it
_ZONE_GAP = 4.0  # between the body and the QR/signer zone
_ZONE_BOTTOM = _BAND_TOP - 2.0  # the QR caption and the signer end here, above the box


# --- text that the standard fonts can print ---------------------------------------------

_SUBSTITUTES = {
    **dict.fromkeys("ʼʻʹʽʾʿ′‵ꞌ", "'"),
    **dict.fromkeys("″‶ˮ", '"'),
    **dict.fromkeys("‐‑‒−⁃", "-"),
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
    "ŧ": "t",
    "Ŧ": "T",
}


def _printable_char(char: str) -> str:
    if unicodedata.category(char)[0] in "CZ":  # control, format, separators
        return " "
    try:
        char.encode(_ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return char
    if char in _SUBSTITUTES:
        return _SUBSTITUTES[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        base.encode(_ENCODING)
    except UnicodeEncodeError:
        return "?"
    return base or "?"


def printable(text: str) -> str:
    """``text`` as the standard PDF fonts print it: Windows-1252, one line, single spaces."""
    text = unicodedata.normalize("NFC", text)
    if not (text.isascii() and text.isprintable()):
        text = "".join(_printable_char(char) for char in text)
    return " ".join(text.split())


def _width(text: str, size: float, bold: bool) -> float:
    """Printed width in mm of a ``printable`` text."""
    widths = CORE_FONTS_CHARWIDTHS["helveticaB" if bold else "helvetica"]
    encoded = text.encode(_ENCODING).decode("latin-1")
    return sum(widths[c] for c in encoded) * size * PT / 1000


def _break_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    """A word wider than ``width`` (a long number, a URL) cut into pieces that fit."""
    pieces, piece = [], ""
    for char in word:
        if piece and _width(piece + char, size, bold) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece]


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` made printable and broken into lines no wider than ``width`` mm."""
    lines: list[str] = []
    line = ""
    space = _width(" ", size, bold)
    line_width = 0.0
    for word in printable(text).split(" "):
        if not word:
            continue
        word_width = _width(word, size, bold)
        if line and line_width + space + word_width <= width:
            line, line_width = f"{line} {word}", line_width + space + word_width
            continue
        if line:
            lines.append(line)
        if word_width > width:
            *full, word = _break_word(word, width, size, bold)
            lines.extend(full)
            word_width = _width(word, size, bold)
        line, line_width = word, word_width
    return [*lines, line] if line or not lines else lines


# --- a tiny layout: lines of placed text, kept together in blocks ------------------------


@dataclass(frozen=True)
class _Text:
    x: float
    baseline: float  # below the line's top
    text: str
    size: float
    bold: bool = False


@dataclass(frozen=True)
class _Rule:
    x1: float
    x2: float
    y: float  # below the line's top
    width: float


@dataclass(frozen=True)
class _Line:
    height: float
    texts: tuple[_Text, ...] = ()
    rules: tuple[_Rule, ...] = ()


_Block = list[_Line]  # printed on one page when it fits on one


def _leading(size: float) -> float:
    return size * PT * 1.4


def _baseline(height: float, size: float) -> float:
    return (height + _CAP_HEIGHT * size * PT) / 2


def _text_line(
    text: str,
    *,
    x: float,
    size: float,
    bold: bool = False,
    align: str = "left",
    width: float = 0.0,
    underline: bool = False,
) -> _Line:
    """One printable line; ``align="center"`` centres it in ``[x, x + width]``."""
    height = _leading(size)
    text_width = _width(text, size, bold)
    left = x + (width - text_width) / 2 if align == "center" else x
    rules: tuple[_Rule, ...] = ()
    if underline and text:
        under = _baseline(height, size) + 0.12 * size * PT
        rules = (_Rule(left, left + text_width, under, 0.05 * size * PT),)
    return _Line(height, (_Text(left, _baseline(height, size), text, size, bold),), rules)


def _paragraph(
    text: str,
    *,
    x: float,
    width: float,
    size: float,
    bold: bool = False,
    align: str = "left",
    underline: bool = False,
) -> _Block:
    return [
        _text_line(line, x=x, size=size, bold=bold, align=align, width=width, underline=underline)
        for line in wrap(text, width, size, bold)
    ]


def _row(label: str, value: str, *, x: float, size: float) -> _Block:
    """``label : value``, the value wrapping in its own column."""
    labels = wrap(label, _COLON - x - 1, size)
    values = wrap(value, RIGHT - _VALUE, size)
    height = _leading(size)
    baseline = _baseline(height, size)
    lines = []
    for index in range(max(len(labels), len(values))):
        texts = []
        if index < len(labels):
            texts.append(_Text(x, baseline, labels[index], size))
        if index == 0:
            texts.append(_Text(_COLON, baseline, ":", size))
        if index < len(values):
            texts.append(_Text(_VALUE, baseline, values[index], size))
        lines.append(_Line(height, tuple(texts)))
    return lines


def _gap(height: float) -> _Block:
    return [_Line(height)]


def _is_gap(block: _Block) -> bool:
    return all(not line.texts and not line.rules for line in block)


def _height(lines: list[_Line]) -> float:
    return sum(line.height for line in lines)


def _letterhead(doc: PrintedCertificate) -> _Block:
    lines: _Block = []
    for text in doc.letterhead:
        lines += _paragraph(text, x=LEFT, width=TEXT_WIDTH, size=10.5, bold=True, align="center")
    if doc.letterhead_address.strip():
        lines += _paragraph(
            doc.letterhead_address, x=LEFT, width=TEXT_WIDTH, size=8, align="center"
        )
    lines.append(_Line(2.5, rules=(_Rule(LEFT, RIGHT, 1.0, 0.6), _Rule(LEFT, RIGHT, 1.9, 0.2))))
    lines += _gap(4.0)
    lines += _paragraph(
        wording.TITLE, x=LEFT, width=TEXT_WIDTH, size=12, bold=True, align="center", underline=True
    )
    lines += _paragraph(
        wording.NUMBER.format(number=doc.number),
        x=LEFT,
        width=TEXT_WIDTH,
        size=10,
        align="center",
    )
    return [*lines, *_gap(4.0)]


def _continuation(doc: PrintedCertificate) -> _Block:
    """The top of every page after the first: what letter this is, and its number."""
    lines = _paragraph(
        wording.CONTINUED.format(title=wording.TITLE),
        x=LEFT,
        width=TEXT_WIDTH,
        size=10,
        bold=True,
        align="center",
    )
    lines += _paragraph(
        wording.NUMBER.format(number=doc.number), x=LEFT, width=TEXT_WIDTH, size=9, align="center"
    )
    return [*lines, *_gap(4.0)]


def _body(doc: PrintedCertificate, size: float) -> list[_Block]:
    """The letter's body, top to bottom, as blocks that stay on one page if they can."""
    indent = LEFT + _LABEL_INDENT
    gap = _gap(_leading(size) * 0.5)
    opening = _paragraph(wording.OPENING, x=LEFT, width=TEXT_WIDTH, size=size)
    reporter = [_row(label, value, x=indent, size=size) for label, value in doc.reporter]
    # An introduction never ends a page on its own: it goes with the first row after it.
    blocks = [opening + (reporter[0] if reporter else []), *reporter[1:], gap]
    items = []
    number_width = _width(f"{len(doc.items)}.", size, False) + 2
    for number, item in enumerate(doc.items, start=1):
        label_x = indent + number_width
        lines = _paragraph(item.label, x=label_x, width=RIGHT - label_x, size=size, bold=True)
        first = lines[0]
        marker = _Text(indent, first.texts[0].baseline, f"{number}.", size)
        lines[0] = _Line(first.height, (marker, *first.texts), first.rules)
        for label, value in item.details:
            lines += _row(label, value, x=label_x, size=size)
        items.append(lines)
    intro = _paragraph(wording.ITEMS_INTRO, x=LEFT, width=TEXT_WIDTH, size=size)
    blocks += [intro + items[0], *items[1:], gap]
    # When and where, lost and reported: read together, so printed together.
    circumstances = (
        (wording.LOST_WHEN, doc.lost_when),
        (wording.LOST_WHERE, doc.lost_where),
        (wording.REPORTED_AT, doc.reported_at),
        (wording.REPORTED_PLACE, doc.reported_place),
    )
    blocks.append([line for row in circumstances for line in _row(*row, x=indent, size=size)])
    blocks += [gap, _paragraph(wording.NOT_A_REPLACEMENT, x=LEFT, width=TEXT_WIDTH, size=size)]
    validity = wording.VALIDITY.format(days=doc.validity_days, until=doc.valid_until)
    blocks.append(
        _paragraph(validity, x=LEFT, width=TEXT_WIDTH, size=size)
        + _paragraph(wording.CLOSING, x=LEFT, width=TEXT_WIDTH, size=size)
    )
    return blocks


def _signer(doc: PrintedCertificate) -> _Block:
    size, width = 10.0, RIGHT - _SIGNER_LEFT

    def centred(text: str, *, bold: bool = False, underline: bool = False) -> _Block:
        return _paragraph(
            text,
            x=_SIGNER_LEFT,
            width=width,
            size=size,
            bold=bold,
            align="center",
            underline=underline,
        )

    lines = centred(doc.place_and_date)
    for title in doc.signer_title:
        lines += centred(title)
    lines += _gap(SIGNATURE_SPACE)
    lines += centred(doc.officer_name, bold=True, underline=True)
    lines += centred(f"{doc.officer_rank} NRP {doc.officer_nrp}")
    return lines


def _qr_caption(doc: PrintedCertificate) -> _Block:
    caption = wording.QR_CAPTION.format(site=doc.verify_site)
    return _paragraph(caption, x=LEFT, width=_CAPTION_WIDTH, size=_CAPTION_SIZE)


def _paginate(blocks: list[_Block], capacities: tuple[float, float]) -> list[list[_Line]]:
    """Fill pages with blocks; ``capacities`` are the first page's body height and every
    later page's. A block taller than a whole page is split between lines."""
    pages: list[list[_Line]] = [[]]
    used, capacity = 0.0, capacities[0]
    for block in blocks:
        if _is_gap(block) and not pages[-1]:
            continue  # no gap at the top of a page
        height = _height(block)
        if used + height > capacity and height <= capacities[1]:
            pages.append([])
            used, capacity = 0.0, capacities[1]
            if _is_gap(block):
                continue
        for line in block:
            if used + line.height > capacity:
                pages.append([])
                used, capacity = 0.0, capacities[1]
            pages[-1].append(line)
            used += line.height
    return pages


@dataclass(frozen=True)
class _Page:
    top: list[_Line]  # letterhead (first page) or continuation header
    body: list[_Line]
    qr: bool  # the QR zone at the bottom left (first page)
    signer: bool  # the signer in the bottom zone (one-page letter)


def _layout(doc: PrintedCertificate) -> tuple[list[_Page], _Block, _Block]:
    """The pages, the signer block and the QR caption."""
    letterhead, continuation = _letterhead(doc), _continuation(doc)
    signer, caption = _signer(doc), _qr_caption(doc)
    qr_zone = QR_SIZE + _CAPTION_GAP + _height(caption)
    zone = max(qr_zone, _height(signer))
    one_page = _ZONE_BOTTOM - _ZONE_GAP - zone - MARGIN_TOP - _height(letterhead)
    for size in BODY_SIZES:
        body = [line for block in _body(doc, size) for line in block]
        if _height(body) <= one_page:
            return [_Page(letterhead, body, qr=True, signer=True)], signer, caption
    # Several pages: the signer follows the last paragraph, on the last page.
    blocks = _body(doc, BODY_SIZES[0])
    blocks[-1] = [*blocks[-1], *_gap(6.0), *signer]
    capacities = (
        _ZONE_BOTTOM - _ZONE_GAP - qr_zone - MARGIN_TOP - _height(letterhead),
        _BAND_TOP - _ZONE_GAP - MARGIN_TOP - _height(continuation),
    )
    bodies = _paginate(blocks, capacities)
    pages = [
        _Page(letterhead if index == 0 else continuation, body, qr=index == 0, signer=False)
        for index, body in enumerate(bodies)
    ]
    return pages, signer, caption


# --- drawing ---------------------------------------------------------------------------


def _draw(pdf: FPDF, lines: list[_Line], top: float) -> float:
    y = top
    for line in lines:
        for text in line.texts:
            pdf.set_font("Helvetica", "B" if text.bold else "", text.size)
            pdf.text(text.x, y + text.baseline, text.text)
        for rule in line.rules:
            pdf.set_line_width(rule.width)
            pdf.line(rule.x1, y + rule.y, rule.x2, y + rule.y)
        y += line.height
    return y


def qr_matrix(text: str) -> np.ndarray:
    """The QR code's modules for ``text`` (True = dark), without the quiet zone.

    zxing-cpp's encoder (C++, ISO 18004 mask selection) rather than segno's: segno
    spends about 20 ms choosing the mask in Python, the whole P7 budget (decision 017).
    """
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR_LEVEL)
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    return image < 128


def _qr_operators(matrix: np.ndarray, *, x: float, y: float, size: float, k: float) -> str:
    """PDF operators filling each horizontal run of dark modules with one rectangle, in
    a coordinate system whose unit is one module, origin at the symbol's top left."""
    padded = np.zeros((matrix.shape[0], matrix.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = matrix
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    module = size / matrix.shape[1] * k
    rects = "\n".join(
        f"{start} {row} {end - start} 1 re"
        for row, start, end in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True)
    )
    origin = f"{x * k:.3f} {(PAGE_HEIGHT - y) * k:.3f}"
    return f"q 0 g {module:.5f} 0 0 {-module:.5f} {origin} cm\n{rects}\nf Q"


def draw_qr(pdf: FPDF, text: str, *, x: float, y: float, size: float) -> None:
    """A QR code of ``text``, ``size`` mm wide, its top left at (``x``, ``y``) on an A4
    page. fpdf2 has no public call for raw operators; one rectangle call per run of
    modules would cost about 10 ms (decision 017). fpdf2 is pinned to 2.8."""
    pdf._out(_qr_operators(qr_matrix(text), x=x, y=y, size=size, k=pdf.k))


def _draw_band(pdf: FPDF, doc: PrintedCertificate, page: int, pages: int) -> None:
    """The bottom of every page: "Tidak dipungut biaya" in a box, the number and page."""
    pdf.set_line_width(0.4)
    pdf.rect(LEFT, _BAND_TOP, TEXT_WIDTH, _BOX_HEIGHT)
    _draw(
        pdf,
        [
            _text_line(
                wording.FREE_OF_CHARGE,
                x=LEFT,
                width=TEXT_WIDTH,
                size=11,
                bold=True,
                align="center",
            )
        ],
        _BAND_TOP + (_BOX_HEIGHT - _leading(11)) / 2,
    )
    footer = " · ".join(
        (
            wording.NUMBER.format(number=printable(doc.number)),
            wording.PAGE.format(page=page, pages=pages),
        )
    )
    lines = _paragraph(footer, x=LEFT, width=TEXT_WIDTH, size=_FOOTER_SIZE, align="center")
    pdf.set_text_color(80)
    _draw(pdf, lines, BOTTOM - _height(lines))
    pdf.set_text_color(0)


def render_certificate_pdf(doc: PrintedCertificate) -> bytes:
    """The certificate as a PDF: A4, one page unless its body cannot fit on one."""
    pages, signer, caption = _layout(doc)
    pdf = FPDF(unit="mm", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(FILE_DATE)
    pdf.set_title(printable(f"{wording.TITLE} {doc.number}"))
    pdf.set_creator("Kamtibmas")
    pdf.set_lang("id")
    for index, page in enumerate(pages, start=1):
        pdf.add_page()
        _draw(pdf, page.body, _draw(pdf, page.top, MARGIN_TOP))
        if page.qr:
            qr_top = _ZONE_BOTTOM - _height(caption) - _CAPTION_GAP - QR_SIZE
            draw_qr(pdf, doc.verify_url, x=LEFT, y=qr_top, size=QR_SIZE)
            _draw(pdf, caption, qr_top + QR_SIZE + _CAPTION_GAP)
        if page.signer:
            _draw(pdf, signer, _ZONE_BOTTOM - _height(signer))
        _draw_band(pdf, doc, index, len(pages))
    return bytes(pdf.output())


# --- reading the QR back ---------------------------------------------------------------


class NoQrReason(StrEnum):
    TOO_LARGE = "too_large"  # more than MAX_PDF_BYTES
    NOT_PDF = "not_pdf"  # not a PDF, damaged beyond repair, or password-protected
    NO_QR = "no_qr"  # no page, or no readable QR code on the first page


class NoQrFound(ValueError):
    """The data is not a readable PDF, or its first page shows no QR code."""

    def __init__(self, reason: NoQrReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


MAX_PDF_BYTES = 10 * 1024 * 1024  # a certificate is about 10 KB
_READ_DPI = 200  # a 36 mm symbol of 77 modules gets about 4 pixels per module
_MAX_PIXELS = 30_000_000  # a huge page is read at a lower resolution, not exhaust memory
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def qr_text_from_pdf(data: bytes) -> str:
    """The text of the QR code on the first page of the PDF ``data``.

    Renders the page (pypdfium2, not thread-safe: one call at a time per process) and
    decodes it with zxing-cpp. Raises ``NoQrFound`` for data that is not a PDF (or is
    encrypted, or too large) and for a first page without a readable QR code.
    """
    if len(data) > MAX_PDF_BYTES:
        raise NoQrFound(NoQrReason.TOO_LARGE)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise NoQrFound(NoQrReason.NOT_PDF, str(exc)) from exc
    try:
        if len(pdf) == 0:
            raise NoQrFound(NoQrReason.NO_QR, "no page")
        page = pdf[0]
        width, height = page.get_size()
        scale = min(_READ_DPI / 72, math.sqrt(_MAX_PIXELS / max(width * height, 1.0)))
        image = page.render(scale=scale, grayscale=True).to_numpy()
    finally:
        pdf.close()
    for barcode in zxingcpp.read_barcodes(image, formats=_QR_ONLY):
        if barcode.valid and barcode.text:
            return barcode.text
    raise NoQrFound(NoQrReason.NO_QR)
