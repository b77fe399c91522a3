"""The staff aspiration pages (§4 C2): inbox, bulk actions, the case page and each of
its forms, the audited identity reveal, the intake at a dialogue, the staff home
counts. Residents get 403 on every staff route and an officer of another unit 404
(SECURITY.md 8); a refusal answers 400 with the reason and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationPhoto,
    AspirationUpdate,
    Privacy,
    ResponseTemplate,
    Source,
    Status,
    TriageCorrection,
    UpdateKind,
)
from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.aspirations.services import aspiration_act
from kamtibmas.aspirations.tests import conftest as aspiration_fixtures
from kamtibmas.engagements.tests import conftest as engagement_fixtures
from kamtibmas.privacy.models import AuditEntry
from kamtibmas.web.tests.test_aspirations_public import cache_control, jpeg
from kamtibmas.web.tests.test_views import assert_no_inline_code, parse

c2 = aspiration_fixtures.c2
submit = aspiration_fixtures.submit
rt001 = engagement_fixtures.rt001
ngopi = engagement_fixtures.ngopi

THEFT = "Motor saya dicuri di depan warung tadi malam, mohon ditindak."
LAMP = "Lampu jalan di gang RT 001 mati sudah seminggu, gelap sekali kalau malam."
PATROL = (
    "Banyak orang asing mencurigakan nongkrong di pos ronda tiap malam, mohon patroli ditambah."
)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def sign_in(client, user, language: str = "en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def case(c2, submit):
    """A confidential theft report in Kayuringin Jaya RT 001/RW 024 (Satreskrim's)."""
    return submit(THEFT, privacy=Privacy.CONFIDENTIAL).aspiration


@pytest.fixture
def kapolsek(client, c2):
    """The commander of Polsek Bekasi Selatan, reading English."""
    return sign_in(client, c2.commander_selatan)


def error_text(response, field: str, prefix: str = "") -> str:
    name = f"{prefix}-{field}" if prefix else field
    return " ".join(parse(response).one("ul", id=f"id_{name}_error").text.split())


# Who may open what ---------------------------------------------------------------------


def staff_urls(case, dialogue) -> list[tuple[str, str]]:
    one = f"/staff/aspirations/{case.pk}/"
    return [
        ("get", "/staff/aspirations/"),
        ("post", "/staff/aspirations/bulk/"),
        ("get", one),
        ("post", f"{one}act/verify/"),
        ("post", f"{one}triage/"),
        ("post", f"{one}notes/"),
        ("post", f"{one}assign/"),
        ("post", f"{one}identity/"),
        ("get", f"{one}photos/1"),
        ("get", f"/staff/dialogues/{dialogue.pk}/aspirations/new/"),
        ("post", f"/staff/dialogues/{dialogue.pk}/aspirations/new/"),
    ]


@pytest.mark.django_db
def test_residents_get_403_and_visitors_the_login_page_on_every_staff_route(
    client, c2, case, ngopi
):
    for method, url in staff_urls(case, ngopi):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    client.force_login(c2.resident)
    for method, url in staff_urls(case, ngopi):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.django_db
def test_an_officer_of_another_unit_gets_404_on_every_url_of_the_case(client, c2, case, media_root):
    from kamtibmas.aspirations.services import aspiration_photo_add

    photo = aspiration_photo_add(actor=c2.commander_selatan, aspiration=case, upload=jpeg())
    sign_in(client, c2.commander_timur)
    one = f"/staff/aspirations/{case.pk}/"
    for method, url, data in [
        ("get", one, {}),
        ("post", f"{one}act/verify/", {"verify-text": ""}),
        ("post", f"{one}act/nonsense/", {}),
        ("post", f"{one}triage/", {"category": "narkoba", "urgency": "tinggi"}),
        ("post", f"{one}notes/", {"text": "x"}),
        ("post", f"{one}assign/", {"assignee": ""}),
        ("post", f"{one}identity/", {"reason": "penasaran"}),
        ("get", f"{one}photos/{photo.pk}", {}),
    ]:
        assert getattr(client, method)(url, data).status_code == 404, url
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and case.triage_confirmed_at is None
    assert AspirationUpdate.objects.filter(aspiration=case).count() == 1
    assert not AuditEntry.objects.exists()
    page = parse(client.get("/staff/aspirations/"))
    assert case.number not in page.text
    # Bulk actions look every case up within the scope too.
    response = client.post(
        "/staff/aspirations/bulk/", {"action": "verify", "cases": [case.pk]}, follow=True
    )
    assert f"Case #{case.pk}: not found." in parse(response).text
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# Inbox -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_inbox_lists_the_cases_in_scope_with_urgency_in_words(kapolsek, c2, submit):
    theft = submit(THEFT).aspiration
    emergency = submit(
        "Tolong ada perampokan sedang terjadi sekarang, pelaku bawa golok!"
    ).aspiration
    response = kapolsek.get("/staff/aspirations/")
    assert response.status_code == 200
    assert {"no-store"} <= cache_control(response)
    page = parse(response)
    cards = {
        card.attrs["id"]: card
        for card in page.all("li")
        if card.attrs.get("id", "").startswith("case-")
    }
    assert set(cards) == {f"case-{theft.pk}", f"case-{emergency.pk}"}
    badge = page.one(
        "span", inside=cards[f"case-{emergency.pk}"], class_="urgency urgency--darurat"
    )
    assert badge.text == "Emergency"
    assert "RT 001/RW 024, Kayuringin Jaya" in cards[f"case-{theft.pk}"].text
    nav = page.one("nav", class_="wrap site-nav")
    assert page.one("a", inside=nav, href="/staff/aspirations/").attrs["aria-current"] == "page"
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_inbox_filters(kapolsek, c2, submit):
    theft = submit(THEFT).aspiration
    lamp = submit(LAMP).aspiration
    timur = submit(THEFT, area=c2.margahayu).aspiration
    aspiration_act(actor=c2.commander_selatan, aspiration=lamp, action=Action.VERIFY)
    Aspiration.objects.filter(pk=theft.pk).update(
        verify_by=timezone.now() - timedelta(days=1), assignee=c2.commander_selatan
    )

    def listed(**query) -> set[str]:
        page = parse(kapolsek.get("/staff/aspirations/", query))
        return {a.text for a in page.all("a") if a.text.startswith("ASP-")}

    assert listed() == {theft.number, lamp.number}, "Margahayu is Polsek Bekasi Timur's"
    assert timur.number not in listed(q=timur.number)
    assert listed(status="verified") == {lamp.number}
    assert listed(status="open") == {theft.number, lamp.number}
    assert listed(category="pencurian") == {theft.number}
    assert listed(area=str(c2.kayuringin.pk)) == {theft.number, lamp.number}
    assert listed(overdue="on") == {theft.number}
    assert listed(mine="on") == {theft.number}
    assert listed(q="lampu") == {lamp.number}
    assert listed(q=theft.number) == {theft.number}
    assert listed(status="nonsense") == {theft.number, lamp.number}, "bad filters are ignored"
    page = parse(kapolsek.get("/staff/aspirations/", {"overdue": "on"}))
    assert page.one("span", class_="badge badge--danger").text == "Overdue"


@pytest.mark.django_db
def test_the_inbox_runs_a_bounded_number_of_queries(
    kapolsek, c2, submit, django_assert_max_num_queries
):
    for _ in range(3):
        submit(THEFT, reporter_phone="", notify_by="")
    kapolsek.get("/staff/aspirations/")  # session and scope warm-up is the same each time
    with django_assert_max_num_queries(10) as few:
        assert kapolsek.get("/staff/aspirations/").status_code == 200
    for _ in range(20):
        submit(LAMP, reporter_phone="", notify_by="")
    with django_assert_max_num_queries(10) as many:
        page = parse(kapolsek.get("/staff/aspirations/"))
    assert len([a for a in page.all("a") if a.text.startswith("ASP-")]) == 23
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_bulk_verify_reports_each_refusal_and_still_does_the_rest(kapolsek, c2, submit):
    first = submit(THEFT).aspiration
    second = submit(LAMP).aspiration
    aspiration_act(actor=c2.commander_selatan, aspiration=second, action=Action.VERIFY)
    response = kapolsek.post(
        "/staff/aspirations/bulk/",
        {
            "action": "verify",
            "cases": [first.pk, second.pk],
            "next": "/staff/aspirations/?status=open",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/aspirations/?status=open"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.VERIFIED and second.status == Status.VERIFIED
    page = parse(kapolsek.get(response["Location"]))
    assert "1 case verified." in page.text
    assert f"{second.number}: A case that is “Verified” cannot be “Verify”." in page.text


@pytest.mark.django_db
def test_bulk_assign_to_me_reports_cases_of_other_units_and_ignores_a_foreign_next(
    client, c2, submit
):
    thefts = [submit(THEFT).aspiration, submit(THEFT.replace("warung", "masjid")).aspiration]
    lamp = submit(LAMP).aspiration  # with the kelurahan office: not Satreskrim's to take
    sign_in(client, c2.handler_reskrim)
    response = client.post(
        "/staff/aspirations/bulk/",
        {
            "action": "assign_me",
            "cases": [c.pk for c in [*thefts, lamp]],
            "next": "https://evil.test/",
        },
    )
    assert response["Location"] == "/staff/aspirations/"
    assert {c.assignee for c in Aspiration.objects.filter(pk__in=[t.pk for t in thefts])} == {
        c2.handler_reskrim
    }
    lamp.refresh_from_db()
    assert lamp.assignee is None
    page = parse(client.get("/staff/aspirations/")).text
    assert "2 cases assigned to you." in page
    assert f"{lamp.number}: Choose an officer of the unit handling the case." in page
    response = client.post("/staff/aspirations/bulk/", {"action": "verify"}, follow=True)
    assert "Tick the cases" in parse(response).text


# The case page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_case_page_shows_the_report_triage_deadlines_actions_and_history(kapolsek, case):
    response = kapolsek.get(f"/staff/aspirations/{case.pk}/")
    assert response.status_code == 200
    assert {"no-store"} <= cache_control(response)
    page = parse(response)
    assert page.one("h1").text == case.number
    assert THEFT in page.one("section", id="report").text
    triage = page.one("section", id="triage").text
    assert "Theft" in triage and "Not confirmed by an officer yet." in triage
    deadlines = page.one("section", id="deadlines").text
    assert "Verify by" in deadlines and "Resolve by" in deadlines and "WIB" in deadlines
    actions = [d.attrs["id"] for d in page.all("details", class_="action")]
    assert actions == ["action-verify", "action-refer", "action-close_unresolved",
                       "action-reject", "action-mark_duplicate"]  # fmt: skip
    history = page.one("ol", class_="history").text
    assert "Received" in history and "Public" in history
    # Identity stays behind a button with a reason.
    assert "Budi" not in page.text and "6281234567890" not in page.text
    assert page.one("input", name="reason")
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_verify_refer_to_the_kelurahan_and_the_partner_resolves_with_a_ready_answer(
    client, c2, submit
):
    lamp = submit(PATROL, privacy=Privacy.CONFIDENTIAL).aspiration
    assert lamp.assigned_unit == c2.post_kayuringin
    ResponseTemplate.objects.create(
        title="Lampu diperbaiki",
        text="Lampu jalan sudah diperbaiki oleh kelurahan. Terima kasih atas laporannya.",
        status=Status.RESOLVED,
    )
    sign_in(client, c2.commander_selatan)
    one = f"/staff/aspirations/{lamp.pk}/"
    response = client.post(f"{one}act/verify/", {"verify-text": "", "verify-is_public": "on"})
    assert response.status_code == 302 and response["Location"] == f"{one}#history"
    lamp.refresh_from_db()
    assert lamp.status == Status.VERIFIED

    page = parse(client.get(one))
    refer = page.one("details", id="action-refer")
    options = {
        o.text: o.attrs["value"] for o in page.all("option", inside=refer) if o.attrs["value"]
    }
    kelurahan = "Kelurahan Kayuringin Jaya (Kelurahan/desa office)"
    assert kelurahan in options
    response = client.post(
        f"{one}act/refer/",
        {"refer-unit": options[kelurahan], "refer-text": "Diteruskan ke kelurahan.",
         "refer-is_public": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    lamp.refresh_from_db()
    assert lamp.status == Status.REFERRED and lamp.assigned_unit == c2.kelurahan

    sign_in(client, c2.partner_kelurahan)
    page = parse(client.get(one))
    resolve = page.one("details", id="action-resolve")
    template = page.one("select", inside=resolve, class_="template-picker")
    assert template.attrs["data-fills"] == "id_resolve-text"
    option = next(o for o in page.all("option", inside=resolve) if o.text == "Lampu diperbaiki")
    # Without JavaScript the select alone is enough: the server takes the template text.
    response = client.post(
        f"{one}act/resolve/",
        {"resolve-template": option.attrs["value"], "resolve-text": "", "resolve-is_public": "on"},
    )
    assert response.status_code == 302
    lamp.refresh_from_db()
    assert lamp.status == Status.RESOLVED
    last = AspirationUpdate.objects.filter(aspiration=lamp).order_by("-id")[0]
    assert last.text.startswith("Lampu jalan sudah diperbaiki") and last.is_public
    assert last.author == c2.partner_kelurahan


@pytest.mark.django_db
def test_resolve_without_an_explanation_is_refused_next_to_the_field(kapolsek, c2, case):
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.VERIFY)
    response = kapolsek.post(
        f"/staff/aspirations/{case.pk}/act/resolve/",
        {"resolve-text": "", "resolve-is_public": "on"},
    )
    assert response.status_code == 400
    assert "Tell the reporter what was done" in error_text(response, "text", "resolve")
    assert parse(response).one("details", id="action-resolve").attrs.get("open") is not None
    case.refresh_from_db()
    assert case.status == Status.VERIFIED


@pytest.mark.django_db
def test_a_step_not_possible_now_says_why(kapolsek, case):
    response = kapolsek.post(
        f"/staff/aspirations/{case.pk}/act/resolve/", {"resolve-text": "Sudah beres."}
    )
    assert response.status_code == 400
    assert "cannot be “Resolve”" in parse(response).one("div", class_="error-summary").text
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


@pytest.mark.django_db
def test_merge_as_duplicate_by_case_number(kapolsek, c2, submit):
    original = submit(THEFT).aspiration
    repeat = submit("Ada motor hilang dicuri di warung semalam, tolong diusut.").aspiration
    response = kapolsek.post(
        f"/staff/aspirations/{repeat.pk}/act/mark_duplicate/",
        {"mark_duplicate-duplicate_number": original.number, "mark_duplicate-text": "Sama."},
    )
    assert response.status_code == 302
    repeat.refresh_from_db()
    assert repeat.status == Status.DUPLICATE and repeat.duplicate_of == original
    other = submit(LAMP).aspiration
    response = kapolsek.post(
        f"/staff/aspirations/{other.pk}/act/mark_duplicate/",
        {"mark_duplicate-duplicate_number": "ASP-0000-0000"},
    )
    assert response.status_code == 400
    assert "None of the cases you can see" in error_text(
        response, "duplicate_number", "mark_duplicate"
    )


@pytest.mark.django_db
def test_likely_duplicates_are_listed_and_offered_for_merging(kapolsek, c2, submit):
    first = submit(LAMP).aspiration
    second = submit("Lampu jalan gang RT 001 mati seminggu, gelap sekali tiap malam.").aspiration
    page = parse(kapolsek.get(f"/staff/aspirations/{second.pk}/"))
    assert first.number in page.one("section", id="duplicates").text
    merge = page.one("details", id="action-mark_duplicate")
    assert [o.attrs["value"] for o in page.all("option", inside=merge) if o.attrs["value"]] == [
        str(first.pk)
    ]


@pytest.mark.django_db
def test_triage_is_confirmed_or_corrected_and_kept_as_training_data(kapolsek, c2, case):
    response = kapolsek.post(
        f"/staff/aspirations/{case.pk}/triage/", {"category": "kekerasan", "urgency": "tinggi"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.category, case.urgency) == ("kekerasan", "tinggi")
    assert case.triage_confirmed_at is not None
    correction = TriageCorrection.objects.get()
    assert (correction.suggested_category, correction.category) == ("pencurian", "kekerasan")
    response = kapolsek.post(
        f"/staff/aspirations/{case.pk}/triage/", {"category": "bogus", "urgency": "tinggi"}
    )
    assert response.status_code == 400
    assert TriageCorrection.objects.count() == 1


@pytest.mark.django_db
def test_notes_public_and_internal(kapolsek, c2, case):
    one = f"/staff/aspirations/{case.pk}/"
    assert (
        kapolsek.post(f"{one}notes/", {"text": "Cek CCTV warung.", "is_public": ""}).status_code
        == 302
    )
    assert (
        kapolsek.post(f"{one}notes/", {"text": "Sedang diselidiki.", "is_public": "on"}).status_code
        == 302
    )
    notes = AspirationUpdate.objects.filter(aspiration=case, kind=UpdateKind.NOTE).order_by("id")
    assert [(n.text, n.is_public) for n in notes] == [
        ("Cek CCTV warung.", False),
        ("Sedang diselidiki.", True),
    ]
    history = parse(kapolsek.get(one)).one("ol", class_="history").text
    assert "Internal" in history and "Sedang diselidiki." in history
    response = kapolsek.post(f"{one}notes/", {"text": ""})
    assert response.status_code == 400
    assert "Tell us what happened" in error_text(response, "text")


@pytest.mark.django_db
def test_assign_an_officer_of_the_handling_unit_only(client, c2, case):
    sign_in(client, c2.commander_polres)
    one = f"/staff/aspirations/{case.pk}/"
    page = parse(client.get(one))
    options = [
        o.attrs["value"] for o in page.all("option", inside=page.one("select", name="assignee"))
    ]
    assert str(c2.handler_reskrim.pk) in options
    assert str(c2.officer_timur.pk) not in options
    assert client.post(f"{one}assign/", {"assignee": c2.handler_reskrim.pk}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == c2.handler_reskrim
    response = client.post(f"{one}assign/", {"assignee": c2.officer_timur.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assignee == c2.handler_reskrim


@pytest.mark.django_db
def test_showing_the_identity_needs_a_reason_and_is_audited(kapolsek, c2, case):
    one = f"/staff/aspirations/{case.pk}/"
    response = kapolsek.post(f"{one}identity/", {"reason": ""})
    assert response.status_code == 400
    assert not AuditEntry.objects.exists()
    response = kapolsek.post(f"{one}identity/", {"reason": "Menghubungi pelapor untuk saksi"})
    assert response.status_code == 200
    assert {"no-store"} <= cache_control(response)
    identity = parse(response).one("dl", id="identity").text
    assert "Budi Santoso" in identity and "+6281234567890" in identity
    entry = AuditEntry.objects.get()
    assert entry.actor == c2.commander_selatan
    assert entry.subject_id == str(case.pk)
    assert "Menghubungi pelapor untuk saksi" in entry.reason
    # Reloading the page shows no identity: every reading is a new, audited request.
    assert "Budi Santoso" not in parse(kapolsek.get(one)).text


@pytest.mark.django_db
def test_partners_never_see_who_sent_a_confidential_case(client, c2, submit):
    lamp = submit(PATROL, privacy=Privacy.CONFIDENTIAL).aspiration
    aspiration_act(
        actor=c2.commander_selatan, aspiration=lamp, action=Action.REFER, unit=c2.kelurahan
    )
    sign_in(client, c2.partner_kelurahan)
    one = f"/staff/aspirations/{lamp.pk}/"
    page = parse(client.get(one))
    assert "Confidential: only the police officers" in page.one("p", id="identity-state").text
    assert not page.all("input", name="reason")
    response = client.post(f"{one}identity/", {"reason": "ingin tahu"})
    assert response.status_code == 403
    assert "Budi" not in parse(response).text
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_an_anonymous_case_says_no_identity_is_stored(kapolsek, c2, submit):
    anonymous = submit(
        THEFT, privacy=Privacy.ANONYMOUS, reporter_name="", reporter_phone="", notify_by=""
    ).aspiration
    page = parse(kapolsek.get(f"/staff/aspirations/{anonymous.pk}/"))
    assert page.one("p", id="identity-state").text == "Anonymous: no identity stored."
    assert not page.all("input", name="reason")
    # Its times are days: no time of day on the page.
    assert "WIB" not in page.one("ol", class_="history").text


@pytest.mark.django_db
def test_photos_are_served_to_staff_who_see_the_case_and_never_cached(
    kapolsek, c2, case, media_root
):
    from kamtibmas.aspirations.services import aspiration_photo_add

    photo = aspiration_photo_add(actor=c2.commander_selatan, aspiration=case, upload=jpeg())
    page = parse(kapolsek.get(f"/staff/aspirations/{case.pk}/"))
    assert page.one("img").attrs["src"] == f"/staff/aspirations/{case.pk}/photos/{photo.pk}"
    response = kapolsek.get(f"/staff/aspirations/{case.pk}/photos/{photo.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert kapolsek.get(f"/staff/aspirations/{case.pk}/photos/{photo.pk + 99}").status_code == 404
    assert AspirationPhoto.objects.count() == 1


# At a dialogue -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_officer_records_an_aspiration_raised_at_a_dialogue(client, c2, ngopi):
    sign_in(client, c2.officer_selatan)
    page = parse(client.get(f"/staff/dialogues/{ngopi.pk}/"))
    link = page.one("a", href=f"/staff/dialogues/{ngopi.pk}/aspirations/new/")
    assert link.text == "Record an aspiration raised here"
    assert not page.all("section", id="linked-aspirations")

    response = client.get(link.attrs["href"])
    assert response.status_code == 200
    assert_no_inline_code(parse(response))
    response = client.post(
        link.attrs["href"],
        {
            "text": "Bagaimana cara mengurus KTP yang hilang?",
            "spot_answer": "Lapor kehilangan di pos polisi terdekat, gratis.",
            "privacy": Privacy.PUBLIC,
            "reporter_name": "Ibu Sri",
            "reporter_phone": "",
            "rw": "",
            "rt": "",
            "category": "",
            "urgency": "",
        },
    )
    assert response.status_code == 200
    assert {"no-store"} <= cache_control(response)
    case = Aspiration.objects.get()
    code = parse(response).one("p", id="receipt-code").text.strip()
    assert case.receipt_digest == receipt_digest(code)
    assert case.source == Source.DIALOGUE and case.dialogue == ngopi
    assert case.area == ngopi.area and case.reporter_name == "Ibu Sri"
    spot = AspirationUpdate.objects.get(aspiration=case, kind=UpdateKind.NOTE)
    assert spot.is_public and spot.text.startswith("Lapor kehilangan")

    section = parse(client.get(f"/staff/dialogues/{ngopi.pk}/")).one(
        "section", id="linked-aspirations"
    )
    assert section.text.count(case.number) == 1
    assert parse(client.get(f"/staff/dialogues/{ngopi.pk}/")).one(
        "a", href=f"/staff/aspirations/{case.pk}/"
    )


@pytest.mark.django_db
def test_dialogue_intake_refusals_and_scope(client, c2, ngopi):
    sign_in(client, c2.officer_selatan)
    url = f"/staff/dialogues/{ngopi.pk}/aspirations/new/"
    response = client.post(
        url, {"text": "Ada pungli di parkiran.", "privacy": Privacy.ANONYMOUS,
              "reporter_name": "Pak Joko"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "anonymous report cannot carry" in error_text(response, "privacy")
    assert not Aspiration.objects.exists()
    sign_in(client, c2.officer_timur)
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "x", "privacy": "public"}).status_code == 404
    assert not Aspiration.objects.exists()


@pytest.mark.django_db
def test_the_dialogue_lists_only_the_cases_each_user_may_see(c2, ngopi, submit):
    from kamtibmas.aspirations.links import dialogue_aspirations

    raised = submit(PATROL, dialogue=ngopi, actor=c2.officer_selatan, source=Source.DIALOGUE)
    case = raised.aspiration
    section = dialogue_aspirations(dialogue=ngopi, user=c2.officer_selatan)
    assert section is not None and section.key == "aspirations"
    assert [r.url for r in section.records] == [f"/staff/aspirations/{case.pk}/"]
    assert section.records[0].title.startswith(f"{case.number}: Banyak orang asing")
    # Another Polsek does not see the dialogue; a partner sees neither it nor the case.
    assert dialogue_aspirations(dialogue=ngopi, user=c2.officer_timur) is None
    assert dialogue_aspirations(dialogue=ngopi, user=c2.partner_kelurahan) is None
    assert dialogue_aspirations(dialogue=ngopi, user=c2.resident) is None


@pytest.mark.django_db
def test_the_staff_home_counts_open_and_overdue_cases(kapolsek, c2, submit):
    late = submit(THEFT).aspiration
    submit(LAMP)
    done = submit(LAMP).aspiration
    aspiration_act(actor=c2.commander_selatan, aspiration=done, action=Action.REJECT, text="Spam")
    Aspiration.objects.filter(pk=late.pk).update(verify_by=timezone.now() - timedelta(hours=1))
    page = parse(kapolsek.get("/staff/"))
    assert page.one("strong", id="open-cases").text == "2"
    assert page.one("strong", id="overdue-cases").text == "1"
    assert page.one("a", href="/staff/aspirations/?overdue=on")


@pytest.mark.django_db
def test_the_case_page_shows_the_words_behind_the_triage_suggestion(kapolsek, c2, submit):
    case = submit("Motor saya dicuri maling di parkiran pasar semalam").aspiration
    page = kapolsek.get(f"/staff/aspirations/{case.pk}/").content.decode()
    assert 'class="triage-words"' in page and "<mark>" in page
