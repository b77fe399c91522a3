"""Open311 lists kept a few seconds under the version of the cases (§9 P1): a
repeated question is answered from the cache, any change through the services
makes a new answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import override_settings

from kamtibmas.aspirations.models import Aspiration, Privacy, Source
from kamtibmas.aspirations.services import aspiration_act, aspiration_submit
from kamtibmas.open311.views import RESPONSE_CACHE


@pytest.fixture(autouse=True)
def cache_on() -> Iterator[None]:
    caches[RESPONSE_CACHE].clear()
    with override_settings(KAMTIBMAS_OPEN311_LIST_CACHE_SECONDS=10):
        yield
    caches[RESPONSE_CACHE].clear()


def submit(o311, text: str) -> Aspiration:
    return aspiration_submit(
        text=text,
        area=o311.kayuringin,
        privacy=Privacy.PUBLIC,
        source=Source.WEB,
        category="lingkungan",
    ).aspiration


def test_a_repeated_list_is_answered_from_the_cache(o311, api, django_assert_num_queries):
    submit(o311, "Lampu jalan mati di gang RT 001, gelap sekali.")
    first = api.get("requests.json")
    with django_assert_num_queries(2):  # the version: newest case, newest update
        again = api.get("requests.json")
    assert again.content == first.content
    assert again["Content-Type"] == "application/json; charset=utf-8"
    # Another question (format, language, arguments) is another answer.
    assert api.get("requests.xml").content != first.content
    assert api.get("requests.json", {"status": "closed"}).json() == []


def test_a_new_case_or_a_step_of_a_case_shows_at_once(o311, api):
    lights = submit(o311, "Lampu jalan mati di gang RT 001, gelap sekali.")
    assert [r["status"] for r in api.get("requests.json").json()] == ["open"]

    aspiration_act(actor=o311.officer_selatan, aspiration=lights, action="verify")
    aspiration_act(actor=o311.officer_selatan, aspiration=lights, action="resolve", text="Sudah.")
    assert [r["status"] for r in api.get("requests.json").json()] == ["closed"]

    submit(o311, "Got mampet di RT 002, banjir tiap hujan.")
    assert len(api.get("requests.json").json()) == 2


def test_refusals_are_never_kept(o311, api):
    assert api.get("requests.json", {"start_date": "kemarin"}).status_code == 400
    assert api.get("requests.json", {"start_date": "kemarin"}).status_code == 400
    assert api.get("requests.json").status_code == 200
