"""One JSON error shape, in the client's language, never a 5xx for bad input
(SECURITY.md 21, 22)."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError
from django.test import Client, RequestFactory
from django.utils import translation

from kamtibmas.api.language import api_language
from kamtibmas.api.tests.client import api_client, send
from kamtibmas.api.v1 import api
from kamtibmas.engagements.models import Dialogue

CREATE = "/api/v1/engagements"


def _shape(body: dict) -> None:
    assert set(body) == {"detail", "code", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    for item in body["errors"]:
        assert set(item) == {"field", "location", "message", "code"}


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "id"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr-FR, en;q=0.5", "en"),
        ("de, fr", "id"),
        ("en;q=0.2, id;q=0.8", "id"),
        ("en;q=0, id;q=0.1", "id"),
        ("*", "id"),
        ("en;q=nonsense", "id"),
        (",,;;q=,", "id"),
    ],
)
def test_api_language_follows_accept_language_and_defaults_to_indonesian(header, language):
    request = RequestFactory().get("/", headers={"Accept-Language": header} if header else {})

    assert api_language(request) == language


@pytest.mark.django_db
def test_the_answer_names_its_language_and_varies_on_accept_language():
    response = Client(headers={"Accept-Language": "en"}).get("/api/v1/engagements")

    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_accept_language_wins_over_the_web_language_cookie(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")
    client.cookies["kamtibmas_language"] = "id"

    response = client.post(CREATE, "{", content_type="application/json")

    assert response["Content-Language"] == "en"
    assert response.json()["detail"].startswith("The request body is not valid JSON")


def test_malformed_json_is_400_with_where_it_broke(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.post(CREATE, '{"title": "x",\n  oops}', content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    _shape(body)
    assert body["code"] == "malformed_json"
    assert body["detail"] == "The request body is not valid JSON (line 2, column 3)."
    assert not Dialogue.objects.exists()


def test_body_in_another_encoding_is_400(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.post(
        CREATE, '{"title": "Ngopi \xe9"}'.encode("latin-1"), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null"])
def test_a_body_that_is_not_an_object_is_422(bekasi, body):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.post(CREATE, body, content_type="application/json")

    assert response.status_code == 422
    _shape(response.json())


def test_an_empty_body_asks_for_a_json_object(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.post(CREATE, "", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["detail"] == "Send the request body as a JSON object."


def test_unknown_path_is_a_json_404(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    for url in (
        "/api/v1/nothing",
        "/api/v1/engagements/1/nothing",
        "/api/v1/engagements/x",
        "/api/v1/engagements/-5/topics/x",
        "/api/v1/engagements/%0A%C3%81/follow-ups",  # a line break in the path
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found.", "code": "not_found", "errors": []}


def test_a_post_to_an_unknown_path_is_404_not_a_csrf_failure(bekasi):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/nothing", "{}", content_type="application/json")

    assert response.status_code == 404


def test_wrong_method_is_a_json_405_naming_the_allowed_ones(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.delete(CREATE)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_a_race_lost_to_a_unique_constraint_is_409():
    request = RequestFactory().post("/api/v1/engagements")

    with translation.override("en"):
        response = api.on_exception(request, IntegrityError("duplicate key"))

    assert response.status_code == 409
    body = json.loads(response.content)
    _shape(body)
    assert body["code"] == "conflict"
    assert "try again" in body["detail"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(bekasi, constant):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.post(CREATE, f'{{"latitude": {constant}}}', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert constant in response.json()["detail"]


def test_a_nul_character_in_the_body_is_refused_before_the_database_sees_it(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.post(CREATE, {"title": "Ngopi\x00"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"
    assert not Dialogue.objects.exists()


@pytest.mark.parametrize("query", [{"area": "32\x00"}, {"type\x00": "x"}])
def test_a_nul_character_in_the_query_is_refused(bekasi, query):
    response = api_client(bekasi.officer_selatan, language="en").get(CREATE, query)

    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"


def test_unknown_query_parameters_are_refused_by_name(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.get("/api/v1/engagements?stauts=open")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "stauts",
            "location": "query",
            "message": "Unknown field: this request does not accept it.",
            "code": "extra_forbidden",
        }
    ]
    assert client.get("/api/v1/aspirations?limit=5&page=2").status_code == 422
    assert client.get("/api/v1/aspirations?limit=5").status_code == 200


def test_days_and_times_must_be_written_out_not_given_as_numbers(bekasi):
    """pydantic alone takes 0 as 1 January 1970 and 1700000000 as a Unix time."""
    client = api_client(bekasi.officer_selatan, language="en")

    for query in ("to=0", "from=20250731", "from=2025-07-31T00:00:00Z"):
        response = client.get(f"/api/v1/engagements?{query}")
        assert response.status_code == 422, query
        assert response.json()["errors"][0]["message"] == "Enter a date as YYYY-MM-DD."
    assert client.get("/api/v1/engagements?from=2025-07-31&to=2025-08-31").status_code == 200
    for start in (0, "1700000000"):
        response = send(
            client,
            "POST",
            "/api/v1/engagements",
            {
                "type": "sambang",
                "title": "Sambang",
                "area": bekasi.kayuringin.pk,
                "venue_name": "Pos RW 024",
                "start": start,
                "end": "2031-07-31T12:00:00+07:00",
            },
        )
        assert response.status_code == 422, start
        assert response.json()["errors"][0]["field"] == "start"
