"""Household cards on the staff side: the printed PDF, the page a card's QR opens,
and the hand-out found by card."""

from __future__ import annotations

import pytest

from kamtibmas.aid.services import household_card_issue
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.aid.tests.test_cards import qr_texts
from kamtibmas.privacy.models import AuditEntry
from kamtibmas.web.tests.test_aid_staff import handout_url, running, signed_in

__all__ = ["aid", "running"]  # the fixtures, imported for this module


def test_the_officer_prints_the_cards_of_the_program(client, running):
    signed_in(client, running.officer)
    response = client.get(f"/staff/aid/{running.program.pk}/cards.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    running.household.refresh_from_db()
    (url,) = qr_texts(response.content)
    assert url.endswith(f"/staff/aid/card/{running.household.card_code}/")
    narrowed = client.get(f"/staff/aid/{running.program.pk}/cards.pdf?area={running.rw024.pk}")
    assert narrowed.status_code == 200
    assert client.get(f"/staff/aid/{running.program.pk}/cards.pdf?area=99999").status_code == 404
    page = client.get(f"/staff/aid/{running.program.pk}/")
    assert f'action="/staff/aid/{running.program.pk}/cards.pdf"' in page.content.decode()


@pytest.mark.parametrize("who,expected", [("resident", 403), ("officer_timur", 404)])
def test_others_cannot_print_or_open_cards(client, running, who, expected):
    code = household_card_issue(actor=running.officer, household=running.household)
    signed_in(client, getattr(running, who))
    assert client.get(f"/staff/aid/{running.program.pk}/cards.pdf").status_code == expected
    assert client.get(f"/staff/aid/card/{code}/").status_code == expected


def test_a_scanned_card_opens_the_household_and_its_hand_outs(client, running):
    code = household_card_issue(actor=running.officer, household=running.household)
    signed_in(client, running.officer)
    response = client.get(f"/staff/aid/card/{code}/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Ahmad Yani" in body and KK not in body
    assert f"{handout_url(running)}?card={code}" in body
    entry = AuditEntry.objects.latest("pk")
    assert entry.reason == "aid: household card scanned" and entry.action == "read"
    # The link shows the household on the hand-out page, ready to confirm.
    shown = client.get(f"{handout_url(running)}?card={code}")
    assert shown.status_code == 200 and shown.context["household"] == running.household
    assert shown.context["verdict"].eligible
    assert client.get("/staff/aid/card/ABCDE23456/").status_code == 404
    assert client.get("/staff/aid/card/not-a-code/").status_code == 404


def test_a_card_code_typed_or_scanned_into_the_search_finds_the_household(client, running):
    code = household_card_issue(actor=running.officer, household=running.household)
    signed_in(client, running.officer)
    typed = client.post(handout_url(running), {"step": "kk", "kk": f"{code[:5]}-{code[5:]}"})
    assert typed.status_code == 200 and typed.context["household"] == running.household
    unknown = client.get(f"{handout_url(running)}?card=ABCDE23456")
    assert unknown.status_code == 400 and unknown.context["kk_form"].errors["kk"]
    garbage = client.get(f"{handout_url(running)}?card=12")
    assert garbage.status_code == 400 and garbage.context["kk_form"].errors["kk"]
