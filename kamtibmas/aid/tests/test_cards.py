"""Household cards: codes (random, replaceable, found by blind index) and the printed
cards, whose QR codes are read back from the rendered PDF."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.core.exceptions import PermissionDenied, ValidationError

from kamtibmas.aid.cards import CARDS_CAP, card_url, cards_pdf, household_cards
from kamtibmas.aid.services import (
    CARD_ALPHABET,
    household_by_card,
    household_card_issue,
    household_register,
    normalise_card_code,
)
from kamtibmas.aid.tests.conftest import KK
from kamtibmas.aid.tests.test_documents import pdf_text
from kamtibmas.privacy.models import AuditEntry


def qr_texts(data: bytes) -> list[str]:
    """Every QR code on every page, as a phone camera would read them."""
    pdf = pdfium.PdfDocument(data)
    try:
        found = []
        for index in range(len(pdf)):
            image = pdf[index].render(scale=200 / 72, grayscale=True).to_numpy()
            found += [code.text for code in zxingcpp.read_barcodes(image) if code.valid]
        return found
    finally:
        pdf.close()


def test_a_card_code_is_random_kept_and_replaceable(aid):
    code = household_card_issue(actor=aid.officer, household=aid.household)
    assert len(code) == 10 and set(code) <= set(CARD_ALPHABET)
    assert household_card_issue(actor=aid.officer, household=aid.household) == code
    assert household_by_card(code) == aid.household
    assert household_by_card(f"{code[:5].lower()}-{code[5:]}") == aid.household
    assert household_by_card(f"https://kamtibmas.example/staff/aid/card/{code}/") == aid.household
    new = household_card_issue(actor=aid.officer, household=aid.household, replace=True)
    assert new != code
    assert household_by_card(code) is None and household_by_card(new) == aid.household
    reasons = list(
        AuditEntry.objects.filter(subject_id=str(aid.household.pk), action="update")
        .order_by("pk")
        .values_list("reason", flat=True)
    )
    assert reasons == ["aid: household card issued", "aid: household card replaced"]


@pytest.mark.parametrize("text", ["", "12345", "ABCDE-2345O", "ABCDEFGHJKM", "ABCDE 23456"])
def test_what_is_not_a_card_code_is_explained(text):
    with pytest.raises(ValidationError) as caught:
        normalise_card_code(text)
    assert caught.value.code == "card_code"


def test_only_officers_of_the_unit_issue_cards(aid):
    with pytest.raises(PermissionDenied):
        household_card_issue(actor=aid.resident, household=aid.household)
    with pytest.raises(PermissionDenied):
        household_card_issue(actor=aid.officer_timur, household=aid.household)


def test_the_printed_cards_read_back_and_hold_no_kk(aid):
    for number in range(10):
        household_register(
            actor=aid.officer,
            kk_number=f"32750401010901{number:02d}",
            head_name=f"Warga Nomor {number}",
            area=aid.rw024,
            members=3,
        )
    cards = household_cards(actor=aid.officer, program=aid.program)
    assert len(cards) == 11
    data = cards_pdf(cards, unit_name=aid.program.unit.name)
    pages = pdf_text(data)
    assert len(pages) == 2
    text = "\n".join(pages)
    assert "Ahmad Yani" in text and KK not in text and "3275040101" not in text
    assert sorted(qr_texts(data)) == sorted(card_url(card.code) for card in cards)
    first = cards[0]
    assert f"{first.code[:5]}-{first.code[5:]}" in text
    exports = AuditEntry.objects.filter(reason="aid: household cards printed")
    assert exports.count() == 11 and {e.action for e in exports} == {"export"}
    # Printing again reprints the same codes.
    again = household_cards(actor=aid.officer, program=aid.program)
    assert [card.code for card in again] == [card.code for card in cards]


def test_too_many_households_for_one_print_are_refused(aid, monkeypatch):
    from kamtibmas.aid import cards

    monkeypatch.setattr(cards, "CARDS_CAP", 0)
    with pytest.raises(ValueError, match="RW"):
        household_cards(actor=aid.officer, program=aid.program)
    assert CARDS_CAP > 0
