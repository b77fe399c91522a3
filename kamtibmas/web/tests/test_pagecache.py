"""Public pages kept for anonymous visitors (kamtibmas.web.pagecache, §9 P2): a repeated
request costs the version look-up only, a change through the services shows on the
next request, and nothing of one visitor or of a signed-in user reaches another."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone

from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import Privacy
from kamtibmas.aspirations.services import aspiration_act
from kamtibmas.aspirations.tests import conftest as aspiration_fixtures
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import (
    dialogue_cancel,
    dialogue_official_add,
    dialogue_official_remove,
    dialogue_plan,
)
from kamtibmas.engagements.tests import conftest as engagement_fixtures
from kamtibmas.web import pagecache
from kamtibmas.web.pagecache import PAGE_CACHE, page_cached
from kamtibmas.web.tests.test_views import parse

rt001 = engagement_fixtures.rt001
ngopi = engagement_fixtures.ngopi
planned = engagement_fixtures.planned
c2 = aspiration_fixtures.c2
submit = aspiration_fixtures.submit

ENGLISH = {"cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"}
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture(autouse=True)
def kept_pages(settings):
    """The test settings keep no pages (rolled-back tests reuse ids); these do."""
    settings.KAMTIBMAS_PAGE_CACHE_SECONDS = 10
    caches[PAGE_CACHE].clear()
    yield
    caches[PAGE_CACHE].clear()


def csrf_token(response) -> str:
    """The token of the language switch, the first form of every page."""
    return TOKEN.findall(response.content)[0].decode()


def titles(response) -> list[str]:
    page = parse(response)
    return [
        " ".join(a.text.split())
        for listed in page.all("ul", class_="event-list")
        for a in page.all("a", inside=listed)
    ]


# Served from the cache ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_second_anonymous_request_costs_only_the_version_of_the_dialogues(
    client, planned, django_assert_num_queries
):
    with django_assert_num_queries(4):  # the version, then upcoming, recent, their places
        first = client.get("/events/")
    with django_assert_num_queries(1):
        second = client.get("/events/")
    assert second.status_code == 200
    assert "Jumat Curhat Margahayu" in second.content.decode()
    assert TOKEN.sub(b"", second.content) == TOKEN.sub(b"", first.content)


@pytest.mark.django_db
def test_the_home_page_is_kept_without_any_query(client, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response.status_code == 200
    assert "Kamtibmas" in parse(response).one("title").text


@pytest.mark.django_db
def test_an_event_page_is_kept_under_its_own_version(client, ngopi, django_assert_num_queries):
    client.get(f"/events/{ngopi.pk}/")
    with django_assert_num_queries(1):
        response = client.get(f"/events/{ngopi.pk}/")
    assert parse(response).one("h1").text == "Ngopi Kamtibmas bersama warga RW 024"
    assert client.get(f"/events/{ngopi.pk + 1000}/").status_code == 404


@pytest.mark.django_db
def test_a_public_case_page_is_kept(client, c2, submit, django_assert_num_queries):
    case = submit(privacy=Privacy.PUBLIC).aspiration
    client.get(f"/aspirations/{case.number}/")
    with django_assert_num_queries(2):  # the newest case and the newest update
        response = client.get(f"/aspirations/{case.number}/")
    assert "Lampu jalan di gang RT 001" in response.content.decode()


# A change through the services shows on the next request --------------------------------


@pytest.mark.django_db
def test_a_planned_or_cancelled_dialogue_shows_on_the_next_request(client, planned, bekasi):
    assert titles(client.get("/events/", headers=ENGLISH)) == ["Jumat Curhat Margahayu"]

    dialogue_cancel(dialogue=planned, reason="Masjid dipakai untuk pengajian akbar")
    page = parse(client.get("/events/", headers=ENGLISH))
    (item,) = page.all("li", class_="event event--cancelled")
    assert "Cancelled" in item.text

    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    dialogue_plan(
        actor=bekasi.officer_timur,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas Margahayu",
        area=bekasi.margahayu,
        unit=bekasi.polsek_timur,
        venue_name="Balai RW 005",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    assert titles(client.get("/events/", headers=ENGLISH)) == [
        "Ngopi Kamtibmas Margahayu",
        "Jumat Curhat Margahayu",
    ]


@pytest.mark.django_db
def test_the_version_is_trusted_for_a_second_and_then_asked_again(
    client, planned, settings, django_assert_num_queries
):
    settings.KAMTIBMAS_PAGE_VERSION_SECONDS = 60
    pagecache._versions.clear()
    assert titles(client.get("/events/", headers=ENGLISH)) == ["Jumat Curhat Margahayu"]
    dialogue_cancel(dialogue=planned, reason="Masjid dipakai untuk pengajian akbar")

    with django_assert_num_queries(0):  # within the window: the kept page, no question
        kept = parse(client.get("/events/", headers=ENGLISH))
    assert not kept.all("li", class_="event event--cancelled")

    pagecache._versions.clear()  # the window has passed
    fresh = parse(client.get("/events/", headers=ENGLISH))
    assert fresh.all("li", class_="event event--cancelled")


@pytest.mark.django_db
def test_officials_added_or_removed_show_on_the_next_request(client, ngopi):
    assert "Ketua RW 024" not in client.get(f"/events/{ngopi.pk}/").content.decode()
    official = dialogue_official_add(dialogue=ngopi, position="Ketua RW 024")
    assert "Ketua RW 024" in client.get(f"/events/{ngopi.pk}/").content.decode()
    dialogue_official_remove(official=official)
    assert "Ketua RW 024" not in client.get(f"/events/{ngopi.pk}/").content.decode()


@pytest.mark.django_db
def test_a_public_update_of_a_case_shows_on_the_next_request(client, c2, submit):
    case = submit(privacy=Privacy.PUBLIC).aspiration
    assert "Sudah dicek petugas." not in client.get(f"/aspirations/{case.number}/").content.decode()
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.VERIFY,
                   text="Sudah dicek petugas.")  # fmt: skip
    assert "Sudah dicek petugas." in client.get(f"/aspirations/{case.number}/").content.decode()


# Variants kept apart ----------------------------------------------------------------------


@pytest.mark.django_db
def test_indonesian_and_english_pages_are_kept_apart(client, planned, django_assert_num_queries):
    for _ in range(2):
        indonesian = client.get("/events/")
        english = client.get("/events/", headers=ENGLISH)
        assert parse(indonesian).one("html").attrs["lang"] == "id"
        assert "Dialog bersama polisi" in parse(indonesian).one("h1").text
        assert indonesian["Content-Language"] == "id"
        assert parse(english).one("html").attrs["lang"] == "en"
        assert "Dialogues with the police" in parse(english).one("h1").text
        assert english["Content-Language"] == "en"
    with django_assert_num_queries(1):
        assert client.get("/events/", headers=ENGLISH)["Content-Language"] == "en"


@pytest.mark.django_db
def test_each_area_has_its_own_page_and_unknown_parameters_are_never_kept(
    client, planned, bekasi, django_assert_num_queries
):
    assert titles(client.get("/events/?area=32.75.04")) == []  # Bekasi Selatan
    assert titles(client.get("/events/?area=32.75.01")) == ["Jumat Curhat Margahayu"]
    assert titles(client.get("/events/?area=32.75.04")) == []
    for _ in range(2):
        with django_assert_num_queries(3):  # rendered every time, no version asked
            client.get("/events/?utm_source=poster")


# Never for signed-in users, never per visitor -----------------------------------------------


@pytest.mark.django_db
def test_a_signed_in_user_never_gets_a_kept_page_and_theirs_is_never_kept(
    bekasi, planned, django_assert_num_queries
):
    officer = Client()
    officer.force_login(bekasi.officer_selatan)
    visitor = Client()

    for _ in range(2):
        page = officer.get("/events/").content.decode()
        assert "Sign out" in page or "Keluar" in page
    # The officer's page was not kept: the visitor's first request renders afresh.
    with django_assert_num_queries(4):
        anonymous = visitor.get("/events/").content.decode()
    assert "Keluar" not in anonymous and "accounts/logout" not in anonymous
    # And the visitor's kept page is not given to the officer.
    page = officer.get("/events/").content.decode()
    assert "accounts/logout" in page
    assert csrf_token(officer.get("/")) != csrf_token(visitor.get("/"))


@pytest.mark.django_db
def test_each_visitor_gets_their_own_csrf_token_and_it_works(planned):
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)
    first_page, second_page = first.get("/events/"), second.get("/events/")  # the second kept
    assert len(TOKEN.findall(second_page.content)) == 1
    first_token, second_token = csrf_token(first_page), csrf_token(second_page)

    assert first_token != second_token
    assert first_token.isalnum() and len(first_token) == 64
    assert first_token.encode() not in second.get("/events/").content
    switch = {"language": "en", "next": "/events/"}
    refused = second.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": first_token})
    assert refused.status_code == 403
    switched = second.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": second_token})
    assert switched.status_code == 302
    assert second.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert parse(second.get("/events/")).one("html").attrs["lang"] == "en"


@pytest.mark.django_db
def test_a_kept_page_has_the_headers_of_a_fresh_one(client, planned):
    fresh = client.get("/events/")
    kept = client.get("/events/")
    for response in (fresh, kept):
        assert response["Cache-Control"] == "private, no-cache"
        assert "Cookie" in {part.strip() for part in response["Vary"].split(",")}
        assert response["Content-Language"] == "id"
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert response["X-Frame-Options"] == "DENY"
        assert "nonce-" not in response["Content-Security-Policy"]
    assert kept["Content-Security-Policy"] == fresh["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in kept["Content-Security-Policy"]


@page_cached()
def nonce_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f'<script nonce="{request.csp_nonce}" src="/static/x.js"></script>')  # type: ignore[attr-defined]


urlpatterns = [path("nonce", nonce_page)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_page_with_a_csp_nonce_is_never_kept(client, settings):
    from csp.constants import NONCE, SELF

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    nonces = []
    for _ in range(2):
        response = client.get("/nonce")
        (in_page,) = re.findall(r'nonce="([^"]+)"', response.content.decode())
        assert f"'nonce-{in_page}'" in response["Content-Security-Policy"]
        nonces.append(in_page)
    assert nonces[0] != nonces[1]
