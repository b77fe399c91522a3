"""The public portal, the staff home, the error pages and /healthz (§6, §7, C7)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from kamtibmas.core.timefmt import local_today
from kamtibmas.web import views

PAGE_BUDGET_BYTES = 150 * 1024  # §9 P9


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: list[Element]
    text: str = ""


class Page(HTMLParser):
    """Just enough of the DOM to make assertions about markup a user agent sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs}, list(self._open))
        self.elements.append(element)
        if tag not in {"meta", "link", "input", "br", "img", "hr"}:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            element = self._open.pop()
            if element.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, tag: str, *, inside: Element | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag
            and (inside is None or any(p is inside for p in e.parents))
            and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, *, inside: Element | None = None, **attrs: str) -> Element:
        found = self.all(tag, inside=inside, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    @property
    def text(self) -> str:
        return " ".join(self.one("body").text.split())


def parse(response_or_html) -> Page:
    html = (
        response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    )
    page = Page()
    page.feed(html)
    page.close()
    return page


def assert_no_inline_code(page: Page) -> None:
    """The CSP forbids inline script and style; markup must not rely on them."""
    inline_scripts = [e for e in page.all("script") if "src" not in e.attrs]
    assert not inline_scripts, "inline <script> found"
    assert not page.all("style"), "<style> block found"
    styled = [e.tag for e in page.elements if "style" in e.attrs]
    assert not styled, f"style= attributes on {styled}"
    handlers = [(e.tag, a) for e in page.elements for a in e.attrs if a.startswith("on")]
    assert not handlers, f"inline event handlers {handlers}"
    javascript_urls = [
        e.tag
        for e in page.elements
        if any(v.strip().lower().startswith("javascript:") for v in e.attrs.values())
    ]
    assert not javascript_urls, f"javascript: URLs on {javascript_urls}"


def assert_language_switch(page: Page, *, current_language: str, next_path: str) -> None:
    form = page.one("form", action="/i18n/setlang/")
    assert form.attrs["method"] == "post"
    select = page.one("select", inside=form, name="language")
    label = page.one("label", inside=form, for_=select.attrs["id"])
    assert label.text.strip()
    options = page.all("option", inside=select)
    assert {o.attrs["value"] for o in options} == {code for code, _ in settings.LANGUAGES}
    assert [o.attrs["value"] for o in options if "selected" in o.attrs] == [current_language]
    assert page.one("input", inside=form, name="next").attrs["value"] == next_path
    assert page.one("input", inside=form, name="csrfmiddlewaretoken")
    assert page.one("button", inside=form).attrs["type"] == "submit"
    button_labels = {"id": "Ganti bahasa", "en": "Change language"}
    assert button_labels[current_language] in form.text


# /healthz ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"] == connection.vendor
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "max-age=0"} <= cache_control


@pytest.mark.django_db
def test_healthz_reports_503_when_the_database_does_not_answer(client):
    def database_down(execute, sql, params, many, context):
        raise OperationalError("connection to server was lost")

    with connection.execute_wrapper(database_down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "error"
    assert "no-store" in response["Cache-Control"]

    assert client.get("/healthz").status_code == 200  # and it recovers with the database


@pytest.mark.django_db
def test_healthz_asks_the_database_at_most_once_a_second_and_never_trusts_a_failure(
    client, settings, monkeypatch, django_assert_num_queries
):
    settings.KAMTIBMAS_PAGE_VERSION_SECONDS = 60
    monkeypatch.setattr(views, "_database_answered", -math.inf)  # no earlier test's answer

    def database_down(execute, sql, params, many, context):
        raise OperationalError("connection to server was lost")

    with connection.execute_wrapper(database_down):
        assert client.get("/healthz").status_code == 503
    with django_assert_num_queries(1):
        assert client.get("/healthz").status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


# Language ---------------------------------------------------------------------------


def test_home_page_is_indonesian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    page = parse(response)
    assert page.one("html").attrs["lang"] == "id"
    assert page.one("h1").text == "Bersama menjaga keamanan lingkungan"
    assert "Semua layanan kepolisian tidak dipungut biaya." in page.text
    assert_language_switch(page, current_language="id", next_path="/")


def test_home_page_stays_indonesian_whatever_the_browser_prefers(client):
    page = parse(client.get("/", headers={"accept-language": "en-GB,en;q=0.9"}))
    assert page.one("html").attrs["lang"] == "id"
    assert page.one("h1").text == "Bersama menjaga keamanan lingkungan"


def test_home_page_follows_the_chosen_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response["Content-Language"] == "en"
    page = parse(response)
    assert page.one("html").attrs["lang"] == "en"
    assert page.one("h1").text == "Community safety, together"
    assert_language_switch(page, current_language="en", next_path="/")


def test_language_switch_remembers_the_choice_and_returns_to_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = parse(client.get("/accounts/login/"))
    assert page.one("html").attrs["lang"] == "en"
    assert page.one("h1").text == "Sign in"

    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert parse(client.get("/")).one("html").attrs["lang"] == "id"


def test_language_switch_refuses_to_send_people_to_another_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_every_page_carries_the_language_switch_for_its_own_address(client, bekasi):
    assert_language_switch(
        parse(client.get("/accounts/login/?next=/staff/")),
        current_language="id",
        next_path="/accounts/login/?next=/staff/",
    )
    assert_language_switch(
        parse(client.get("/no-such-page")), current_language="id", next_path="/no-such-page"
    )
    client.force_login(bekasi.officer_selatan)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert_language_switch(
        parse(client.get("/staff/")),
        current_language="en",
        next_path="/staff/",
    )


# Security headers and markup -----------------------------------------------------------


def test_content_security_policy_forbids_inline_code_and_framing(client):
    response = client.get("/")
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_no_page_relies_on_inline_script_or_style(client, bekasi):
    pages = {
        "home": client.get("/"),
        "home in English": client.get("/", headers={"cookie": "kamtibmas_language=en"}),
        "login": client.get("/accounts/login/"),
        "login with errors": client.post("/accounts/login/", {"username": "x", "password": "y"}),
        "not found": client.get("/no-such-page"),
    }
    client.force_login(bekasi.resident)
    pages["forbidden"] = client.get("/staff/")
    client.force_login(bekasi.commander_polres)
    pages["staff home"] = client.get("/staff/")
    pages["server error"] = server_error(RequestFactory().get("/"))
    csrf_client = Client(enforce_csrf_checks=True)
    pages["expired form"] = csrf_client.post("/i18n/setlang/", {"language": "en"})

    expected_status = {"not found": 404, "forbidden": 403, "server error": 500, "expired form": 403}
    for name, response in pages.items():
        assert response.status_code == expected_status.get(name, 200), name
        page = parse(response)
        assert page.one("html").attrs["lang"] in {"id", "en"}, name
        assert page.all("main"), name
        assert_no_inline_code(page)


def test_pages_have_landmarks_and_a_skip_link(client):
    page = parse(client.get("/"))
    skip = page.elements[[e.tag for e in page.elements].index("a")]
    assert skip.attrs["href"] == "#main", "the skip link must be the first link"
    assert skip.text == "Langsung ke konten utama"
    assert page.one("main").attrs["id"] == "main"
    assert page.one("header")
    assert page.one("footer")
    assert page.one("nav").attrs["aria-label"] == "Menu utama"
    assert page.one("meta", name="viewport").attrs["content"] == (
        "width=device-width, initial-scale=1"
    )


def test_public_home_page_stays_within_the_slow_phone_budget(client):
    """§9 P9: HTML plus every static file it pulls in, uncompressed, under 150 KB."""
    response = client.get("/")
    page = parse(response)
    references = [e.attrs["href"] for e in page.all("link") if "href" in e.attrs]
    references += [
        e.attrs["src"] for e in page.elements if e.tag in {"script", "img"} and "src" in e.attrs
    ]
    total = len(response.content)
    for url in references:
        assert url.startswith(settings.STATIC_URL), f"{url} is not served from this site"
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        assert path, f"{url} does not exist"
        with open(path, "rb") as fh:
            total += len(fh.read())
    assert any(url.endswith(".css") for url in references)
    assert total < PAGE_BUDGET_BYTES, f"home page weighs {total} bytes"


def test_the_server_error_page_needs_no_context():
    with translation.override("en"):
        response = server_error(RequestFactory().get("/"))
    page = parse(response)
    assert response.status_code == 500
    assert page.one("html").attrs["lang"] == "en"
    assert page.one("h1").text == "Something went wrong"
    assert page.one("a", href="tel:110")


# Staff area ------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_home_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/"


@pytest.mark.django_db
def test_staff_home_greets_the_officer_with_role_and_unit(client, bekasi):
    officer = bekasi.officer_selatan
    officer.first_name, officer.last_name, officer.rank = "Siti", "Rahmawati", "Aipda"
    officer.save()
    client.force_login(officer)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = parse(response)
    assert page.one("h1").text == "Selamat datang, Aipda Siti Rahmawati"
    facts = {dt.text: dd.text for dt, dd in zip(page.all("dt"), page.all("dd"), strict=True)}
    assert facts["Peran"] == "Bhabinkamtibmas"
    assert facts["Unit kerja"] == "Polsek Bekasi Selatan"
    assert facts["Masuk sejak"].endswith(" WIB")
    assert page.one("a", href="/staff/").attrs["aria-current"] == "page"
    assert not page.all("a", href="/admin/"), "only is_staff users see the admin link"


@pytest.mark.django_db
def test_staff_home_in_english(client, bekasi):
    client.force_login(bekasi.commander_selatan)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = parse(client.get("/staff/"))
    assert page.one("h1").text == "Welcome, kapolsek.selatan"
    facts = {dt.text: dd.text for dt, dd in zip(page.all("dt"), page.all("dd"), strict=True)}
    assert facts == {
        "Role": "Commander",
        "Unit": "Polsek Bekasi Selatan",
        "Signed in since": facts["Signed in since"],
    }
    assert page.one("a", href="/admin/").text == "Admin"


@pytest.mark.django_db
def test_residents_are_kept_out_of_the_staff_area(client, bekasi):
    client.force_login(bekasi.resident)
    response = client.get("/staff/")
    assert response.status_code == 403
    page = parse(response)
    assert page.one("h1").text == "Akses ditolak"
    assert not page.all("a", href="/staff/"), "residents are not offered the staff area"


@pytest.mark.django_db
def test_sign_out_is_a_post_form_that_ends_the_session(client, bekasi):
    client.force_login(bekasi.officer_selatan)
    page = parse(client.get("/staff/"))
    form = page.one("form", action="/accounts/logout/")
    assert form.attrs["method"] == "post"
    assert "Keluar" in form.text

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/staff/").status_code == 302


# Login -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_form_is_labelled_and_autofillable(client):
    page = parse(client.get("/accounts/login/?next=/staff/"))
    username = page.one("input", name="username")
    password = page.one("input", name="password")
    assert username.attrs["autocomplete"] == "username"
    assert password.attrs["autocomplete"] == "current-password"
    assert password.attrs["type"] == "password"
    assert page.one("label", for_=username.attrs["id"]).text == "Nama pengguna"
    assert page.one("label", for_=password.attrs["id"]).text == "Sandi"
    login_form = page.one("form", action="/accounts/login/")
    assert page.one("input", inside=login_form, name="next").attrs["value"] == "/staff/"
    assert not page.all("div", role="alert")


@pytest.mark.django_db
def test_wrong_password_explains_itself_in_the_visitors_language(client, bekasi):
    response = client.post("/accounts/login/", {"username": "bhabin.selatan", "password": "nope"})
    assert response.status_code == 200
    page = parse(response)
    alert = page.one("div", role="alert")
    assert "Nama pengguna atau sandi tidak benar." in alert.text
    assert page.one("input", name="username").attrs["value"] == "bhabin.selatan"
    assert page.one("input", name="username").attrs["aria-invalid"] == "true"

    response = client.post(
        "/accounts/login/",
        {"username": "", "password": ""},
        headers={"cookie": "kamtibmas_language=en"},
    )
    alert = parse(response).one("div", role="alert")
    assert "Username: This field is required." in " ".join(alert.text.split())


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "landing"), [("officer_selatan", "/staff/"), ("resident", "/")])
def test_sign_in_lands_staff_in_their_area_and_residents_home(
    client, bekasi, settings, who, landing
):
    # Where the password alone leads; the staff second factor in between is tested
    # in test_accounts_signin (it keeps the same ``next``).
    settings.KAMTIBMAS_STAFF_OTP = False
    user = getattr(bekasi, who)
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": "correct horse battery"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


@pytest.mark.django_db
def test_unknown_host_gets_a_readable_400_in_indonesian(client):
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    page = parse(response)
    assert page.one("h1").text == "Permintaan tidak dapat diproses"
    assert page.one("html").attrs["lang"] == "id"


@pytest.mark.django_db
def test_staff_home_lists_next_dialogues_and_follow_ups(client, bekasi):
    from datetime import timedelta

    from django.utils import timezone

    from kamtibmas.engagements.models import DialogueType
    from kamtibmas.engagements.services import dialogue_plan, follow_up_create

    start = timezone.now() + timedelta(days=2)
    dialogue = dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat RW 024",
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    follow_up = follow_up_create(
        dialogue=dialogue,
        title="Pasang lampu gang 3",
        owner=bekasi.officer_selatan,
        due_date=local_today() + timedelta(days=1),
    )
    follow_up.__class__.objects.filter(pk=follow_up.pk).update(
        due_date=local_today() - timedelta(days=3)
    )
    client.force_login(bekasi.officer_selatan)
    page = client.get("/staff/").content.decode()
    assert "Jumat Curhat RW 024" in page and "Pasang lampu gang 3" in page
    assert "lewat tenggat" in page
    client.force_login(bekasi.commander_polres)
    page = client.get("/staff/").content.decode()
    assert "Tindak lanjut yang lewat tenggat" in page and "Pasang lampu gang 3" in page
    client.force_login(bekasi.officer_timur)
    assert "Pasang lampu gang 3" not in client.get("/staff/").content.decode()
