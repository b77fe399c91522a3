"""The public aspiration pages (§4 C2, C7, §6): the form, the receipt, similar cases,
public case pages and tracking by receipt code. Indonesian by default; a refusal
answers 400 with the reason next to the field and stores nothing; pages with a code
are never cached and send no Referer; the reporter's identity never appears."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import PurePosixPath

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from kamtibmas.areas.models import Area, AreaLevel
from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationPhoto,
    AspirationUpdate,
    AuthorKind,
    Privacy,
    Status,
    Survey,
    UpdateKind,
)
from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.aspirations.services import aspiration_act
from kamtibmas.aspirations.tests import conftest as aspiration_fixtures
from kamtibmas.aspirations.tracking import PER_CLIENT
from kamtibmas.triage.taxonomy import Category
from kamtibmas.web.tests.test_views import assert_no_inline_code, parse

c2 = aspiration_fixtures.c2
submit = aspiration_fixtures.submit

ENGLISH = {"cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"}
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
TEXT = "Lampu jalan di gang RT 001 mati sudah seminggu, malam gelap dan rawan begal."


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Throttle counters live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def jpeg(name: str = "lampu.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "orange").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def form_data(c2, **changes) -> dict:
    data = {
        "text": TEXT,
        "village": str(c2.kayuringin.pk),
        "rw": "24",
        "rt": "1",
        "latitude": "",
        "longitude": "",
        "category": "",
        "urgency": "",
        "privacy": Privacy.CONFIDENTIAL,
        "reporter_name": "Budi Santoso",
        "reporter_phone": "0812-3456-7890",
        "reporter_email": "",
        "notify_by": "sms",
    }
    data.update(changes)
    return data


def receipt_of(response) -> str:
    """The receipt code as the confirmation page shows it."""
    page = parse(response)
    return page.one("p", id="receipt-code").text.strip()


# The form -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_is_indonesian_and_offers_the_covered_kelurahan(client, c2):
    response = client.get("/aspirations/new/")
    page = parse(response)
    assert response.status_code == 200
    assert page.one("html").attrs["lang"] == "id"
    assert {"no-store"} <= cache_control(response)
    form = page.one("form", id="aspiration-form")
    assert form.attrs["method"] == "post" and form.attrs["enctype"] == "multipart/form-data"
    villages = [o.text for o in page.all("option", inside=page.one("select", name="village"))]
    assert "Kayuringin Jaya" in villages and "Margahayu" in villages
    assert page.one("textarea", name="text").attrs["maxlength"] == "4000"
    photos = page.one("input", name="photos")
    assert "multiple" in photos.attrs and photos.attrs["accept"] == "image/*"
    privacy = [r.attrs["value"] for r in page.all("input", name="privacy")]
    assert privacy == ["public", "confidential", "anonymous"]
    assert page.one("input", name="privacy", value="confidential").attrs.get("checked") is not None
    assert page.one("fieldset", id="contact")
    assert page.one("button", id="use-location").attrs.get("hidden") is not None
    # Progressive enhancement in a static file; the CSP forbids inline code.
    assert page.one("script").attrs["src"].endswith("kamtibmas/aspirations-form.js")
    assert_no_inline_code(page)
    nav = page.one("nav")
    assert page.one("a", inside=nav, href="/aspirations/new/").attrs["aria-current"] == "page"
    assert page.one("a", inside=nav, href="/track/")


@pytest.mark.django_db
def test_a_named_report_is_stored_and_its_code_shown_once_without_a_redirect(client, c2):
    response = client.post("/aspirations/new/", form_data(c2), headers=ENGLISH)
    assert response.status_code == 200, parse(response).text
    case = Aspiration.objects.get()
    code = receipt_of(response)
    assert CODE.fullmatch(code)
    assert case.receipt_digest == receipt_digest(code)
    assert case.privacy == Privacy.CONFIDENTIAL
    assert case.area.code == "32.75.04.1005.024.001"
    assert case.reporter_name == "Budi Santoso" and case.reporter_phone == "+6281234567890"
    assert case.reporter is None
    page = parse(response)
    assert page.one("dd", id="case-number").text == case.number
    assert [g.text for g in page.all("span", class_="receipt-code__group")] == code.split("-")
    assert "shown only once" in page.text
    assert page.one("a", href=f"/track/{code}")
    assert not page.all("div", id="emergency")
    # The code never travels in a Location header, and nothing may keep the page.
    assert "Location" not in response
    assert {"no-store"} <= cache_control(response)
    assert "noindex" in response["X-Robots-Tag"]
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_an_emergency_tells_the_resident_to_call_110_or_112(client, c2):
    data = form_data(c2, text="Tolong ada perampokan sedang terjadi sekarang, pelaku bawa golok!")
    response = client.post("/aspirations/new/", data, headers=ENGLISH)
    assert response.status_code == 200
    assert Aspiration.objects.get().urgency == "darurat"
    box = parse(response).one("div", id="emergency")
    assert "110" in box.text and "112" in box.text
    assert parse(response).all("a", href="tel:112")


@pytest.mark.django_db
def test_an_anonymous_report_keeps_no_identity_even_when_signed_in(client, c2):
    client.force_login(c2.resident)
    data = form_data(
        c2,
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        reporter_phone="",
        notify_by="",
    )
    response = client.post("/aspirations/new/", data, headers=ENGLISH)
    assert response.status_code == 200
    case = Aspiration.objects.get()
    assert case.privacy == Privacy.ANONYMOUS
    assert case.reporter is None and case.reporter_name is None and case.reporter_phone is None
    assert "Nobody can give it to you again" in parse(response).text


@pytest.mark.django_db
def test_an_anonymous_report_creates_no_area_row(client, c2):
    """A new RT would carry its creation time: the time the anonymous report was sent."""
    areas_before = Area.objects.count()
    data = form_data(
        c2, privacy=Privacy.ANONYMOUS, rw="24", rt="7", reporter_name="", reporter_phone="",
        notify_by="",
    )  # fmt: skip
    assert client.post("/aspirations/new/", data).status_code == 200
    assert Area.objects.count() == areas_before
    assert Aspiration.objects.get().area == c2.rw024


@pytest.mark.django_db
def test_a_signed_in_resident_follows_a_named_report_with_the_account(client, c2):
    client.force_login(c2.resident)
    data = form_data(c2, rw="24", rt="9")
    assert client.post("/aspirations/new/", data).status_code == 200
    case = Aspiration.objects.get()
    assert case.reporter == c2.resident
    assert case.area.level == AreaLevel.RT and case.area.code.endswith(".024.009")


@pytest.mark.django_db
def test_photos_are_taken_with_the_report(client, c2, media):
    data = form_data(c2, photos=[jpeg("a.jpg"), jpeg("b.jpg")])
    response = client.post("/aspirations/new/", data)
    assert response.status_code == 200
    photos = list(AspirationPhoto.objects.all())
    assert len(photos) == 2
    # The names the phone gave are not kept (a generated name may end in "a.jpg").
    names = [PurePosixPath(p.image.name).name for p in photos]
    assert not {"a.jpg", "b.jpg"} & set(names) and all(n.endswith(".jpg") for n in names)


@pytest.mark.django_db
def test_six_photos_are_refused_and_nothing_is_stored(client, c2, media):
    data = form_data(c2, photos=[jpeg(f"{n}.jpg") for n in range(6)])
    response = client.post("/aspirations/new/", data, headers=ENGLISH)
    assert response.status_code == 400
    assert "at most 5 photos" in " ".join(
        parse(response).one("ul", id="id_photos_error").text.split()
    )
    assert not Aspiration.objects.exists()
    assert not AspirationPhoto.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "   "}, "text", "Tell us what happened"),
        ({"text": "x" * 4001}, "text", "4000"),
        ({"village": ""}, "village", "kelurahan"),
        ({"reporter_phone": "12"}, "reporter_phone", ""),
        ({"notify_by": "email"}, "notify_by", "email"),
        ({"latitude": "-6.2"}, "longitude", "both"),
        ({"rw": "", "rt": "3"}, "rt", "RW"),
        ({"privacy": Privacy.ANONYMOUS}, "privacy", "anonymous report cannot carry"),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_explained_next_to_the_field_and_stores_nothing(
    client, c2, changes, field, message
):
    areas_before = Area.objects.count()
    response = client.post("/aspirations/new/", form_data(c2, **changes), headers=ENGLISH)
    assert response.status_code == 400
    page = parse(response)
    error = " ".join(page.one("ul", id=f"id_{field}_error").text.split())
    assert message in error
    assert page.one("div", class_="error-summary")
    assert not Aspiration.objects.exists()
    assert Area.objects.count() == areas_before
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_form_errors_are_in_indonesian_by_default(client, c2):
    response = client.post(
        "/aspirations/new/", form_data(c2, rw="dua puluh", latitude="utara", longitude="1")
    )
    assert response.status_code == 400
    page = parse(response)
    assert page.one("html").attrs["lang"] == "id"
    assert page.one("h2", id="form-error-title").text == "Mohon periksa isian formulir"
    assert "Masukkan bilangan bulat" in page.one("ul", id="id_rw_error").text
    assert "Masukkan angka" in page.one("ul", id="id_latitude_error").text
    assert not Aspiration.objects.exists()


@pytest.mark.django_db
def test_every_village_inside_a_covered_area_is_offered_and_no_other(client, c2):
    from kamtibmas.areas.models import AreaKind
    from kamtibmas.areas.services import area_create

    added = area_create(
        code="32.75.04.1099", name="Kelurahan Baru", level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN, parent=c2.selatan,
    )  # fmt: skip
    response = client.post(
        "/aspirations/new/", form_data(c2, village=str(added.pk), rw="", rt=""), headers=ENGLISH
    )
    assert response.status_code == 200
    assert Aspiration.objects.get().area == added
    response = client.post(
        "/aspirations/new/", form_data(c2, village="999999", rw="", rt=""), headers=ENGLISH
    )
    assert response.status_code == 400
    assert "from the list" in parse(response).one("ul", id="id_village_error").text


# Similar cases while typing -----------------------------------------------------------------


@pytest.mark.django_db
def test_similar_public_cases_are_offered_while_typing(client, c2, submit):
    public = submit(privacy=Privacy.PUBLIC).aspiration
    submit(privacy=Privacy.CONFIDENTIAL)  # never offered to the public
    response = client.post(
        "/aspirations/similar",
        {
            "text": "Lampu jalan gang RT 001 mati seminggu, rawan begal malam",
            "village": c2.kayuringin.pk,
        },
    )
    assert response.status_code == 200
    assert {"no-store"} <= cache_control(response)
    results = response.json()["results"]
    assert [r["number"] for r in results] == [public.number]
    found = results[0]
    assert found["url"] == f"/aspirations/{public.number}/"
    assert found["area"] == "Kelurahan Kayuringin Jaya" or "Kayuringin Jaya" in found["area"]
    assert found["status"] == "received" and len(found["text"]) <= 140
    assert "Budi" not in response.content.decode()


@pytest.mark.django_db
def test_similar_reaches_across_the_kelurahan_border_once_the_position_is_known(client, c2, submit):
    from kamtibmas.areas.models import AreaKind, AreaLevel
    from kamtibmas.areas.services import area_create

    neighbour = area_create(
        code="32.75.04.1002",
        name="Marga Jaya",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent=c2.selatan,
    )
    text = "Lampu jalan di depan jembatan mati sudah seminggu, gelap banget."
    across = submit(
        text, area=neighbour, latitude=-6.2480, longitude=106.9890, privacy=Privacy.PUBLIC
    ).aspiration
    asked = {"text": text, "village": c2.kayuringin.pk}
    assert client.post("/aspirations/similar", asked).json() == {"results": []}
    here = {**asked, "latitude": "-6.247600", "longitude": "106.987000"}
    results = client.post("/aspirations/similar", here).json()["results"]
    assert [r["number"] for r in results] == [across.number]
    assert "Marga Jaya" in results[0]["area"]
    # Coordinates that are not coordinates are refused, not guessed.
    wrong = {**asked, "latitude": "-95", "longitude": "106.98"}
    assert client.post("/aspirations/similar", wrong).status_code == 400


@pytest.mark.django_db
def test_similar_needs_enough_text_and_a_village_and_never_takes_a_get(client, c2, submit):
    submit(privacy=Privacy.PUBLIC)
    assert client.post(
        "/aspirations/similar", {"text": "Lampu", "village": c2.kayuringin.pk}
    ).json() == {"results": []}
    assert client.post("/aspirations/similar", {"text": TEXT}).json() == {"results": []}
    # A draft must not end up in a URL (and so in server logs).
    assert client.get("/aspirations/similar", {"text": TEXT}).status_code == 405


@pytest.mark.django_db
def test_similar_is_throttled_per_client(client, c2, monkeypatch):
    from kamtibmas.core.throttle import Limit
    from kamtibmas.web import aspirations_public

    monkeypatch.setattr(aspirations_public, "SIMILAR_PER_CLIENT", Limit(attempts=2, seconds=3600))
    asked = {"text": TEXT, "village": c2.kayuringin.pk}
    assert [client.post("/aspirations/similar", asked).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]


# Public case pages -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_public_case_has_a_page_with_its_public_updates(client, c2, submit):
    case = submit(privacy=Privacy.PUBLIC).aspiration
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.VERIFY,
                   text="Sudah dicek petugas.")  # fmt: skip
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.START,
                   text="Catatan internal", is_public=False)  # fmt: skip
    response = client.get(f"/aspirations/{case.number}/", headers=ENGLISH)
    assert response.status_code == 200
    page = parse(response)
    assert page.one("h1").text == f"Report {case.number}"
    assert "Lampu jalan di gang RT 001" in page.text
    assert "Sudah dicek petugas." in page.text
    assert "Catatan internal" not in page.text
    assert "Budi" not in page.text and "6281234567890" not in page.text
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_confidential_anonymous_and_rejected_cases_have_no_public_page(client, c2, submit):
    confidential = submit(privacy=Privacy.CONFIDENTIAL).aspiration
    anonymous = submit(
        privacy=Privacy.ANONYMOUS, reporter_name="", reporter_phone="", notify_by=""
    ).aspiration
    spam = submit(privacy=Privacy.PUBLIC).aspiration
    aspiration_act(actor=c2.commander_selatan, aspiration=spam, action=Action.REJECT, text="Spam")
    for case in (confidential, anonymous, spam):
        assert client.get(f"/aspirations/{case.number}/").status_code == 404
    assert client.get("/aspirations/ASP-0000-0000/").status_code == 404


# Tracking by receipt code ---------------------------------------------------------------------


@pytest.mark.django_db
def test_tracking_shows_status_place_and_public_updates_but_never_the_reporter(client, c2, submit):
    submitted = submit(privacy=Privacy.CONFIDENTIAL)
    case = submitted.aspiration
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.VERIFY,
                   text="Petugas akan datang besok.")  # fmt: skip
    response = client.get(f"/track/{submitted.receipt_code}", headers=ENGLISH)
    assert response.status_code == 200
    page = parse(response)
    assert page.one("span", id="case-status").attrs["data-status"] == "verified"
    assert "Verified" in page.text
    with translation.override("en"):
        assert str(Category(case.category).label) in page.one("dl").text
    # A confidential case shows its kelurahan, not its RT.
    assert "Kayuringin Jaya" in page.text and "RT 001" not in page.one("dl").text
    assert "Petugas akan datang besok." in page.text
    assert "Budi" not in page.text and "6281234567890" not in page.text
    assert {"no-store"} <= cache_control(response)
    assert response["Referrer-Policy"] == "strict-origin"
    assert "noindex" in response["X-Robots-Tag"]
    assert_no_inline_code(page)
    # Every form of the page sends the code in its body, never in its URL.
    for form in page.all("form", method="post"):
        if form.attrs.get("action") == "/track/":
            assert page.one("input", inside=form, name="code").attrs["value"] == (
                submitted.receipt_code
            )


@pytest.mark.django_db
def test_the_code_can_be_typed_in_lower_case_and_without_dashes(client, c2, submit):
    submitted = submit()
    typed = submitted.receipt_code.replace("-", " ").lower()
    response = client.post("/track/", {"code": typed, "intent": "open"})
    assert response.status_code == 200
    assert submitted.aspiration.number in parse(response).one("h1").text


@pytest.mark.django_db
def test_a_wrong_code_gets_a_clear_message(client, c2, submit):
    submit()
    response = client.get("/track/AAAA-BBBB-CCCC-DDDD", headers=ENGLISH)
    assert response.status_code == 404
    assert "No report has this receipt code" in parse(response).one("div", id="track-problem").text
    response = client.post("/track/", {"code": "nonsense"}, headers=ENGLISH)
    assert response.status_code == 404
    assert {"no-store"} <= cache_control(response)


@pytest.mark.django_db
def test_too_many_wrong_codes_answer_429_even_for_the_right_code(client, c2, submit):
    submitted = submit()
    for attempt in range(PER_CLIENT.attempts):
        response = client.post("/track/", {"code": f"AAAA-BBBB-CCCC-{attempt:04d}"})
        assert response.status_code == 404
    response = client.get(f"/track/{submitted.receipt_code}", headers=ENGLISH)
    assert response.status_code == 429
    assert "Too many wrong codes" in parse(response).one("div", id="track-problem").text
    # Another client is not locked out.
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert other.get(f"/track/{submitted.receipt_code}").status_code == 200


@pytest.mark.django_db
def test_the_reporter_writes_to_the_handlers_through_the_code(client, c2, submit):
    submitted = submit()
    response = client.post(
        "/track/",
        {"code": submitted.receipt_code, "intent": "message", "text": "Lampunya di tiang no. 7."},
        headers=ENGLISH,
    )
    assert response.status_code == 200
    assert "Your message was sent" in parse(response).one("p", id="track-notice").text
    message = AspirationUpdate.objects.get(kind=UpdateKind.MESSAGE)
    assert message.text == "Lampunya di tiang no. 7."
    assert message.author_kind == AuthorKind.REPORTER and not message.is_public
    # An empty message is refused with the service's reason.
    response = client.post(
        "/track/", {"code": submitted.receipt_code, "intent": "message", "text": " "},
        headers=ENGLISH,
    )  # fmt: skip
    assert response.status_code == 400
    assert "Tell us what happened" in parse(response).one("ul", id="id_text_error").text


def resolve_and_make_survey_due(c2, case) -> None:
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.VERIFY)
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.RESOLVE,
                   text="Lampu sudah diganti.")  # fmt: skip
    Survey.objects.filter(aspiration=case).update(due_at=timezone.now() - timedelta(minutes=1))


@pytest.mark.django_db
def test_not_fixed_in_the_questionnaire_reopens_the_case_and_a_second_answer_is_refused(
    client, c2, submit
):
    submitted = submit()
    case = submitted.aspiration
    page = parse(client.get(f"/track/{submitted.receipt_code}"))
    assert not page.all("section", id="survey"), "no questionnaire before it is due"
    resolve_and_make_survey_due(c2, case)
    page = parse(client.get(f"/track/{submitted.receipt_code}", headers=ENGLISH))
    survey = page.one("section", id="survey")
    assert [i.attrs["value"] for i in page.all("input", inside=survey, name="fixed")] == [
        "yes",
        "no",
    ]
    assert len(page.all("input", inside=survey, name="satisfaction")) == 5
    answer = {"code": submitted.receipt_code, "intent": "survey", "fixed": "no",
              "satisfaction": "2", "safety": "3", "comment": "Masih gelap."}  # fmt: skip
    response = client.post("/track/", answer, headers=ENGLISH)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert parse(response).one("span", id="case-status").attrs["data-status"] == "reopened"
    assert "reopened" in parse(response).one("p", id="track-notice").text
    answered = Survey.objects.get(aspiration=case)
    assert (answered.fixed, answered.satisfaction, answered.safety) == (False, 2, 3)
    # The same answer sent again: the service's reason, and nothing changes.
    response = client.post("/track/", answer, headers=ENGLISH)
    assert response.status_code == 400
    assert "no questionnaire to answer" in parse(response).one("div", id="track-problem").text
    assert Survey.objects.get(aspiration=case).answered_at == answered.answered_at


@pytest.mark.django_db
def test_a_survey_answer_out_of_range_is_refused(client, c2, submit):
    submitted = submit()
    resolve_and_make_survey_due(c2, submitted.aspiration)
    answer = {"code": submitted.receipt_code, "intent": "survey", "fixed": "yes",
              "satisfaction": "9", "safety": "3"}  # fmt: skip
    response = client.post("/track/", answer, headers=ENGLISH)
    assert response.status_code == 400
    assert parse(response).one("ul", id="id_satisfaction_error")
    assert Survey.objects.get().answered_at is None


@pytest.mark.django_db
def test_the_track_form_page(client):
    response = client.get("/track/")
    page = parse(response)
    assert response.status_code == 200
    assert page.one("input", name="code").attrs["autocomplete"] == "off"
    assert page.one("form", class_="track-form").attrs["method"] == "post"
    assert {"no-store"} <= cache_control(response)
    assert response["Referrer-Policy"] == "strict-origin"
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_tracking_forms_are_protected_against_forgery(c2, submit):
    """The tracking pages send only the origin as Referer, so browsers send a real
    ``Origin`` with their forms and the CSRF check applies as everywhere else."""
    submitted = submit()
    browser = Client(enforce_csrf_checks=True)
    forged = browser.post(
        "/track/",
        {"code": submitted.receipt_code, "intent": "message", "text": "Ada info tambahan."},
    )
    assert forged.status_code == 403
    browser.get("/track/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/track/",
        {
            "code": submitted.receipt_code,
            "intent": "message",
            "text": "Ada info tambahan.",
            "csrfmiddlewaretoken": token,
        },
        headers={"origin": "http://testserver"},
    )
    assert response.status_code == 200
    assert AspirationUpdate.objects.filter(kind=UpdateKind.MESSAGE).count() == 1
