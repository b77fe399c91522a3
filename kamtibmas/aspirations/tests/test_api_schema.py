"""The aspirations part of the OpenAPI document: every endpoint listed with who may
call it, the Idempotency-Key header and 429 where they apply, and real answers that
fit the schemas it declares, with no undocumented field (SECURITY.md 9, 21)."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.api.tests.openapi_check import assert_documented, openapi_document, operation
from kamtibmas.aspirations.services import aspiration_act

PATHS = {
    "/api/v1/aspirations": {"get", "post"},
    "/api/v1/aspirations/{aspiration_id}": {"get"},
    "/api/v1/aspirations/{aspiration_id}/identity": {"post"},
    "/api/v1/aspirations/{aspiration_id}/actions": {"post"},
    "/api/v1/aspirations/{aspiration_id}/notes": {"post"},
    "/api/v1/aspirations/{aspiration_id}/assign": {"post"},
    "/api/v1/aspirations/{aspiration_id}/triage": {"post"},
    "/api/v1/aspirations/{aspiration_id}/photos": {"post"},
    "/api/v1/triage": {"post"},
    "/api/v1/track/{code}": {"get"},
    "/api/v1/track/{code}/messages": {"post"},
}
PUBLIC = {"TriageSuggest", "AspirationTrack", "AspirationTrackMessageCreate"}
IDEMPOTENT = {
    "AspirationCreate",
    "AspirationAct",
    "AspirationNoteCreate",
    "AspirationAssign",
    "AspirationTriageConfirm",
    "AspirationPhotoAdd",
    "AspirationTrackMessageCreate",
}


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_the_document_loads_and_lists_every_aspirations_endpoint():
    document = openapi_document()

    found = {
        path: set(methods)
        for path, methods in document["paths"].items()
        if path.startswith(("/api/v1/aspirations", "/api/v1/triage", "/api/v1/track"))
    }
    assert found == PATHS


@pytest.mark.django_db
def test_public_operations_need_no_token_and_document_429():
    document = openapi_document()

    for path, methods in PATHS.items():
        for method in methods:
            found = document["paths"][path][method]
            name = found["operationId"]
            if name in PUBLIC:
                assert "security" not in found, name
                assert "429" in found["responses"], name
            else:
                assert found["security"] == [{"StaffToken": []}], name


@pytest.mark.django_db
def test_idempotent_operations_document_the_header():
    document = openapi_document()

    for name in IDEMPOTENT:
        _path, _method, found = operation(document, name)
        headers = [p["name"] for p in found.get("parameters", []) if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], name
    for name in ("AspirationList", "AspirationGet", "AspirationIdentityRead", "TriageSuggest"):
        _path, _method, found = operation(document, name)
        assert all(p["in"] != "header" for p in found.get("parameters", [])), name


@pytest.mark.django_db
def test_json_bodies_refuse_unknown_fields_and_times_are_date_times():
    document = openapi_document()
    schemas = document["components"]["schemas"]

    for name in (
        "AspirationCreateIn",
        "ActionIn",
        "NoteIn",
        "AssignIn",
        "TriageConfirmIn",
        "IdentityIn",
        "TriageIn",
        "TrackMessageIn",
    ):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["DeadlinesOut"]["properties"]["resolve_by"]["anyOf"][0] == {
        "type": "string",
        "format": "date-time",
    }
    assert schemas["AspirationOut"]["properties"]["received_at"]["format"] == "date-time"
    # Nothing of the reporter's identity outside the audited identity read.
    for name in ("AspirationOut", "AspirationDetailOut", "AspirationCreatedOut", "TrackOut"):
        assert not {"reporter", "reporter_name", "reporter_phone", "reporter_email"} & set(
            schemas[name]["properties"]
        ), name


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg")


def test_answers_fit_their_documented_schemas(c2, submit):
    document = openapi_document()
    case = submit("Mohon patroli malam ditingkatkan di RW 024, banyak orang asing.")
    other = submit("Mohon patroli malam di RW 024 ditambah, banyak orang asing lewat.")
    aspiration_act(actor=c2.officer_selatan, aspiration=other.aspiration, action="verify")
    pk = case.aspiration.pk
    staff = api_client(c2.commander_polres)
    public = Client()
    body = {
        "text": "Tolong ada tawuran sekarang di gang RT 001, bawa celurit!",
        "area": "32.75.04.1005",
        "privacy": "public",
        "latitude": -6.24,
        "longitude": 106.98,
    }
    calls = [
        ("AspirationCreate", staff, "POST", "/api/v1/aspirations", body),
        ("AspirationCreate", api_client(c2.resident), "POST", "/api/v1/aspirations", body),
        ("AspirationList", staff, "GET", "/api/v1/aspirations?limit=1", None),
        ("AspirationGet", staff, "GET", f"/api/v1/aspirations/{pk}", None),
        ("AspirationIdentityRead", staff, "POST", f"/api/v1/aspirations/{pk}/identity",
         {"reason": "Klarifikasi"}),
        ("AspirationNoteCreate", staff, "POST", f"/api/v1/aspirations/{pk}/notes",
         {"text": "Dicek.", "is_public": True}),
        ("AspirationAct", staff, "POST", f"/api/v1/aspirations/{pk}/actions",
         {"action": "verify"}),
        ("AspirationAct", staff, "POST", f"/api/v1/aspirations/{pk}/actions",
         {"action": "refer", "unit": c2.kelurahan.pk, "text": "Ke kelurahan."}),
        ("AspirationAssign", staff, "POST", f"/api/v1/aspirations/{pk}/assign",
         {"assignee": c2.partner_kelurahan.pk}),
        ("AspirationTriageConfirm", staff, "POST", f"/api/v1/aspirations/{pk}/triage",
         {"category": "keamanan", "urgency": "sedang"}),
        ("TriageSuggest", public, "POST", "/api/v1/triage", {"text": "Ada sabu."}),
        ("AspirationTrack", public, "GET", f"/api/v1/track/{case.receipt_code}", None),
        ("AspirationTrackMessageCreate", public, "POST",
         f"/api/v1/track/{case.receipt_code}/messages", {"text": "Terima kasih."}),
        # Errors fit the one documented error shape.
        ("AspirationGet", staff, "GET", "/api/v1/aspirations/0", None),
        ("AspirationCreate", staff, "POST", "/api/v1/aspirations", {"text": 5, "extra": 1}),
        ("AspirationAct", staff, "POST", f"/api/v1/aspirations/{pk}/actions",
         {"action": "verify"}),
        ("AspirationIdentityRead", api_client(c2.partner_kelurahan), "POST",
         f"/api/v1/aspirations/{pk}/identity", {"reason": "Klarifikasi"}),
        ("AspirationList", api_client(c2.resident), "GET", "/api/v1/aspirations", None),
        ("AspirationTrack", public, "GET", "/api/v1/track/0000-0000-0000-0000", None),
        ("TriageSuggest", public, "POST", "/api/v1/triage", {"text": ""}),
    ]  # fmt: skip

    for operation_id, client, method, url, data in calls:
        response = send(client, method, url, data)
        assert response.status_code < 500, (operation_id, response.content)
        assert_documented(document, operation_id, response)

    photo = staff.post(f"/api/v1/aspirations/{pk}/photos", {"photo": _jpeg()})
    assert photo.status_code == 201
    assert_documented(document, "AspirationPhotoAdd", photo)
    detail = staff.get(f"/api/v1/aspirations/{pk}")
    assert len(detail.json()["photos"]) == 1
    assert_documented(document, "AspirationGet", detail)


def test_a_throttled_answer_fits_the_error_schema(db, monkeypatch):
    from kamtibmas.aspirations import api as aspirations_api
    from kamtibmas.core.throttle import Limit

    monkeypatch.setattr(aspirations_api, "TRIAGE_PER_CLIENT", Limit(attempts=1, seconds=3600))
    client = Client()
    send(client, "POST", "/api/v1/triage", {"text": "Ada sabu."})

    response = send(client, "POST", "/api/v1/triage", {"text": "Ada sabu."})

    assert response.status_code == 429
    assert_documented(openapi_document(), "TriageSuggest", response)
