"""Tenancy of the engagements API as a matrix of route × caller (SECURITY.md 8):
another unit's dialogue answers 404 on every endpoint, nested ones included, and
changes nothing; a resident's token answers 403 and no token 401, everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.api.tests.openapi_check import openapi_document
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import Dialogue, FollowUp, InspectionItem, OutreachTopic
from kamtibmas.engagements.services import (
    FindingInput,
    attendee_sign_in,
    dialogue_official_add,
    dialogue_topic_set,
    inspection_record,
)

DUE = (local_today() + timedelta(days=10)).isoformat()
NOW = "2025-07-31T12:00:00+07:00"

# (method, path, body). {d}: the dialogue, {o}: one of its officials, {f}: one of its
# follow-ups. Every operation of the OpenAPI document must appear here.
ROUTES: list[tuple[str, str, dict | None]] = [
    ("GET", "/api/v1/engagements/{d}", None),
    ("PATCH", "/api/v1/engagements/{d}", {"title": "Diambil alih"}),
    ("POST", "/api/v1/engagements/{d}/held", {"actual_start": NOW}),
    ("POST", "/api/v1/engagements/{d}/cancel", {"reason": "Diambil alih"}),
    ("PUT", "/api/v1/engagements/{d}/attendance", {"residents": 9, "leaders": 9, "children": 9}),
    ("GET", "/api/v1/engagements/{d}/attendees", None),
    ("POST", "/api/v1/engagements/{d}/attendees", {"name": "Penyusup", "consent": True}),
    ("GET", "/api/v1/engagements/{d}/officials", None),
    ("POST", "/api/v1/engagements/{d}/officials", {"position": "Penyusup"}),
    ("DELETE", "/api/v1/engagements/{d}/officials/{o}", None),
    ("GET", "/api/v1/engagements/{d}/topics", None),
    ("GET", "/api/v1/engagements/{d}/topics/narkoba", None),
    ("PUT", "/api/v1/engagements/{d}/topics/narkoba", {"notes": "Diubah"}),
    ("DELETE", "/api/v1/engagements/{d}/topics/narkoba", None),
    ("GET", "/api/v1/engagements/{d}/inspection", None),
    ("GET", "/api/v1/engagements/{d}/press-release", None),
    (
        "PUT",
        "/api/v1/engagements/{d}/inspection",
        {"inspected_at": NOW, "findings": [{"item": "cctv", "result": "ok"}]},
    ),
    ("GET", "/api/v1/engagements/{d}/follow-ups", None),
    ("POST", "/api/v1/engagements/{d}/follow-ups", {"title": "Penyusup", "due_date": DUE}),
    ("POST", "/api/v1/engagements/follow-ups/{f}/complete", {"outcome": "Selesai"}),
    ("POST", "/api/v1/engagements/follow-ups/{f}/cancel", {"outcome": "Batal"}),
]
# Not about one dialogue: tenancy shows in what they list or accept (tested below).
UNSCOPED: list[tuple[str, str, dict | None]] = [
    ("GET", "/api/v1/engagements", None),
    ("POST", "/api/v1/engagements", {}),
    ("GET", "/api/v1/engagements/catalogue", None),
]


@pytest.fixture
def record(bekasi, ngopi):
    """The 31 July dialogue of Polsek Bekasi Selatan with something in every nested list."""
    official = dialogue_official_add(dialogue=ngopi, position="Ketua RW 024")
    dialogue_topic_set(dialogue=ngopi, topic=OutreachTopic.objects.get(code="narkoba"))
    attendee_sign_in(dialogue=ngopi, name="Bu Sari", phone="081234567890", consent=True)
    inspection_record(
        actor=bekasi.officer_selatan,
        dialogue=ngopi,
        inspected_at=datetime(2025, 7, 31, 5, 30, tzinfo=UTC),
        findings=[
            FindingInput(
                item=InspectionItem.objects.get(code="penerangan_jalan"),
                result="problem",
                note="Gang 3 gelap",
            )
        ],
    )
    follow_up = FollowUp.objects.get(dialogue=ngopi)
    return {"d": ngopi.pk, "o": official.pk, "f": follow_up.pk}


def _state(dialogue_pk: int) -> dict:
    dialogue = Dialogue.objects.get(pk=dialogue_pk)
    return {
        "dialogue": model_to_dict(dialogue),
        "officials": list(dialogue.officials.values()),
        "topics": list(dialogue.topics.values()),
        "attendees": list(dialogue.attendees.values("id", "name", "phone_index")),
        "inspection": list(dialogue.inspection.findings.values("item_id", "result", "note")),
        "follow_ups": list(dialogue.follow_ups.values()),
    }


def _call(client: Client, method: str, path: str, body, ids: dict):
    return send(client, method, path.format(**ids), body)


def test_every_operation_of_the_document_is_in_the_matrix():
    document = openapi_document()
    documented = {
        (method.upper(), path)
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/engagements")
        for method in methods
    }
    placeholders = {"{d}": "{dialogue_id}", "{o}": "{official_id}", "{f}": "{follow_up_id}"}

    def as_documented(path: str) -> str:
        for short, long in placeholders.items():
            path = path.replace(short, long)
        return path.replace("/narkoba", "/{code}")

    covered = {(method, as_documented(path)) for method, path, _body in ROUTES + UNSCOPED}
    assert documented == covered


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_another_units_dialogue_is_404_everywhere_and_nothing_changes(
    bekasi, record, method, path, body
):
    before = _state(record["d"])

    response = _call(api_client(bekasi.officer_timur), method, path, body, record)

    assert response.status_code == 404, response.content
    # The same answer as for a dialogue that does not exist: existence leaks nothing.
    missing = _call(api_client(bekasi.officer_timur), method, path, body, {"d": 0, "o": 0, "f": 0})
    assert response.json() == missing.json()
    assert response.json()["code"] == "not_found"
    assert _state(record["d"]) == before


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_partner_agency_does_not_see_police_dialogues(bekasi, record, method, path, body):
    from kamtibmas.accounts.models import Role
    from kamtibmas.areas.models import UnitKind
    from kamtibmas.areas.services import unit_create
    from kamtibmas.conftest import make_user

    kelurahan = unit_create(
        name="Kantor Kelurahan Kayuringin Jaya",
        kind=UnitKind.KELURAHAN,
        coverage=[bekasi.kayuringin],
        area=bekasi.kayuringin,
    )
    partner = make_user("lurah", Role.PARTNER, kelurahan)
    before = _state(record["d"])

    response = _call(api_client(partner), method, path, body, record)

    assert response.status_code == 404
    assert _state(record["d"]) == before


@pytest.mark.parametrize(("method", "path", "body"), ROUTES + UNSCOPED)
def test_a_residents_token_is_403_everywhere(bekasi, record, method, path, body):
    before = _state(record["d"])

    response = _call(api_client(bekasi.resident), method, path, body, record)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert _state(record["d"]) == before


@pytest.mark.parametrize(("method", "path", "body"), ROUTES + UNSCOPED)
def test_no_token_is_401_everywhere(bekasi, record, method, path, body):
    before = _state(record["d"])

    response = _call(Client(), method, path, body, record)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert _state(record["d"]) == before


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if r[0] == "GET"])
def test_the_units_above_see_it(bekasi, record, method, path, body):
    response = _call(api_client(bekasi.commander_polres), method, path, body, record)

    assert response.status_code == 200


def test_another_units_dialogues_are_not_listed(bekasi, record, planned):
    listed = api_client(bekasi.officer_timur).get("/api/v1/engagements").json()["items"]

    assert [item["id"] for item in listed] == [planned.pk]


def test_an_area_of_another_unit_cannot_be_organised(bekasi):
    start = timezone.now() + timedelta(days=3)
    body = {
        "type": "jumat_curhat",
        "title": "Jumat Curhat",
        "area": "32.75.04.1005",
        "venue_name": "Masjid",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    }

    response = api_client(bekasi.officer_timur).post(
        "/api/v1/engagements", body, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "area_scope"
    assert not Dialogue.objects.exists()
