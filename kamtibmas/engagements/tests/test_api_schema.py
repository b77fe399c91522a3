"""The engagements part of the OpenAPI document: every endpoint listed, and real
answers that fit the schemas it declares (SECURITY.md 21), no more fields than it
documents (SECURITY.md 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.api.tests.openapi_check import assert_documented, openapi_document, problems
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.services import (
    attendee_sign_in,
    dialogue_official_add,
    follow_up_create,
)

ENGAGEMENT_PATHS = {
    "/api/v1/engagements": {"get", "post"},
    "/api/v1/engagements/catalogue": {"get"},
    "/api/v1/engagements/{dialogue_id}": {"get", "patch"},
    "/api/v1/engagements/{dialogue_id}/held": {"post"},
    "/api/v1/engagements/{dialogue_id}/cancel": {"post"},
    "/api/v1/engagements/{dialogue_id}/attendance": {"put"},
    "/api/v1/engagements/{dialogue_id}/attendees": {"get", "post"},
    "/api/v1/engagements/{dialogue_id}/officials": {"get", "post"},
    "/api/v1/engagements/{dialogue_id}/officials/{official_id}": {"delete"},
    "/api/v1/engagements/{dialogue_id}/topics": {"get"},
    "/api/v1/engagements/{dialogue_id}/topics/{code}": {"get", "put", "delete"},
    "/api/v1/engagements/{dialogue_id}/inspection": {"get", "put"},
    "/api/v1/engagements/{dialogue_id}/press-release": {"get"},
    "/api/v1/engagements/{dialogue_id}/follow-ups": {"get", "post"},
    "/api/v1/engagements/follow-ups/{follow_up_id}/complete": {"post"},
    "/api/v1/engagements/follow-ups/{follow_up_id}/cancel": {"post"},
}


@pytest.mark.django_db
def test_the_document_lists_every_engagements_endpoint():
    document = openapi_document()

    found = {
        path: set(methods)
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/engagements")
    }
    assert found == ENGAGEMENT_PATHS


@pytest.mark.django_db
def test_times_are_documented_as_date_times_with_offsets():
    schemas = openapi_document()["components"]["schemas"]

    assert schemas["DialogueOut"]["properties"]["planned_start"]["format"] == "date-time"
    assert "offset" in schemas["DialogueCreateIn"]["properties"]["start"]["description"]


def test_answers_fit_their_documented_schemas(bekasi, ngopi, planned):
    document = openapi_document()
    dialogue_official_add(dialogue=ngopi, position="Ketua RW 024", name="Pak Darto")
    attendee_sign_in(dialogue=ngopi, name="Bu Sari", phone="081234567890", consent=True)
    follow_up_create(
        dialogue=ngopi,
        title="Pasang lampu",
        owner=bekasi.officer_selatan,
        due_date=local_today() + timedelta(days=3),
    )
    client = api_client(bekasi.commander_polres)
    start = timezone.now() + timedelta(days=2)
    calls = [
        ("EngagementCatalogueGet", "GET", "/api/v1/engagements/catalogue", None),
        ("DialogueList", "GET", "/api/v1/engagements?limit=1", None),
        ("DialogueGet", "GET", f"/api/v1/engagements/{ngopi.pk}", None),
        ("AttendeeList", "GET", f"/api/v1/engagements/{ngopi.pk}/attendees", None),
        ("OfficialList", "GET", f"/api/v1/engagements/{ngopi.pk}/officials", None),
        ("FollowUpList", "GET", f"/api/v1/engagements/{ngopi.pk}/follow-ups", None),
        (
            "TopicSet",
            "PUT",
            f"/api/v1/engagements/{ngopi.pk}/topics/narkoba",
            {"notes": "Bahaya narkoba"},
        ),
        (
            "InspectionRecord",
            "PUT",
            f"/api/v1/engagements/{ngopi.pk}/inspection",
            {
                "inspected_at": "2025-07-31T12:30:00+07:00",
                "findings": [{"item": "cctv", "result": "problem", "note": "Mati"}],
            },
        ),
        (
            "DialogueAttendanceSet",
            "PUT",
            f"/api/v1/engagements/{ngopi.pk}/attendance",
            {"residents": 24, "leaders": 5, "children": 3},
        ),
        (
            "DialogueCreate",
            "POST",
            "/api/v1/engagements",
            {
                "type": "jumat_curhat",
                "title": "Jumat Curhat",
                "area": "32.75.01.1002",
                "venue_name": "Masjid",
                "unit": bekasi.polsek_timur.pk,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
            },
        ),
        ("DialogueCancel", "POST", f"/api/v1/engagements/{planned.pk}/cancel", {"reason": "x"}),
        # Errors fit the one documented error shape.
        ("DialogueGet", "GET", "/api/v1/engagements/0", None),
        ("DialogueCreate", "POST", "/api/v1/engagements", {"title": 5, "extra": True}),
        ("DialogueCancel", "POST", f"/api/v1/engagements/{ngopi.pk}/cancel", {"reason": "x"}),
    ]

    for operation_id, method, url, body in calls:
        response = send(client, method, url, body)
        assert response.status_code < 500, (operation_id, response.content)
        assert_documented(document, operation_id, response)


@pytest.mark.django_db
def test_errors_without_a_token_fit_the_error_schema():
    document = openapi_document()

    response = Client().get("/api/v1/engagements")

    assert response.status_code == 401
    assert_documented(document, "DialogueList", response)


def test_the_checker_notices_undocumented_fields(bekasi, ngopi):
    document = openapi_document()
    answer = api_client(bekasi.officer_selatan).get(f"/api/v1/engagements/{ngopi.pk}").json()
    schema = {"$ref": "#/components/schemas/DialogueDetailOut"}

    assert problems(document, schema, answer) == []
    assert problems(document, schema, {**answer, "created_by": 1}) == [
        "$: undocumented key created_by"
    ]
    assert problems(document, schema, {**answer, "planned_start": "2025-07-31T10:10"}) == [
        "$.planned_start: 2025-07-31T10:10 has no offset"
    ]
