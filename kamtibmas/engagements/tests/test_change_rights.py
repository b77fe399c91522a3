"""Seeing a dialogue is not changing it: only the organising unit (or a unit above
it) records, edits or cancels; a follow-up's owner may close it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kamtibmas.accounts.services import api_token_issue
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import DialogueStatus, DialogueType, FollowUpStatus
from kamtibmas.engagements.services import dialogue_plan, follow_up_create


@pytest.fixture
def polres_dialogue(bekasi):
    """Planned by the Polres in Kayuringin Jaya, which Polsek Bekasi Selatan covers."""
    start = timezone.now() + timedelta(days=5)
    return dialogue_plan(
        actor=bekasi.commander_polres,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi bersama Kapolres",
        area=bekasi.kayuringin,
        unit=bekasi.polres,
        venue_name="Balai RW 024",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )


def test_a_polsek_officer_sees_but_cannot_cancel_a_polres_dialogue(client, bekasi, polres_dialogue):
    client.force_login(bekasi.officer_selatan)
    assert client.get(f"/staff/dialogues/{polres_dialogue.pk}/").status_code == 200
    response = client.post(
        f"/staff/dialogues/{polres_dialogue.pk}/cancel/", {"reason": "Tidak jadi"}
    )
    assert response.status_code == 403
    polres_dialogue.refresh_from_db()
    assert polres_dialogue.status == DialogueStatus.PLANNED


def test_the_api_refuses_the_same_with_403(client, bekasi, polres_dialogue):
    _token, raw = api_token_issue(user=bekasi.officer_selatan)
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"/api/v1/engagements/{polres_dialogue.pk}", headers=auth).status_code == 200
    response = client.post(
        f"/api/v1/engagements/{polres_dialogue.pk}/cancel",
        {"reason": "Tidak jadi"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    polres_dialogue.refresh_from_db()
    assert polres_dialogue.status == DialogueStatus.PLANNED


def test_the_polres_and_the_follow_up_owner_may_act(client, bekasi, polres_dialogue):
    client.force_login(bekasi.commander_polres)
    response = client.post(
        f"/staff/dialogues/{polres_dialogue.pk}/cancel/", {"reason": "Hujan deras"}
    )
    assert response.status_code == 302
    follow_up = follow_up_create(
        dialogue=polres_dialogue,
        title="Cek lampu gang",
        owner=bekasi.officer_selatan,
        due_date=local_today(polres_dialogue.area),
    )
    client.force_login(bekasi.officer_selatan)
    response = client.post(
        f"/staff/dialogues/{polres_dialogue.pk}/follow-ups/{follow_up.pk}/complete/",
        {f"f{follow_up.pk}-outcome": "Sudah diperbaiki"},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE
