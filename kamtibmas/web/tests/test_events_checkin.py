"""QR self check-in (/checkin/<code>/) and the staff page that shows the QR
(/staff/dialogues/<id>/qr/): status codes, the device cookie, no caching, duplicates
counted once, bad codes refused in the user's language, and tenancy."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kamtibmas.core.timefmt import format_local
from kamtibmas.engagements.models import Attendee, AttendeeSource, CheckInCode
from kamtibmas.engagements.services import checkin_code_issue, dialogue_cancel
from kamtibmas.engagements.tests import conftest as engagement_fixtures
from kamtibmas.engagements.tests.test_checkin_qr import drawn_modules, symbol_modules
from kamtibmas.web.tests.test_views import assert_no_inline_code, parse

rt001 = engagement_fixtures.rt001
ngopi = engagement_fixtures.ngopi
planned = engagement_fixtures.planned

ENGLISH = {"cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"}
DEVICE = "kamtibmas_device"
FORM = {"name": "Ani Suryani", "group": "resident", "phone": "", "consent": "on"}


@pytest.fixture
def code(planned, bekasi):
    """A fresh check-in code for the planned Jumat Curhat (Polsek Bekasi Timur)."""
    return checkin_code_issue(actor=bekasi.officer_timur, dialogue=planned)


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def device_cookie(response):
    return response.cookies.get(DEVICE)


# GET --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_check_in_page_shows_the_dialogue_and_a_short_form(client, code, planned):
    response = client.get(f"/checkin/{code.raw}/", headers=ENGLISH)
    page = parse(response)

    assert response.status_code == 200
    assert page.one("h1").text == "Jumat Curhat Margahayu"
    assert format_local(planned.planned_start, zone=planned.area, language="en") in page.text
    assert "Masjid Al-Ikhlas, Urban ward Margahayu" in page.text
    form = page.one("form", class_="checkin-form")
    assert form.attrs["method"] == "post"
    assert "action" not in form.attrs, "posts back to the same address, nothing in the URL"
    assert page.one("input", inside=form, name="csrfmiddlewaretoken")
    name = page.one("input", inside=form, name="name")
    assert name.attrs["autocomplete"] == "name"
    assert page.one("label", for_=name.attrs["id"]).text == "Your name"
    options = [o.attrs["value"] for o in page.all("option", inside=form)]
    assert options == ["resident", "leader", "child"]
    phone = page.one("input", inside=form, name="phone")
    assert phone.attrs["type"] == "tel"
    assert "required" not in phone.attrs
    assert page.one("input", inside=form, name="consent").attrs["type"] == "checkbox"
    assert page.one("button", inside=form).attrs["type"] == "submit"
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_the_check_in_page_is_never_cached_nor_indexed(client, code):
    response = client.get(f"/checkin/{code.raw}/")
    assert {"no-store", "no-cache", "private"} <= cache_control(response)
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.django_db
def test_the_first_visit_gives_the_browser_a_long_lived_random_device_cookie(client, code):
    response = client.get(f"/checkin/{code.raw}/")
    cookie = device_cookie(response)

    assert cookie is not None
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"], "plain HTTP in the tests"
    assert int(cookie["max-age"]) >= 365 * 24 * 60 * 60
    assert cookie["path"] == "/"
    raw = base64.urlsafe_b64decode(cookie.value + "==")
    assert len(raw) * 8 >= 128

    again = client.get(f"/checkin/{code.raw}/")
    assert device_cookie(again) is None, "an existing cookie is kept as it is"
    other = Client().get(f"/checkin/{code.raw}/")
    assert device_cookie(other).value != cookie.value


@pytest.mark.django_db
def test_the_device_cookie_is_secure_over_https(client, code):
    response = client.get(f"/checkin/{code.raw}/", secure=True)
    assert device_cookie(response)["secure"] is True


@pytest.mark.django_db
def test_a_malformed_device_cookie_is_replaced(client, code):
    client.cookies[DEVICE] = "x"
    response = client.get(f"/checkin/{code.raw}/")
    assert len(device_cookie(response).value) >= 22


# POST -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_resident_checks_in_and_is_thanked(code, planned):
    client = english_client()
    client.get(f"/checkin/{code.raw}/")
    response = client.post(f"/checkin/{code.raw}/", {**FORM, "group": "leader"})
    page = parse(response)

    assert response.status_code == 200
    assert page.one("h1").text == "Thank you, your attendance has been recorded"
    assert {"no-store"} <= cache_control(response)
    (attendee,) = Attendee.objects.filter(dialogue=planned)
    assert attendee.name == "Ani Suryani"
    assert attendee.group == "leader"
    assert attendee.source == AttendeeSource.CHECK_IN
    assert attendee.consent is True
    assert attendee.phone is None
    assert attendee.device_digest, "the device is remembered, hashed"
    assert client.cookies[DEVICE].value not in attendee.device_digest
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_the_same_phone_checking_in_again_is_counted_once(code, planned):
    client = english_client()
    client.get(f"/checkin/{code.raw}/")
    client.post(f"/checkin/{code.raw}/", FORM)

    again = client.post(f"/checkin/{code.raw}/", {**FORM, "name": "Ani S."})
    page = parse(again)

    assert again.status_code == 200
    assert page.one("h1").text == "You have already checked in"
    assert "You are counted once." in page.text
    assert Attendee.objects.filter(dialogue=planned).count() == 1
    assert Attendee.objects.get(dialogue=planned).name == "Ani Suryani"


@pytest.mark.django_db
def test_a_new_code_does_not_count_the_same_phone_twice(code, planned, bekasi):
    client = english_client()
    client.post(f"/checkin/{code.raw}/", FORM)
    newer = checkin_code_issue(actor=bekasi.officer_timur, dialogue=planned)
    response = client.post(f"/checkin/{newer.raw}/", FORM)
    assert parse(response).one("h1").text == "You have already checked in"
    assert Attendee.objects.filter(dialogue=planned).count() == 1


@pytest.mark.django_db
def test_a_check_in_posted_without_a_cookie_still_sets_one_and_counts_once(code, planned):
    client = english_client()
    first = client.post(f"/checkin/{code.raw}/", FORM)
    assert device_cookie(first) is not None
    client.post(f"/checkin/{code.raw}/", FORM)
    assert Attendee.objects.filter(dialogue=planned).count() == 1


@pytest.mark.django_db
def test_different_phones_are_different_attendees(code, planned):
    english_client().post(f"/checkin/{code.raw}/", FORM)
    english_client().post(f"/checkin/{code.raw}/", {**FORM, "name": "Joko"})
    assert sorted(Attendee.objects.filter(dialogue=planned).values_list("name", flat=True)) == [
        "Ani Suryani",
        "Joko",
    ]


@pytest.mark.django_db
def test_the_phone_number_is_kept_encrypted_and_reveals_nothing(code, planned):
    """Whoever holds the code cannot learn whether a number is on the list: a second
    check-in with the same number is thanked like any other and the number is stored
    once."""
    english_client().post(f"/checkin/{code.raw}/", {**FORM, "phone": "0812-3456-7890"})
    response = english_client().post(
        f"/checkin/{code.raw}/", {**FORM, "name": "Ani", "phone": "+62 812 3456 7890"}
    )

    assert response.status_code == 200
    assert "already on the list" not in response.content.decode()
    first, second = Attendee.objects.filter(dialogue=planned).order_by("pk")
    assert first.phone == "+6281234567890"
    assert second.name == "Ani" and second.phone is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"consent": ""}, "consent", "Please agree to your name being listed"),
        ({"name": "  "}, "name", "This field is required."),
        ({"name": "x" * 121}, "name", "at most 120 characters"),
        ({"phone": "12"}, "phone", "is not a valid Indonesian phone number"),
        ({"phone": "+1 202 555 0143"}, "phone", "Only Indonesian phone numbers"),
        ({"group": "officer"}, "group", "Select a valid choice."),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(code, planned, change, field, message):
    data = {key: value for key, value in {**FORM, **change}.items() if value != ""}
    response = english_client().post(f"/checkin/{code.raw}/", data)
    page = parse(response)

    assert response.status_code == 400
    assert message in page.one("div", class_="error-summary").text
    assert not Attendee.objects.filter(dialogue=planned).exists()
    if field != "group":
        assert page.one("input", name=field).attrs.get("aria-invalid") == "true"
    assert {"no-store"} <= cache_control(response)


@pytest.mark.django_db
def test_the_form_keeps_what_was_typed_after_an_error(code):
    response = english_client().post(
        f"/checkin/{code.raw}/", {"name": "Ani Suryani", "group": "child", "phone": "0812"}
    )
    page = parse(response)
    assert page.one("input", name="name").attrs["value"] == "Ani Suryani"
    assert page.one("option", value="child").attrs.get("selected") == ""
    assert page.one("input", name="phone").attrs["value"] == "0812"


@pytest.mark.django_db
def test_the_form_works_with_csrf_checks_as_a_browser_without_javascript(code, planned):
    client = Client(enforce_csrf_checks=True)
    page = parse(client.get(f"/checkin/{code.raw}/"))
    form = page.one("form", class_="checkin-form")
    token = page.one("input", inside=form, name="csrfmiddlewaretoken").attrs["value"]
    response = client.post(f"/checkin/{code.raw}/", {**FORM, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert Attendee.objects.filter(dialogue=planned).count() == 1


# Bad codes --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_code_is_404_with_a_clear_message(method, planned):
    client = english_client()
    response = getattr(client, method)("/checkin/not-a-real-code-at-all/", FORM)
    page = parse(response)
    assert response.status_code == 404
    assert "This check-in code is not valid." in page.text
    assert not page.all("form", class_="checkin-form")
    assert not Attendee.objects.exists()
    assert {"no-store"} <= cache_control(response)


@pytest.mark.django_db
def test_an_overlong_code_is_unknown(client):
    assert client.get("/checkin/" + "a" * 500 + "/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_code_is_410_and_changes_nothing(method, code, planned):
    CheckInCode.objects.filter(pk=code.code.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = getattr(english_client(), method)(f"/checkin/{code.raw}/", FORM)
    page = parse(response)

    assert response.status_code == 410
    assert "This check-in code has expired. Ask the officer to show a new one." in page.text
    assert not Attendee.objects.exists()


@pytest.mark.django_db
def test_a_code_that_expires_while_the_form_is_filled_in_is_refused(code, planned):
    client = english_client()
    assert client.get(f"/checkin/{code.raw}/").status_code == 200
    CheckInCode.objects.filter(pk=code.code.pk).update(expires_at=timezone.now())
    response = client.post(f"/checkin/{code.raw}/", FORM)
    assert response.status_code == 410
    assert not Attendee.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_dialogue_takes_no_check_ins(code, planned):
    dialogue_cancel(dialogue=planned, reason="Hujan deras")
    response = english_client().post(f"/checkin/{code.raw}/", FORM)
    assert response.status_code == 410
    assert "This dialogue was cancelled." in parse(response).text
    assert not Attendee.objects.exists()


@pytest.mark.django_db
def test_the_refusal_speaks_indonesian_by_default(client, code):
    from django.utils import translation

    CheckInCode.objects.filter(pk=code.code.pk).update(expires_at=timezone.now())
    with translation.override("id"):
        expected = translation.gettext(
            "This check-in code has expired. Ask the officer to show a new one."
        )
    page = parse(client.get(f"/checkin/{code.raw}/"))
    assert page.one("html").attrs["lang"] == "id"
    assert expected in page.text


# Staff: /staff/dialogues/<id>/qr/ ---------------------------------------------------


def qr_url(dialogue) -> str:
    return f"/staff/dialogues/{dialogue.pk}/qr/"


def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_qr_page_asks_before_it_makes_a_code(client, ngopi, bekasi):
    signed_in(client, bekasi.officer_selatan)
    response = client.get(qr_url(ngopi))
    page = parse(response)

    assert response.status_code == 200
    assert page.one("h1").text == ngopi.title
    form = page.one("form", method="post", class_="qr-actions")
    assert "Show a check-in QR code" in page.one("button", inside=form).text
    assert not page.all("svg")
    assert not CheckInCode.objects.exists()
    assert {"no-store"} <= cache_control(response)


@pytest.mark.django_db
def test_posting_makes_a_thirty_minute_code_and_shows_it_as_a_big_qr(client, ngopi, bekasi):
    signed_in(client, bekasi.officer_selatan)
    before = timezone.now()
    response = client.post(qr_url(ngopi))
    html = response.content.decode()
    page = parse(response)

    assert response.status_code == 200
    (issued,) = CheckInCode.objects.filter(dialogue=ngopi)
    assert issued.created_by == bekasi.officer_selatan
    lifetime = issued.expires_at - before
    assert timedelta(minutes=29) < lifetime <= timedelta(minutes=30, seconds=5)

    link = page.one("a", inside=page.one("figure", class_="qr-stage"))
    url = link.attrs["href"]
    assert re.fullmatch(r"http://testserver/checkin/[A-Za-z0-9_-]{22}/", url)
    svg = re.search(r"<svg .*?</svg>", html, re.S)
    assert svg and 'role="img"' in svg.group(0)
    assert drawn_modules(svg.group(0)) == symbol_modules(url), "the QR encodes the URL shown"
    expiry = format_local(issued.expires_at, zone=ngopi.area, language="en")
    assert f"Valid until {expiry}" in page.text
    assert {"no-store"} <= cache_control(response)
    assert_no_inline_code(page)

    resident = english_client()
    assert resident.get(url.removeprefix("http://testserver")).status_code == 200


@pytest.mark.django_db
def test_each_post_makes_a_new_code_and_the_old_one_keeps_working(client, ngopi, bekasi):
    signed_in(client, bekasi.officer_selatan)
    urls = []
    for _ in range(2):
        page = parse(client.post(qr_url(ngopi)))
        urls.append(page.one("a", inside=page.one("figure", class_="qr-stage")).attrs["href"])
    assert urls[0] != urls[1]
    assert CheckInCode.objects.filter(dialogue=ngopi).count() == 2
    for url in urls:
        assert Client().get(url.removeprefix("http://testserver")).status_code == 200


@pytest.mark.django_db
def test_the_qr_page_counts_the_check_ins_so_far(client, code, planned, bekasi):
    english_client().post(f"/checkin/{code.raw}/", FORM)
    signed_in(client, bekasi.officer_timur)
    page = parse(client.get(qr_url(planned)))
    assert "1 person has checked in so far." in page.text


@pytest.mark.django_db
def test_no_code_for_a_cancelled_dialogue(client, planned, bekasi):
    dialogue_cancel(dialogue=planned, reason="Hujan deras")
    signed_in(client, bekasi.officer_timur)
    response = client.post(qr_url(planned))
    assert response.status_code == 400
    assert "This dialogue was cancelled." in parse(response).text
    assert not CheckInCode.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_units_dialogue_does_not_exist_for_the_qr_page(client, ngopi, bekasi, method):
    client.force_login(bekasi.officer_timur)  # Polsek Bekasi Timur; ngopi is Bekasi Selatan's
    assert getattr(client, method)(qr_url(ngopi)).status_code == 404
    assert getattr(client, method)(f"/staff/dialogues/{ngopi.pk + 1000}/qr/").status_code == 404
    assert not CheckInCode.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["commander_selatan", "commander_polres", "admin"])
def test_the_organising_unit_and_those_above_it_may_show_the_qr(client, ngopi, bekasi, user):
    client.force_login(getattr(bekasi, user))
    assert client.post(qr_url(ngopi)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_residents_are_forbidden_and_visitors_sent_to_sign_in(client, ngopi, bekasi, method):
    response = getattr(client, method)(qr_url(ngopi))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    signed_in(client, bekasi.resident)
    assert getattr(client, method)(qr_url(ngopi)).status_code == 403
    assert not CheckInCode.objects.exists()


@pytest.mark.django_db
def test_the_device_cookie_is_not_set_on_staff_or_public_event_pages(client, ngopi, bekasi):
    assert DEVICE not in client.get(f"/events/{ngopi.pk}/").cookies
    signed_in(client, bekasi.officer_selatan)
    assert DEVICE not in client.post(qr_url(ngopi)).cookies
