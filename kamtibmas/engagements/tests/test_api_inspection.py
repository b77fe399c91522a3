"""The inspection after the dialogue: …/{id}/inspection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kamtibmas.api.tests.client import api_client
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import FollowUp, Inspection, InspectionFinding

INSPECTED_AT = "2025-07-31T12:30:00+07:00"


def _url(dialogue) -> str:
    return f"/api/v1/engagements/{dialogue.pk}/inspection"


def _body(**overrides):
    body = {
        "inspected_at": INSPECTED_AT,
        "notes": "Permukiman padat",
        "findings": [
            {"item": "penerangan_jalan", "result": "problem", "note": "Gang 3 gelap"},
            {"item": "cctv", "result": "ok"},
        ],
    }
    body.update(overrides)
    return body


def test_no_inspection_yet_is_404(bekasi, ngopi):
    response = api_client(bekasi.officer_selatan, language="en").get(_url(ngopi))

    assert response.status_code == 404
    assert response.json()["code"] == "no_inspection"


def test_findings_are_recorded_by_item_code_and_problems_become_follow_ups(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan, language="en")
    due = (local_today() + timedelta(days=7)).isoformat()

    response = client.put(
        _url(ngopi),
        _body(follow_up_owner=bekasi.officer_selatan.pk, follow_up_due=due),
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    recorded = response.json()
    assert recorded["inspected_at"] == INSPECTED_AT
    assert recorded["inspector"]["id"] == bekasi.officer_selatan.pk
    assert [(f["item"]["code"], f["result"], f["note"]) for f in recorded["findings"]] == [
        ("penerangan_jalan", "problem", "Gang 3 gelap"),
        ("cctv", "ok", ""),
    ]
    assert recorded["findings"][0]["item"]["name"] == "Street lighting"
    follow_up = FollowUp.objects.get()
    assert follow_up.finding_id == recorded["findings"][0]["id"]
    assert follow_up.due_date.isoformat() == due
    assert client.get(_url(ngopi)).json() == recorded


def test_putting_the_inspection_again_replaces_its_findings(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan)
    client.put(_url(ngopi), _body(), content_type="application/json")

    response = client.put(
        _url(ngopi),
        _body(findings=[{"item": "cctv", "result": "problem", "note": "Mati"}]),
        content_type="application/json",
    )

    assert [f["item"]["code"] for f in response.json()["findings"]] == ["cctv"]
    assert Inspection.objects.count() == 1
    assert InspectionFinding.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"findings": [{"item": "penerangan_jalan", "result": "problem"}]}, None, "problem_note"),
        ({"findings": [{"item": "kolam", "result": "ok"}]}, "findings.0.item", "unknown_item"),
        (
            {"findings": [{"item": "cctv", "result": "ok"}, {"item": "cctv", "result": "na"}]},
            None,
            "duplicate_item",
        ),
        ({"findings": [{"item": "cctv", "result": "bad"}]}, "findings.0.result", "enum"),
        ({"inspected_at": "2025-07-31 12:30"}, "inspected_at", "timezone_aware"),
        ({"follow_up_owner": 10**6}, "follow_up_owner", "unknown_user"),
        ({"inspector": 1}, "inspector", "extra_forbidden"),
    ],
)
def test_bad_inspections_are_refused_and_record_nothing(bekasi, ngopi, overrides, field, code):
    response = api_client(bekasi.officer_selatan, language="en").put(
        _url(ngopi), _body(**overrides), content_type="application/json"
    )

    assert response.status_code == 422, response.json()
    first = response.json()["errors"][0]
    assert (first["field"], first["code"]) == (field, code)
    assert not Inspection.objects.exists()
    assert not FollowUp.objects.exists()


def test_the_follow_up_owner_must_be_one_of_the_callers_colleagues(bekasi, ngopi):
    response = api_client(bekasi.officer_selatan, language="en").put(
        _url(ngopi),
        _body(follow_up_owner=bekasi.officer_timur.pk),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_user"
    assert not Inspection.objects.exists()


def test_an_administrator_cannot_make_a_resident_the_owner(bekasi, ngopi):
    response = api_client(bekasi.admin, language="en").put(
        _url(ngopi), _body(follow_up_owner=bekasi.resident.pk), content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "follow_up_owner"
    assert not FollowUp.objects.exists()
