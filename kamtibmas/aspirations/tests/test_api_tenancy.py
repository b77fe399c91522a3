"""Tenancy of the aspirations API as a matrix of route × caller (SECURITY.md 8): a
case of another unit answers 404 on every endpoint, exactly like a case that does
not exist, and changes nothing; a partner agency sees only what was referred to it;
a resident's token is 403 on every staff route and no token 401."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from PIL import Image

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.api.tests.openapi_check import openapi_document
from kamtibmas.aspirations.models import Aspiration, TriageCorrection
from kamtibmas.aspirations.services import aspiration_act
from kamtibmas.privacy.models import AuditEntry

# (method, path, body). {a}: the case. Every operation on one case is here.
ROUTES: list[tuple[str, str, dict | None]] = [
    ("GET", "/api/v1/aspirations/{a}", None),
    ("POST", "/api/v1/aspirations/{a}/identity", {"reason": "Klarifikasi laporan"}),
    ("POST", "/api/v1/aspirations/{a}/actions", {"action": "verify", "text": "Diambil alih"}),
    ("POST", "/api/v1/aspirations/{a}/notes", {"text": "Penyusup", "is_public": True}),
    ("POST", "/api/v1/aspirations/{a}/assign", {"assignee": None}),
    ("POST", "/api/v1/aspirations/{a}/triage", {"category": "narkoba", "urgency": "tinggi"}),
    ("POST", "/api/v1/aspirations/{a}/photos", {"photo": "<jpeg>"}),
]
# Not about one case: tenancy shows in what they list or accept (tested below).
UNSCOPED: list[tuple[str, str, dict | None]] = [
    ("GET", "/api/v1/aspirations", None),
]
# A resident may submit; the public needs no token at all.
OPEN: list[tuple[str, str]] = [
    ("POST", "/api/v1/aspirations"),
    ("POST", "/api/v1/triage"),
    ("GET", "/api/v1/track/{code}"),
    ("POST", "/api/v1/track/{code}/messages"),
]


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg")


def _call(client: Client, method: str, path: str, body, pk: int):
    url = path.format(a=pk)
    if body == {"photo": "<jpeg>"}:
        return client.post(url, {"photo": _jpeg()})
    return send(client, method, url, body)


@pytest.fixture
def case(c2, submit):
    """A patrol request in Kayuringin Jaya, with the post of Polsek Bekasi Selatan."""
    return submit("Mohon patroli malam ditingkatkan di RW 024, banyak orang asing.").aspiration


def _state(pk: int) -> dict:
    case = Aspiration.objects.get(pk=pk)
    return {
        "case": model_to_dict(case),
        "updates": list(case.updates.values()),
        "photos": list(case.photos.values("id")),
        "corrections": TriageCorrection.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_every_operation_of_the_document_is_in_the_matrix():
    document = openapi_document()
    documented = {
        (method.upper(), path)
        for path, methods in document["paths"].items()
        if path.startswith(("/api/v1/aspirations", "/api/v1/triage", "/api/v1/track"))
        for method in methods
    }

    covered = {
        (method, path.replace("{a}", "{aspiration_id}"))
        for method, path, _body in ROUTES + UNSCOPED
    } | set(OPEN)
    assert documented == covered


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_another_units_case_is_404_everywhere_and_nothing_changes(c2, case, method, path, body):
    before = _state(case.pk)

    response = _call(api_client(c2.officer_timur), method, path, body, case.pk)

    assert response.status_code == 404, response.content
    # The same answer as for a case that does not exist: existence leaks nothing.
    missing = _call(api_client(c2.officer_timur), method, path, body, 999999)
    assert response.json() == missing.json()
    assert response.json()["code"] == "not_found"
    assert _state(case.pk) == before


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_partner_agency_does_not_see_police_cases(c2, case, method, path, body):
    before = _state(case.pk)

    response = _call(api_client(c2.partner_kelurahan), method, path, body, case.pk)

    assert response.status_code == 404
    assert _state(case.pk) == before


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if r[0] == "GET"])
def test_a_partner_agency_sees_what_was_referred_to_it(c2, case, method, path, body):
    aspiration_act(actor=c2.officer_selatan, aspiration=case, action="verify")
    aspiration_act(
        actor=c2.officer_selatan, aspiration=case, action="refer", unit=c2.kelurahan, text="x"
    )

    response = _call(api_client(c2.partner_kelurahan), method, path, body, case.pk)

    assert response.status_code == 200
    listed = api_client(c2.partner_kelurahan).get("/api/v1/aspirations").json()["items"]
    assert [item["id"] for item in listed] == [case.pk]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES + UNSCOPED)
def test_a_residents_token_is_403_on_every_staff_route(c2, case, method, path, body):
    before = _state(case.pk)

    response = _call(api_client(c2.resident), method, path, body, case.pk)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert _state(case.pk) == before


@pytest.mark.parametrize(
    ("method", "path", "body"), [*ROUTES, *UNSCOPED, ("POST", "/api/v1/aspirations", {})]
)
def test_no_token_is_401_on_every_staff_route(c2, case, method, path, body):
    before = _state(case.pk)

    response = _call(Client(), method, path, body, case.pk)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert _state(case.pk) == before


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if r[0] == "GET"])
def test_the_units_above_and_the_handling_unit_see_it(c2, case, method, path, body):
    for user in (c2.commander_polres, c2.commander_selatan, c2.officer_selatan):
        response = _call(api_client(user), method, path, body, case.pk)
        assert response.status_code == 200, user


def test_another_units_cases_are_not_listed(c2, case):
    assert api_client(c2.officer_timur).get("/api/v1/aspirations").json()["items"] == []
    assert api_client(c2.partner_kelurahan).get("/api/v1/aspirations").json()["items"] == []


def test_a_case_of_another_unit_cannot_be_named_as_the_original(c2, case, submit):
    from kamtibmas.aspirations.services import aspiration_submit

    timur = aspiration_submit(
        text="Mohon patroli malam di Margahayu.",
        area=c2.margahayu,
        privacy="public",
        source="web",
    ).aspiration
    before = _state(timur.pk)

    response = send(
        api_client(c2.officer_timur, language="en"),
        "POST",
        f"/api/v1/aspirations/{timur.pk}/actions",
        {"action": "mark_duplicate", "duplicate_of": case.pk, "text": "x"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "duplicate_of",
        "location": "body",
        "message": "Case not found.",
        "code": "duplicate_of",
    }
    assert _state(timur.pk) == before
