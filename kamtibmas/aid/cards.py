"""Household cards (issue 8 point 4): a card per family to show at a hand-out, so
the officer finds the household by scanning it rather than typing 16 digits.

A card carries the head's name, the RT/RW, a QR code and the card's code printed
under it; never the KK number. The QR holds the address of the card's staff page
(``/staff/aid/card/<code>/``): any phone's camera opens it, and only a signed-in
officer of the household's unit finds anything there. The code is random
(``aid.services.household_card_issue``); a lost card is replaced by a new code and
the old card then finds nothing.

Ten credit-card-sized cards (85.6 × 54 mm, ISO/IEC 7810 ID-1) per A4 page with
cut lines, drawn with fpdf2's standard fonts like the certificates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from fpdf import FPDF

from kamtibmas.accounts.models import User
from kamtibmas.aid.models import AidProgram, Household
from kamtibmas.aid.offline import household_place, program_households
from kamtibmas.aid.services import card_code_printed, household_card_issue
from kamtibmas.areas.models import Area, within_q
from kamtibmas.certificates.pdf import draw_qr, printable, wrap
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record_many

CARD_WIDTH = 85.6
CARD_HEIGHT = 54.0
COLUMNS = 2
ROWS = 5
PER_PAGE = COLUMNS * ROWS
LEFT = (210.0 - COLUMNS * CARD_WIDTH) / 2
TOP = (297.0 - ROWS * CARD_HEIGHT) / 2
PAD = 4.0
QR_SIZE = 26.0
#: The most cards one PDF holds: beyond it, print an RW at a time.
CARDS_CAP = 2_000
FILE_DATE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Card:
    name: str
    place: str
    code: str
    url: str


def card_url(code: str) -> str:
    """The address the card's QR holds: the deployment's public address."""
    return settings.PUBLIC_URL + reverse("web:aid-card", args=[code])


def _card(pdf: FPDF, card: Card, *, x: float, y: float, heading: str, note: str) -> None:
    pdf.set_draw_color(170)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.rect(x, y, CARD_WIDTH, CARD_HEIGHT)
    pdf.set_dash_pattern()
    text_width = CARD_WIDTH - 3 * PAD - QR_SIZE
    pdf.set_text_color(90)
    pdf.set_font("Helvetica", "B", 7)
    pdf.text(x + PAD, y + PAD + 2.5, printable(heading))
    pdf.set_text_color(0)
    line_y = y + PAD + 9
    for line in wrap(card.name, text_width, 11, bold=True)[:3]:
        pdf.set_font("Helvetica", "B", 11)
        pdf.text(x + PAD, line_y, printable(line))
        line_y += 4.8
    pdf.set_font("Helvetica", "", 8.5)
    for line in wrap(card.place, text_width, 8.5)[:2]:
        pdf.text(x + PAD, line_y + 1, printable(line))
        line_y += 3.8
    pdf.set_text_color(90)
    pdf.set_font("Helvetica", "", 6)
    note_y = y + CARD_HEIGHT - PAD - 2 * 2.6
    for line in wrap(note, text_width, 6)[:3]:
        pdf.text(x + PAD, note_y, printable(line))
        note_y += 2.6
    pdf.set_text_color(0)
    qr_x = x + CARD_WIDTH - PAD - QR_SIZE
    qr_y = y + PAD + 2
    draw_qr(pdf, card.url, x=qr_x, y=qr_y, size=QR_SIZE)
    pdf.set_font("Courier", "B", 9)
    code = card_code_printed(card.code)
    pdf.text(qr_x + (QR_SIZE - pdf.get_string_width(code)) / 2, qr_y + QR_SIZE + 5, code)


def cards_pdf(cards: Sequence[Card], *, unit_name: str) -> bytes:
    """The cards, ten per A4 page, in the order given."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.core_fonts_encoding = "cp1252"
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(FILE_DATE)
    pdf.set_creator("Kamtibmas")
    pdf.set_lang("id")
    pdf.set_title(printable(_("Household cards")))
    heading = _("AID CARD · %(unit)s") % {"unit": unit_name.upper()}
    note = _("Show this card when aid is handed out. It is not an identity document.")
    for index, card in enumerate(cards):
        if index % PER_PAGE == 0:
            pdf.add_page()
        slot = index % PER_PAGE
        _card(
            pdf,
            card,
            x=LEFT + (slot % COLUMNS) * CARD_WIDTH,
            y=TOP + (slot // COLUMNS) * CARD_HEIGHT,
            heading=heading,
            note=note,
        )
    if not cards:
        pdf.add_page()
    return bytes(pdf.output())


def household_cards(*, actor: User, program: AidProgram, area: Area | None = None) -> list[Card]:
    """The cards of the program's households that ``actor`` may see (narrowed to
    ``area``), codes made where missing; audited as an export. ``ValueError`` beyond
    ``CARDS_CAP`` households."""
    households = program_households(program, actor)
    if area is not None:
        households = households.filter(within_q([area], "area__"))
    chosen: list[Household] = list(households.order_by("area__code", "pk")[: CARDS_CAP + 1])
    if len(chosen) > CARDS_CAP:
        raise ValueError(
            _("More than %(cap)d households: print the cards of one RW or RT at a time.")
            % {"cap": CARDS_CAP}
        )
    with transaction.atomic():
        cards = [
            Card(
                name=household.head_name,
                place=household_place(household.area),
                code=(code := household_card_issue(actor=actor, household=household)),
                url=card_url(code),
            )
            for household in chosen
        ]
        audit_record_many(
            actor=actor,
            action=AuditAction.EXPORT,
            subjects=chosen,
            reason="aid: household cards printed",
            fields=["head_name", "card_code"],
        )
    return cards
