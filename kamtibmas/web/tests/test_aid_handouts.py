"""The hand-outs page of a program and the recipient's confirmation image."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from kamtibmas.aid.services import aid_handout_record, confirmation_read
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.privacy.models import AuditEntry
from kamtibmas.web.tests.test_aid_staff import running, signed_in

__all__ = ["aid", "running"]  # the fixtures, imported for this module


def handed(running, *, photo: bool):
    confirmation = None
    if photo:
        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), (10, 120, 200)).save(buffer, "PNG")
        confirmation = confirmation_read("photo", buffer.getvalue())
    return aid_handout_record(
        actor=running.officer,
        program=running.program,
        household=running.household,
        location=running.venue,
        recipient_name="Siti Yani",
        children_present=2,
        confirmation=confirmation,
    )


def test_the_list_names_recipients_what_they_received_and_is_audited(client, running):
    handout = handed(running, photo=True)
    signed_in(client, running.officer)
    response = client.get(f"/staff/aid/{running.program.pk}/handouts/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Ahmad Yani" in body and "Siti Yani" in body and KK not in body
    assert "1 paket Paket sembako" in body and "2 bungkus Snack anak" in body
    assert f'id="confirmation-{handout.pk}"' in body
    reasons = AuditEntry.objects.filter(reason="aid: hand-outs listed")
    assert {(e.subject_type, e.fields[0]) for e in reasons} == {
        ("aid.household", "head_name"),
        ("aid.handout", "recipient_name"),
    }
    elsewhere = client.get(f"/staff/aid/{running.program.pk}/handouts/?location={running.post.pk}")
    assert "Siti Yani" not in elsewhere.content.decode()
    page = client.get(f"/staff/aid/{running.program.pk}/")
    assert f'href="/staff/aid/{running.program.pk}/handouts/"' in page.content.decode()


def test_the_confirmation_image_is_served_once_audited_and_only_in_scope(client, running):
    handout = handed(running, photo=True)
    url = f"/staff/aid/{running.program.pk}/handouts/{handout.pk}/confirmation.jpg"
    signed_in(client, running.officer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert Image.open(io.BytesIO(response.content)).size == (320, 240)
    assert AuditEntry.objects.filter(reason="aid: recipient's confirmation shown").count() == 1
    signed_in(client, running.officer_timur)
    assert client.get(url).status_code == 404
    signed_in(client, running.resident)
    assert client.get(url).status_code == 403


def test_a_hand_out_without_confirmation_has_no_image(client, running):
    handout = handed(running, photo=False)
    signed_in(client, running.officer)
    url = f"/staff/aid/{running.program.pk}/handouts/{handout.pk}/confirmation.jpg"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who,expected", [("resident", 403), ("officer_timur", 404)])
def test_others_cannot_list_the_hand_outs(client, running, who, expected):
    signed_in(client, getattr(running, who))
    assert client.get(f"/staff/aid/{running.program.pk}/handouts/").status_code == expected
