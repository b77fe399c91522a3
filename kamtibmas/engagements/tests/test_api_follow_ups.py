"""Follow-ups: …/{id}/follow-ups and …/follow-ups/{id}/complete|cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kamtibmas.api.tests.client import api_client
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import FollowUp, FollowUpStatus
from kamtibmas.engagements.services import follow_up_create

BASE = "/api/v1/engagements"


def _due(days: int = 14) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


@pytest.fixture
def promise(bekasi, ngopi):
    return follow_up_create(
        dialogue=ngopi,
        title="Pasang lampu gang 3",
        owner=bekasi.officer_selatan,
        due_date=local_today() + timedelta(days=14),
    )


def test_a_promise_is_recorded_with_its_owner_and_due_date(bekasi, ngopi):
    client = api_client(bekasi.commander_selatan)

    response = client.post(
        f"{BASE}/{ngopi.pk}/follow-ups",
        {"title": "Patroli malam RW 024", "owner": bekasi.officer_selatan.pk, "due_date": _due()},
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["owner"]["id"] == bekasi.officer_selatan.pk
    assert created["status"] == "open"
    assert created["dialogue_id"] == ngopi.pk
    assert created["finding_id"] is None
    assert created["created_at"].endswith("+07:00")


def test_the_owner_defaults_to_the_caller_and_the_list_shows_the_promises(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan)
    client.post(
        f"{BASE}/{ngopi.pk}/follow-ups",
        {"title": "Sosialisasi ulang", "due_date": _due(3)},
        content_type="application/json",
    )

    listed = client.get(f"{BASE}/{ngopi.pk}/follow-ups").json()

    assert [(f["title"], f["owner"]["id"]) for f in listed] == [
        ("Sosialisasi ulang", bekasi.officer_selatan.pk)
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "Lampu", "due_date": "2020-01-01"}, "due_in_past"),
        ({"title": " ", "due_date": _due()}, "title_required"),
        ({"title": "Lampu", "due_date": "soon"}, "invalid"),
        ({"title": "Lampu", "due_date": _due(), "status": "done"}, "invalid"),
    ],
)
def test_bad_promises_are_refused(bekasi, ngopi, body, code):
    response = api_client(bekasi.officer_selatan, language="en").post(
        f"{BASE}/{ngopi.pk}/follow-ups", body, content_type="application/json"
    )

    assert response.status_code == 422, response.json()
    assert response.json()["code"] == code
    assert not FollowUp.objects.exists()


def test_an_owner_outside_the_callers_units_is_refused(bekasi, ngopi):
    response = api_client(bekasi.officer_selatan, language="en").post(
        f"{BASE}/{ngopi.pk}/follow-ups",
        {"title": "Lampu", "owner": bekasi.officer_timur.pk, "due_date": _due()},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner"
    assert not FollowUp.objects.exists()


def test_a_follow_up_is_completed_with_its_outcome(bekasi, promise):
    client = api_client(bekasi.officer_selatan)

    response = client.post(
        f"{BASE}/follow-ups/{promise.pk}/complete",
        {"outcome": "Lampu terpasang"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done"
    assert response.json()["outcome"] == "Lampu terpasang"
    assert response.json()["done_at"].endswith("+07:00")
    again = client.post(
        f"{BASE}/follow-ups/{promise.pk}/complete", {}, content_type="application/json"
    )
    assert again.status_code == 422
    assert again.json()["code"] == "closed"


def test_a_follow_up_is_dropped_saying_why(bekasi, promise):
    client = api_client(bekasi.officer_selatan, language="en")

    refused = client.post(
        f"{BASE}/follow-ups/{promise.pk}/cancel", {"outcome": ""}, content_type="application/json"
    )
    dropped = client.post(
        f"{BASE}/follow-ups/{promise.pk}/cancel",
        {"outcome": "Sudah ditangani PLN"},
        content_type="application/json",
    )

    assert refused.status_code == 422
    assert refused.json()["code"] == "reason_required"
    assert dropped.status_code == 200
    promise.refresh_from_db()
    assert promise.status == FollowUpStatus.CANCELLED
