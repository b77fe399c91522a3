"""The area registry in the REST API: search by name or code, the areas inside one,
one area with those above it; any token may read it, none may not."""

from __future__ import annotations

import pytest
from django.test import Client

from kamtibmas.api.tests.client import api_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/areas"


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["code"] for item in response.json()["items"]]


def test_without_a_filter_the_provinces_and_inside_one_its_areas(bekasi):
    client = api_client(bekasi.officer_selatan)

    assert _codes(client.get(URL)) == ["32"]
    assert _codes(client.get(f"{URL}?parent=32.75")) == ["32.75.01", "32.75.04"]
    assert _codes(client.get(f"{URL}?parent={bekasi.selatan.pk}")) == ["32.75.04.1005"]


def test_search_by_the_start_of_a_name_in_any_case_or_of_a_code(bekasi):
    client = api_client(bekasi.officer_selatan)

    assert _codes(client.get(f"{URL}?q=bekasi")) == ["32.75", "32.75.01", "32.75.04"]
    assert _codes(client.get(f"{URL}?q=kayu")) == ["32.75.04.1005"]
    assert _codes(client.get(f"{URL}?q=32.75.04")) == [
        "32.75.04", "32.75.04.1005", "32.75.04.1005.024",
    ]  # fmt: skip
    assert _codes(client.get(f"{URL}?q=bekasi&parent=32.75")) == ["32.75.01", "32.75.04"]


def test_pages_follow_the_code_order(bekasi):
    client = api_client(bekasi.officer_selatan)

    first = client.get(f"{URL}?q=32.75&limit=2").json()
    second = client.get(f"{URL}?q=32.75&limit=2&cursor={first['next_cursor']}").json()
    last = client.get(f"{URL}?q=32.75&limit=2&cursor={second['next_cursor']}").json()

    pages = [[i["code"] for i in page["items"]] for page in (first, second, last)]
    assert pages == [
        ["32.75", "32.75.01"], ["32.75.01.1002", "32.75.04"],
        ["32.75.04.1005", "32.75.04.1005.024"],
    ]  # fmt: skip
    assert last["next_cursor"] is None


def test_one_area_comes_with_those_above_it(bekasi):
    client = api_client(bekasi.officer_selatan)

    body = client.get(f"{URL}/{bekasi.rw024.pk}").json()

    assert body["code"] == "32.75.04.1005.024" and body["parent_id"] == bekasi.kayuringin.pk
    assert [a["code"] for a in body["ancestors"]] == [
        "32", "32.75", "32.75.04", "32.75.04.1005",
    ]  # fmt: skip
    assert client.get(f"{URL}/999999").status_code == 404


def test_residents_may_read_it_and_nobody_without_a_token(bekasi):
    assert api_client(bekasi.resident).get(URL).status_code == 200
    assert Client().get(URL).status_code == 401


def test_bad_filters_are_refused(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    for query in ("q=a", "parent=99.99", "limit=0", "limit=101", "sort=name"):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 422, query
