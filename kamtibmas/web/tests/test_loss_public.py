"""The public loss-report pages (§4 C3, C7): the resident's report, the answer with its
reference and checklist, and the status by reference. Indonesian by default; a
refusal answers 400 with the reason next to the field, keeps what was typed and
stores nothing; the reference appears only in answer to a POST, never in a URL; the
status page shows no NIK, address or phone, and the handling officer only when both
sides agreed."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from kamtibmas.accounts.models import Role
from kamtibmas.areas.services import unit_update
from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.certificates.catalogue import ITEM_TYPE_BY_CODE, ITEM_TYPES
from kamtibmas.certificates.models import LossReport, ReportSource, ReportStatus
from kamtibmas.certificates.services import (
    certificate_issue,
    loss_report_contact_consent,
    loss_report_start,
)
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, desk, identity
from kamtibmas.conftest import make_user
from kamtibmas.core.throttle import Limit
from kamtibmas.core.timefmt import local_today
from kamtibmas.web import certificates_public
from kamtibmas.web.tests.test_views import assert_no_inline_code, parse

pytestmark = pytest.mark.django_db

__all__ = ["desk"]

ENGLISH = {"cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"}
NIK_LIKE = re.compile(r"\d(?:[\s.\-]?\d){15}")
ADDRESS = "Jl. Cut Meutia RT 003/RW 024, Kayuringin Jaya, Bekasi Selatan"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Throttle counters live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def posts(desk):
    unit_update(
        unit=desk.post_kayuringin,
        data={
            "address": "Jl. Cut Meutia No. 1, Kayuringin Jaya",
            "opening_hours": "Senin-Jumat 08.00-16.00",
            "phone": "021-8800-1234",
        },
    )
    desk.post_kayuringin.refresh_from_db()
    return desk


def form_data(desk, **changes) -> dict:
    data = {
        "intent": "submit",
        "items": ["ktp", "kk"],
        "ktp-nik": SITI_NIK,
        "kk-kk_number": "3275040101090011",
        "kk-head": "Ahmad Yani",
        "lost_on": (local_today() - timedelta(days=2)).isoformat(),
        "lost_time": "",
        "lost_place": "Pasar Baru Bekasi",
        "circumstances": "Dompet hilang di pasar.",
        "name": "Siti Aminah",
        "phone": "0812-3456-7890",
        "village": str(desk.kayuringin.pk),
        "latitude": "",
        "longitude": "",
        "post": str(desk.post_kayuringin.pk),
        "reporter_consents_contact": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def reference_of(response) -> str:
    """The receipt code the answer page shows once."""
    return parse(response).one("p", id="loss-code").attrs["data-code"]


def page_reference(response) -> str:
    """The report's number at the post, shown beside the code (not a secret)."""
    return parse(response).one("strong", id="loss-reference").attrs["data-reference"]


def errors_of(response, name: str) -> str:
    return parse(response).one("ul", id=f"id_{name}_error").text


def assert_nothing_personal(response, *, name_too: bool = True) -> None:
    body = response.content.decode()
    assert not NIK_LIKE.search(parse(response).text), "a NIK-like number on a public page"
    assert SITI_NIK not in body
    assert "3456" not in body and "7890" not in body, "the resident's phone"
    assert "Cut Meutia RT 003" not in body, "the resident's address"
    if name_too:
        assert "Siti Aminah" not in body and "Aminah" not in body


def desk_report(desk, **changes) -> LossReport:
    arguments = {
        "actor": desk.officer,
        "source": ReportSource.DESK,
        "unit": desk.polsek_selatan,
        "identity": identity(),
        "items": KTP_AND_KK,
        "lost_on": "2025-07-30",
        "lost_place": "Pasar Baru Bekasi",
    }
    arguments.update(changes)
    return loss_report_start(**arguments)


def status(client, code: str, **extra):
    return client.post("/loss/status", {"code": code, **extra})


# The form ----------------------------------------------------------------------------------


def test_the_form_offers_every_document_with_its_fields_in_indonesian(client, desk):
    response = client.get("/loss/")
    page = parse(response)
    assert response.status_code == 200
    assert page.one("html").attrs["lang"] == "id"
    assert {"no-store"} <= cache_control(response)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    form = page.one("form", id="loss-form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/loss/"
    assert page.one("input", inside=form, name="csrfmiddlewaretoken")
    boxes = page.all("input", inside=form, name="items")
    assert [box.attrs["value"] for box in boxes] == [item.code for item in ITEM_TYPES]
    assert len(boxes) == 15 and all(box.attrs["type"] == "checkbox" for box in boxes)
    # Without JavaScript every document's fields are there, grouped under it.
    for item in ITEM_TYPES:
        details = page.one("div", id=f"details-{item.code}")
        names = [e.attrs["name"] for e in page.all("input", inside=details)]
        assert names == [f"{item.code}-{field.code}" for field in item.fields]
    assert page.one("label", for_="id_items_0").text == "Kartu Tanda Penduduk (KTP-el)"
    assert page.one("input", name="sim-sim_number").attrs["inputmode"] == "numeric"
    for name in ("name", "phone", "lost_on", "lost_place", "latitude", "longitude"):
        assert page.one("input", name=name)
    assert page.one("input", name="lost_on").attrs["type"] == "date"
    more = page.one("details", id="more-identity")
    assert "open" not in more.attrs, "the optional identity folds away until needed"
    for name in ("nik", "birth_place", "birth_date", "occupation"):
        assert page.one("input", inside=more, name=name)
    for name in ("sex", "religion", "citizenship"):
        assert page.one("select", inside=more, name=name)
    assert page.one("textarea", inside=more, name="address")
    villages = [o.text for o in page.all("option", inside=page.one("select", name="village"))]
    assert "Kayuringin Jaya" in villages
    assert page.one("button", id="use-location").attrs.get("hidden") is not None
    assert page.one("button", id="find-posts").attrs["value"] == "find"
    assert page.one("button", id="send-report").attrs["value"] == "submit"
    assert page.one("input", name="reporter_consents_contact").attrs["type"] == "checkbox"
    assert "Tidak dipungut biaya" in page.one("p", id="free-of-charge").text
    assert page.one("script").attrs["src"].endswith("kamtibmas/loss-public.js")
    assert_no_inline_code(page)
    assert page.one("a", inside=page.one("nav"), href="/loss/").attrs["aria-current"] == "page"
    assert not page.all("input", type="radio", name="post"), "no posts before a place is given"


def test_the_home_page_links_to_the_loss_report_and_the_verify_page(client, desk):
    page = parse(client.get("/"))
    assert page.all("a", href="/loss/")
    assert page.all("a", href="/verify/")


def test_posts_covering_the_kelurahan_are_offered_with_their_hours_keeping_the_input(client, posts):
    data = form_data(posts, intent="find", post=None)
    response = client.post("/loss/", data)
    page = parse(response)
    assert response.status_code == 200
    assert not page.all("div", class_="error-summary"), "looking for posts is not a refusal"
    radios = page.all("input", type="radio", name="post")
    assert [r.attrs["value"] for r in radios] == [
        str(posts.post_kayuringin.pk),
        str(posts.polsek_selatan.pk),
    ], "the kelurahan's post first, then its Polsek"
    assert "checked" in radios[0].attrs
    offered = page.one("fieldset", id="posts").text
    assert "Senin-Jumat 08.00-16.00" in offered and "021-8800-1234" in offered
    assert "Jl. Cut Meutia No. 1" in offered
    assert page.one("input", name="name").attrs["value"] == "Siti Aminah"
    assert page.one("input", name="kk-kk_number").attrs["value"] == "3275040101090011"
    assert "checked" in page.one("input", name="items", value="kk").attrs
    assert "checked" in page.one("input", name="reporter_consents_contact").attrs
    assert LossReport.objects.count() == 0


def test_looking_for_posts_without_a_place_only_repeats_the_hint(client, desk):
    response = client.post("/loss/", {"intent": "find", "name": "Siti Aminah"})
    page = parse(response)
    assert response.status_code == 200
    assert not page.all("input", type="radio", name="post")
    assert not page.all("p", id="no-posts") and not page.all("div", class_="error-summary")
    assert page.one("input", name="name").attrs["value"] == "Siti Aminah"


def test_the_nearest_posts_to_the_phone_come_first_with_their_distance(client, posts):
    data = form_data(
        posts, intent="find", village="", latitude="-6.2519", longitude="107.0118", post=None
    )
    page = parse(client.post("/loss/", data))
    radios = page.all("input", type="radio", name="post")
    assert radios[0].attrs["value"] == str(posts.post_margahayu.pk)
    assert radios[1].attrs["value"] == str(posts.post_kayuringin.pk)
    label = page.one("label", for_=f"post-{posts.post_margahayu.pk}").text
    assert "Pos Polisi Margahayu" in label and "km" in label
    assert LossReport.objects.count() == 0


# Sending it ---------------------------------------------------------------------------------


def test_a_visitor_s_report_is_a_draft_at_the_chosen_post_and_its_reference_shown_once(
    client, posts
):
    response = client.post("/loss/", form_data(posts))
    assert response.status_code == 200, parse(response).text
    report = LossReport.objects.get()
    code = reference_of(response)
    assert receipt_digest(code) == report.receipt_digest, "only the code's digest is stored"
    assert code not in str(LossReport.objects.values().get())
    assert page_reference(response) == report.reference
    assert report.source == ReportSource.WEB and report.status == ReportStatus.DRAFT
    assert report.unit == posts.post_kayuringin and report.reporter is None
    assert report.name == "Siti Aminah" and report.phone == "+6281234567890"
    assert report.nik is None, "the KTP's number is an item detail, not the reporter's NIK"
    assert report.reporter_consents_contact and report.language == "id"
    assert report.lost_place == "Pasar Baru Bekasi"
    assert [(item.item_type, item.details) for item in report.items.all()] == [
        ("ktp", {"nik": SITI_NIK}),
        ("kk", {"kk_number": "3275040101090011", "head": "Ahmad Yani"}),
    ]
    # Shown in answer to the POST: no redirect, nothing in a header, not cached.
    assert "Location" not in response
    assert all(code not in value for value in response.headers.values())
    assert {"no-store"} <= cache_control(response)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    page = parse(response)
    groups = [e.text for e in page.all("span", class_="receipt-code__group")]
    assert "-".join(groups) == code and len(groups) == 4
    assert "Tidak dipungut biaya" in page.one("p", id="free-of-charge").text
    assert page.one("dd", id="post-name").text == "Pos Polisi Kayuringin"
    assert page.one("dd", id="post-hours").text == "Senin-Jumat 08.00-16.00"
    assert page.one("a", href="tel:021-8800-1234")
    ktp = page.one("div", id="checklist-ktp").text
    assert "Disdukcapil" in ktp and "Fotokopi Kartu Keluarga (KK)" in ktp
    kk = page.one("div", id="checklist-kk").text
    assert "Surat pengantar RT/RW dan kelurahan" in kk
    assert "(KK)" in page.one("ul", id="bring-originals").text
    status_form = page.one("form", action="/loss/status")
    assert page.one("input", inside=status_form, name="code").attrs["value"] == code
    assert page.one("button", id="copy-code").attrs.get("hidden") is not None
    assert_no_inline_code(page)
    assert_nothing_personal(response)


def test_the_optional_identity_is_stored_encrypted_through_the_service(client, posts):
    data = form_data(
        posts,
        nik="3275 0465 0590 0002",
        birth_place="Bekasi",
        birth_date="1990-05-25",
        sex="P",
        religion="islam",
        citizenship="WNI",
        occupation="Pedagang",
        address=ADDRESS,
        lost_time="14:30",
    )
    response = client.post("/loss/", data)
    assert response.status_code == 200, parse(response).text
    report = LossReport.objects.get()
    assert report.nik == SITI_NIK and report.address == ADDRESS
    assert report.birth_date.isoformat() == "1990-05-25" and report.sex == "P"
    assert report.lost_time == time(14, 30)
    assert report.status == ReportStatus.DRAFT, "online reports wait for the desk"
    assert_nothing_personal(response)


def test_a_signed_in_resident_becomes_the_reporter(client, posts):
    client.force_login(posts.resident)
    response = client.post("/loss/", form_data(posts))
    assert response.status_code == 200
    assert LossReport.objects.get().reporter == posts.resident


def test_staff_are_sent_to_the_desk_and_nothing_is_stored(client, posts):
    client.force_login(posts.officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/loss/", form_data(posts))
    assert response.status_code == 403
    assert "desk" in parse(response).one("div", class_="error-summary").text
    assert LossReport.objects.count() == 0


def test_an_empty_form_is_refused_field_by_field_and_nothing_is_stored(client, desk):
    response = client.post("/loss/", {"intent": "submit"})
    assert response.status_code == 400
    # Indonesian, the default language.
    assert "Centang setidaknya satu dokumen yang hilang." in errors_of(response, "items")
    for name in ("name", "phone", "lost_on", "lost_place", "post"):
        assert errors_of(response, name), name
    page = parse(response)
    summary = page.one("div", class_="error-summary")
    targets = [a.attrs["href"].removeprefix("#") for a in page.all("a", inside=summary)]
    assert len(targets) == 6
    ids = {element.attrs.get("id") for element in page.elements}
    assert all(target in ids for target in targets), "every summary link leads to its field"
    assert LossReport.objects.count() == 0


def test_a_ticked_document_without_its_number_is_refused_next_to_the_field(client, posts):
    data = form_data(
        posts,
        items=["sim", "stnk", "kk"],
        **{
            "sim-sim_number": "",
            "sim-sim_class": "Z",
            "stnk-plate": "not a plate",
            "kk-kk_number": "",
        },
        name="",
    )
    response = client.post("/loss/", data, headers=ENGLISH)
    assert response.status_code == 400
    assert "SIM number is required." in errors_of(response, "sim-sim_number")
    assert "SIM class must be one of" in errors_of(response, "sim-sim_class")
    assert "is not a vehicle plate number" in errors_of(response, "stnk-plate")
    assert "KK number is required." in errors_of(response, "kk-kk_number")
    assert errors_of(response, "name"), "mistakes of the form and of the items show together"
    page = parse(response)
    assert page.one("input", name="stnk-plate").attrs["value"] == "not a plate"
    assert page.one("input", name="kk-head").attrs["value"] == "Ahmad Yani"
    assert "checked" in page.one("input", name="items", value="stnk").attrs
    assert "checked" not in page.one("input", name="items", value="ktp").attrs
    assert LossReport.objects.count() == 0


def test_the_service_s_reasons_show_next_to_their_fields_in_english(client, posts):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    data = form_data(posts, nik="3299996505900002", lost_on=tomorrow, phone="12")
    response = client.post("/loss/", data, headers=ENGLISH)
    assert response.status_code == 400
    assert "kecamatan" in errors_of(response, "nik")
    assert "cannot be in the future" in errors_of(response, "lost_on")
    assert errors_of(response, "phone")
    page = parse(response)
    assert "open" in page.one("details", id="more-identity").attrs, "an error is never folded"
    assert page.one("input", name="nik").attrs["value"] == "3299996505900002"
    assert page.one("html").attrs["lang"] == "en"
    assert LossReport.objects.count() == 0


def test_an_item_error_of_the_service_lands_on_the_item_s_field(client, posts):
    response = client.post("/loss/", form_data(posts, **{"ktp-nik": "9999999999999999"}))
    assert response.status_code == 400
    assert errors_of(response, "ktp-nik")


def test_only_a_police_post_or_polsek_can_be_chosen(client, posts):
    for post in (str(posts.polda.pk), "999999"):
        response = client.post("/loss/", form_data(posts, post=post), headers=ENGLISH)
        assert response.status_code == 400
        assert "Choose the post" in errors_of(response, "post")
    response = client.post("/loss/", form_data(posts, post="abc"))
    assert response.status_code == 400
    assert LossReport.objects.count() == 0
    response = client.post("/loss/", form_data(posts, post=str(posts.polsek_selatan.pk)))
    assert response.status_code == 200
    assert LossReport.objects.get().unit == posts.polsek_selatan


def test_one_connection_cannot_flood_the_desk_with_reports(client, posts, monkeypatch):
    monkeypatch.setattr(certificates_public, "REPORTS_PER_CLIENT", Limit(attempts=2, seconds=60))
    for _ in range(2):
        assert client.post("/loss/", form_data(posts)).status_code == 200
    response = client.post("/loss/", form_data(posts))
    assert response.status_code == 429
    assert parse(response).one("div", class_="error-summary")
    assert LossReport.objects.count() == 2
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.post("/loss/", form_data(posts)).status_code == 200


def test_the_form_refuses_other_methods(client, desk):
    assert client.put("/loss/").status_code == 405
    assert client.delete("/loss/status").status_code == 405


# The status by reference ------------------------------------------------------------------


def test_the_status_form_takes_the_reference_in_a_post_body(client, desk):
    response = client.get("/loss/status")
    page = parse(response)
    assert response.status_code == 200
    assert {"no-store"} <= cache_control(response)
    form = page.one("form", id="status-form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/loss/status"
    assert page.one("input", inside=form, name="code")
    assert_no_inline_code(page)


def test_the_status_shows_the_draft_its_post_and_checklist_but_nothing_personal(client, posts):
    created = client.post("/loss/", form_data(posts, nik=SITI_NIK, address=ADDRESS))
    reference = reference_of(created)
    grouped = " - ".join(reference.lower().split("-"))
    response = status(client, grouped)
    assert response.status_code == 200
    page = parse(response)
    assert page.one("span", id="report-status").attrs["data-status"] == "draft"
    assert page.one("dd", id="masked-name").text == "S*** A*****"
    assert page.one("dd", id="report-items").text == (
        "Kartu Tanda Penduduk (KTP-el), Kartu Keluarga (KK)"
    )
    assert page.one("dd", id="post-name").text == "Pos Polisi Kayuringin"
    assert page.one("dd", id="post-hours").text == "Senin-Jumat 08.00-16.00"
    assert page.one("div", id="checklist-kk") and page.one("ul", id="bring-originals")
    assert page.one("p", id="officer-hidden")
    assert page.one("form", id="consent-form"), "the code's holder answers for the resident"
    assert {"no-store"} <= cache_control(response)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert_no_inline_code(page)
    assert_nothing_personal(response)


def test_a_wrong_reference_is_a_404_and_guessing_is_throttled(client, posts):
    reference = reference_of(client.post("/loss/", form_data(posts)))
    for attempt in range(certificates_public.REFERENCES_PER_CLIENT.attempts):
        response = status(client, f"WRONG{attempt:05d}")
        assert response.status_code == 404
        assert parse(response).one("div", id="status-problem")
    # Even the right reference waits now; another connection is not held up.
    assert status(client, reference).status_code == 429
    assert status(Client(REMOTE_ADDR="10.1.2.3"), reference).status_code == 200


def test_right_references_are_never_counted_as_guesses(client, posts):
    reference = reference_of(client.post("/loss/", form_data(posts)))
    for _ in range(certificates_public.REFERENCES_PER_CLIENT.attempts + 5):
        assert status(client, reference).status_code == 200


def test_the_officer_shows_only_once_both_sides_agreed(client, posts):
    officer = make_user(
        "bhabin.kayuringin",
        Role.COMMUNITY_OFFICER,
        posts.polsek_selatan,
        first_name="Agus",
        last_name="Wibowo",
        rank="Bripka",
        phone="0813-1111-2222",
    )
    client.force_login(posts.resident)
    created = client.post("/loss/", form_data(posts, reporter_consents_contact=None))
    reference = reference_of(created)
    report = LossReport.objects.get()
    loss_report_contact_consent(actor=officer, report=report, consents=True)

    page = parse(status(client, reference))
    assert not page.all("strong", id="officer-name"), "the resident has not agreed"
    assert "Agus" not in page.text
    assert page.one("p", id="consent-state").attrs["data-consents"] == "no"
    consent = page.one("form", id="consent-form")
    assert page.one("input", inside=consent, name="consents").attrs["value"] == "yes"

    response = status(client, reference, intent="consent", consents="yes")
    assert response.status_code == 200
    page = parse(response)
    assert page.one("p", id="status-notice")
    assert page.one("strong", id="officer-name").text == "Bripka Agus Wibowo"
    assert page.one("a", id="officer-phone").text == "0813-1111-2222"
    report.refresh_from_db()
    assert report.reporter_consents_contact and report.contact_shared

    # The officer withdraws: the name goes.
    loss_report_contact_consent(actor=officer, report=report, consents=False)
    page = parse(status(client, reference))
    assert not page.all("strong", id="officer-name")
    # The resident withdraws too, from the page.
    response = status(client, reference, intent="consent", consents="no")
    report.refresh_from_db()
    assert not report.reporter_consents_contact
    assert parse(response).one("p", id="consent-state").attrs["data-consents"] == "no"


def test_the_holder_of_the_code_answers_for_the_resident_and_nobody_else(client, posts):
    code = reference_of(client.post("/loss/", form_data(posts, reporter_consents_contact=None)))
    wrong = "7F3Q-9X2M-K4TD-HW8R"
    assert status(client, wrong, intent="consent", consents="yes").status_code == 404
    assert not LossReport.objects.get().reporter_consents_contact
    other = Client(REMOTE_ADDR="10.9.9.9")
    other.force_login(make_user("warga.lain", Role.RESIDENT))
    response = status(other, code, intent="consent", consents="yes")
    assert response.status_code == 200 and parse(response).one("p", id="status-notice")
    assert LossReport.objects.get().reporter_consents_contact


def test_an_issued_report_shows_its_letter_and_a_link_to_verify_it(client, desk):
    report = desk_report(desk)
    certificate = certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    assert status(client, report.reference).status_code == 404, "the reference is not a key"
    response = status(client, report.receipt_code)
    page = parse(response)
    assert page.one("span", id="report-status").attrs["data-status"] == "issued"
    assert page.one("dd", id="certificate-number").text == certificate.number
    link = page.one("a", id="verify-link")
    assert link.attrs["href"] == f"/verify/{certificate.qr_text}"
    assert not page.all("ul", id="bring-originals"), "nothing more to bring to the post"
    assert page.one("div", id="checklist-ktp")
    assert ITEM_TYPE_BY_CODE["ktp"].printed_label not in page.text
    assert_nothing_personal(response)


def test_no_page_of_the_journey_redirects(client, posts):
    responses = [
        client.get("/loss/"),
        client.post("/loss/", form_data(posts, intent="find")),
        client.post("/loss/", form_data(posts, name="")),
    ]
    created = client.post("/loss/", form_data(posts))
    responses += [created, client.get("/loss/status"), status(client, reference_of(created))]
    assert [r.status_code for r in responses] == [200, 200, 400, 200, 200, 200]
    assert not any(r.has_header("Location") for r in responses)
