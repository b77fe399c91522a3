"""The desk's loss-report pages (§4 C3, issue 7): the list and its searches, a new
report at the desk and at a dialogue, the report page, completing a draft, issuing,
the PDF, revoking, the register and the monthly counts.

Residents get 403 and visitors the login page on every route; an officer of another
unit gets 404 (SECURITY.md 8); a community officer records and reads but does not
complete, issue, print, revoke or keep the register. A refusal answers 400 with the
reason next to the field and stores nothing; every page that shows personal data,
and every export, writes its audit row (SECURITY.md 5).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kamtibmas.accounts.models import Role
from kamtibmas.certificates.models import (
    Certificate,
    LossReport,
    ReportSource,
    ReportStatus,
)
from kamtibmas.certificates.services import (
    certificate_issue,
    certificate_revoke,
    loss_report_start,
)
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, desk, identity
from kamtibmas.conftest import make_user
from kamtibmas.engagements.models import DialogueStatus, DialogueType
from kamtibmas.engagements.services import dialogue_cancel, dialogue_plan, dialogue_record_past
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.web import certificates_staff
from kamtibmas.web.tests.test_aspirations_public import cache_control
from kamtibmas.web.tests.test_views import assert_no_inline_code, parse

pytestmark = pytest.mark.django_db

__all__ = ["desk"]  # the fixture, imported for this module

LOST_ON = date(2025, 7, 30)
PASAR = "Pasar Baru Bekasi"
REPORT_TYPE = "certificates.lossreport"


def sign_in(client, user, language: str = "en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def desk_report(desk, **changes) -> LossReport:
    arguments = {
        "actor": desk.officer,
        "source": ReportSource.DESK,
        "unit": desk.polsek_selatan,
        "identity": identity(),
        "items": KTP_AND_KK,
        "lost_on": LOST_ON,
        "lost_place": PASAR,
    }
    arguments.update(changes)
    return loss_report_start(**arguments)


def online_draft(desk, **identity_fields) -> LossReport:
    return loss_report_start(
        actor=desk.resident,
        source=ReportSource.WEB,
        unit=desk.post_kayuringin,
        identity={"name": "Rina Wati", "phone": "081311112222", **identity_fields},
        items=[{"type": "sim", "details": {"sim_number": "123456789012", "sim_class": "C"}}],
        lost_on=LOST_ON,
        lost_place="Stasiun Bekasi",
    )


def issued(desk, report=None) -> Certificate:
    return certificate_issue(
        actor=desk.officer, report=report or desk_report(desk), identity_checked="KK asli"
    )


def audits(action: str, subject) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=action, subject_type=subject._meta.label_lower, subject_id=str(subject.pk)
        )
    )


def error_text(response, field: str) -> str:
    return " ".join(parse(response).one("ul", id=f"id_{field}_error").text.split())


def value_of(response, name: str) -> str:
    return parse(response).one("input", name=name).attrs.get("value", "")


def new_report_data(desk, **changes) -> dict[str, str]:
    data = {
        "unit": str(desk.polsek_selatan.pk),
        "name": "Siti Aminah",
        "nik": "3275 0465 0590 0002",
        "birth_place": "Bekasi",
        "birth_date": "1990-05-25",
        "sex": "P",
        "religion": "islam",
        "citizenship": "WNI",
        "occupation": "Pedagang",
        "address": "Jl. Cut Meutia RT 003/RW 024, Kayuringin Jaya",
        "phone": "0812-3456-7890",
        "item_ktp": "on",
        "ktp__nik": SITI_NIK,
        "item_sim": "on",
        "sim__sim_number": "1234-5678-9012",
        "sim__sim_class": "c",
        "lost_on": "2025-07-30",
        "lost_time": "08:15",
        "lost_place": PASAR,
        "circumstances": "Dompet jatuh saat belanja.",
        "reporter_consents_contact": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# ---- who may open what -----------------------------------------------------------------


def every_url(report: LossReport, certificate: Certificate) -> list[tuple[str, str]]:
    one = f"/staff/loss/{report.pk}/"
    return [
        ("get", "/staff/loss/"),
        ("post", "/staff/loss/"),
        ("get", "/staff/loss/new/"),
        ("post", "/staff/loss/new/"),
        ("get", one),
        ("get", f"{one}edit/"),
        ("post", f"{one}edit/"),
        ("post", f"{one}take/"),
        ("get", f"{one}issue/"),
        ("post", f"{one}issue/"),
        ("get", f"/staff/loss/certificates/{certificate.pk}.pdf"),
        ("get", f"/staff/loss/certificates/{certificate.pk}/revoke/"),
        ("post", f"/staff/loss/certificates/{certificate.pk}/revoke/"),
        ("get", "/staff/loss/register/"),
        ("get", "/staff/loss/register.xlsx"),
        ("get", "/staff/loss/monthly/"),
        ("get", "/staff/loss/monthly.xlsx"),
    ]


def test_visitors_go_to_the_login_page_and_residents_and_handlers_get_403(client, desk):
    certificate = issued(desk)
    report = desk_report(desk)
    handler = make_user("handler.selatan", Role.HANDLER, desk.polsek_selatan)
    for method, url in every_url(report, certificate):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    for user in (desk.resident, handler):
        client.force_login(user)
        for method, url in every_url(report, certificate):
            assert getattr(client, method)(url).status_code == 403, (user, url)
    assert Certificate.objects.count() == 1 and not certificate_is_revoked(certificate)


def certificate_is_revoked(certificate: Certificate) -> bool:
    certificate.refresh_from_db()
    return certificate.revoked


def test_an_officer_of_another_unit_gets_404_on_every_url_of_a_report(client, desk):
    certificate = issued(desk)
    report = desk_report(desk)
    sign_in(client, desk.other_unit)
    one = f"/staff/loss/{report.pk}/"
    for method, url in [
        ("get", one),
        ("get", f"{one}edit/"),
        ("post", f"{one}edit/"),
        ("post", f"{one}take/"),
        ("get", f"{one}issue/"),
        ("post", f"{one}issue/"),
        ("get", f"/staff/loss/certificates/{certificate.pk}.pdf"),
        ("get", f"/staff/loss/certificates/{certificate.pk}/revoke/"),
        ("post", f"/staff/loss/certificates/{certificate.pk}/revoke/"),
    ]:
        data = {"identity_checked": "KK", "originals_seen": "on", "reason": "x"}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 404, url
    page = client.get("/staff/loss/")
    assert report.reference not in page.content.decode()
    found = client.post("/staff/loss/", {"q": SITI_NIK})
    assert report.reference not in found.content.decode()
    register = client.get("/staff/loss/register/")
    assert report.reference not in register.content.decode()
    assert not certificate_is_revoked(certificate)
    assert not AuditEntry.objects.filter(actor=desk.other_unit, subject_id=str(report.pk)).exists()


def test_a_community_officer_records_and_reads_but_does_not_issue(client, desk):
    report = desk_report(desk)
    certificate = issued(desk, desk_report(desk))
    sign_in(client, desk.officer_selatan)
    assert client.get("/staff/loss/").status_code == 200
    assert client.get("/staff/loss/new/").status_code == 200
    page = client.get(f"/staff/loss/{report.pk}/")
    assert page.status_code == 200
    html = parse(page)
    # The NIK and card numbers are masked for this role; the desk's buttons are absent.
    assert SITI_NIK not in page.content.decode()
    assert html.one("dd", inside=html.one("div", id="identity-nik")).text == "************0002"
    for absent in (
        "edit-link",
        "issue-link",
        "certificate-pdf",
        "revoke-link",
        "tab-loss-register",
    ):
        assert not html.all("a", id=absent), absent
    one = f"/staff/loss/{report.pk}/"
    for method, url in [
        ("get", f"{one}edit/"),
        ("post", f"{one}edit/"),
        ("get", f"{one}issue/"),
        ("post", f"{one}issue/"),
        ("get", f"/staff/loss/certificates/{certificate.pk}.pdf"),
        ("get", f"/staff/loss/certificates/{certificate.pk}/revoke/"),
        ("post", f"/staff/loss/certificates/{certificate.pk}/revoke/"),
        ("get", "/staff/loss/register/"),
        ("get", "/staff/loss/register.xlsx"),
        ("get", "/staff/loss/monthly/"),
    ]:
        data = {"identity_checked": "KK asli", "originals_seen": "on", "reason": "Salah"}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 403, url
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and Certificate.objects.count() == 1
    assert not certificate_is_revoked(certificate)


# ---- the list ----------------------------------------------------------------------------


def test_the_list_shows_the_units_reports_newest_first_with_waiting_drafts_standing_out(
    client, desk
):
    older = desk_report(desk)
    draft = online_draft(desk)
    elsewhere = desk_report(
        desk, actor=desk.other_unit, unit=desk.polsek_timur, identity=identity(name="Dewi")
    )
    sign_in(client, desk.officer)
    response = client.get("/staff/loss/")
    assert response.status_code == 200
    assert "no-store" in cache_control(response)
    html = parse(response)
    assert_no_inline_code(html)
    cards = html.all("li", class_="case-card loss-card loss-card--draft") + html.all(
        "li", class_="case-card loss-card loss-card--ready"
    )
    assert [card.attrs["id"] for card in cards] == [f"report-{draft.pk}", f"report-{older.pk}"]
    listed = [e.attrs["id"] for e in html.elements if e.attrs.get("id", "").startswith("report-")]
    assert listed == [f"report-{draft.pk}", f"report-{older.pk}"]
    assert elsewhere.reference not in response.content.decode()
    draft_card = html.one("li", id=f"report-{draft.pk}")
    assert html.all("span", inside=draft_card, class_="badge badge--waiting")
    assert "Rina Wati" in draft_card.text and "Driving licence (SIM)" in draft_card.text
    assert "1 draft waiting" in html.one("p", id="drafts-waiting").text
    # No identifier but the name is on the list, and each name shown is audited.
    assert SITI_NIK not in response.content.decode() and "3456" not in response.content.decode()
    for report in (older, draft):
        (entry,) = audits(AuditAction.READ, report)
        assert entry.actor == desk.officer and entry.fields == ["name"]

    drafts = parse(client.get("/staff/loss/?status=draft"))
    listed = [e.attrs["id"] for e in drafts.elements if e.attrs.get("id", "").startswith("report-")]
    assert listed == [f"report-{draft.pk}"]


def test_the_list_is_paginated_with_a_constant_number_of_queries(client, desk, monkeypatch):
    monkeypatch.setattr(certificates_staff, "PAGE_SIZE", 3)
    for number in range(2):
        desk_report(desk, identity=identity(name=f"Pelapor {number}"))
    sign_in(client, desk.officer)
    client.get("/staff/loss/")  # warm the session and the scope
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/loss/")
    for number in range(4):
        desk_report(desk, identity=identity(name=f"Pelapor lain {number}"))
    with CaptureQueriesContext(connection) as more:
        response = client.get("/staff/loss/")
    assert len(more) == len(few)
    html = parse(response)
    assert html.one("a", rel="next").attrs["href"] == "?page=2"
    page_two = parse(client.get("/staff/loss/?page=2"))
    assert len(page_two.all("li", class_="case-card loss-card loss-card--ready")) == 3


def test_search_by_nik_phone_or_reference_is_exact_and_sent_by_post(client, desk):
    siti = desk_report(desk)
    other = desk_report(desk, identity=identity(name="Budi", nik=None, phone="081299990000"))
    sign_in(client, desk.officer)
    form = parse(client.get("/staff/loss/")).one("form", id="search-form")
    assert form.attrs["method"] == "post"

    def found(text: str) -> list[str]:
        response = client.post("/staff/loss/", {"q": text})
        assert response.status_code == 200, text
        html = parse(response)
        return [e.attrs["id"] for e in html.elements if e.attrs.get("id", "").startswith("report-")]

    assert found("3275-0465-0590-0002") == [f"report-{siti.pk}"]
    assert found("+62 812 3456 7890") == [f"report-{siti.pk}"]
    assert found("0812-9999-0000") == [f"report-{other.pk}"]
    assert found(other.reference.lower()) == [f"report-{other.pk}"]
    assert found("3275046505900003") == []  # another NIK: nothing, not a partial match
    refused = client.post("/staff/loss/", {"q": "Siti"})
    assert refused.status_code == 400
    assert "a NIK of 16 digits" in error_text(refused, "q")


# ---- a new report ------------------------------------------------------------------------


def test_a_new_report_at_the_desk_is_stored_ready_and_opens_its_page(client, desk):
    sign_in(client, desk.officer)
    form_page = client.get("/staff/loss/new/")
    assert form_page.status_code == 200
    html = parse(form_page)
    assert_no_inline_code(html)
    assert html.one("option", value=str(desk.polsek_selatan.pk)).attrs.get("selected") is not None
    # Without JavaScript every document's fields are there, grouped under its tick box.
    for code in ("ktp", "kk", "sim", "stnk", "lainnya"):
        assert html.one("input", name=f"item_{code}").attrs["type"] == "checkbox"
        assert html.one("div", id=f"fields-{code}")
    assert html.one("input", name="sim__sim_number")

    response = client.post("/staff/loss/new/", new_report_data(desk))
    report = LossReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/loss/{report.pk}/"
    assert report.status == ReportStatus.READY and report.source == ReportSource.DESK
    assert report.created_by == desk.officer and report.unit == desk.polsek_selatan
    assert report.nik == SITI_NIK and report.phone == "+6281234567890"
    assert report.reporter_consents_contact and report.dialogue is None
    assert [(item.item_type, item.details) for item in report.items.all()] == [
        ("ktp", {"nik": SITI_NIK}),
        ("sim", {"sim_number": "123456789012", "sim_class": "C"}),
    ]
    assert audits(AuditAction.CREATE, report)
    page = client.get(response["Location"])
    assert "ready to issue" in page.content.decode()


def test_a_report_at_a_dialogue_is_linked_and_the_dialogue_page_links_to_the_form(client, desk):
    dialogue = dialogue_record_past(
        actor=desk.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RW 024",
        area=desk.rw024,
        unit=desk.polsek_selatan,
        venue_name="Balai RW 024",
        start=datetime(2025, 7, 31, 3, 0, tzinfo=UTC),
        end=datetime(2025, 7, 31, 5, 0, tzinfo=UTC),
    )
    sign_in(client, desk.officer_selatan)
    dialogue_page = parse(client.get(f"/staff/dialogues/{dialogue.pk}/"))
    link = dialogue_page.one("a", id="dialogue-loss-new").attrs["href"]
    assert link == f"/staff/loss/new/?dialogue={dialogue.pk}"
    form = parse(client.get(link))
    assert form.one("form", id="loss-form").attrs["action"] == link
    assert "Ngopi Kamtibmas RW 024" in form.one("p", id="at-dialogue").text
    data = new_report_data(desk, nik=None, birth_date=None, item_sim=None, sim__sim_number=None)
    data.pop("sim__sim_class")
    response = client.post(link, data)
    report = LossReport.objects.get()
    assert response.status_code == 302
    assert report.source == ReportSource.DIALOGUE and report.dialogue == dialogue
    assert report.status == ReportStatus.DRAFT  # NIK and birth date still missing
    assert report.created_by == desk.officer_selatan
    page = parse(client.get(f"/staff/loss/{report.pk}/"))
    assert page.one("p", id="report-dialogue").text.strip().endswith("Ngopi Kamtibmas RW 024")
    assert "NIK" in page.one("div", id="missing").text
    # The dialogue page lists it back, by reference and documents only.
    dialogue_page = parse(client.get(f"/staff/dialogues/{dialogue.pk}/"))
    linked = dialogue_page.one("section", id="linked-loss_reports")
    assert report.reference in linked.text and "Siti" not in linked.text
    listed = dialogue_page.one("a", inside=linked)
    assert listed.attrs["href"] == f"/staff/loss/{report.pk}/"
    from kamtibmas.certificates.links import dialogue_loss_reports

    assert dialogue_loss_reports(dialogue=dialogue, user=desk.officer_timur) is None


def test_another_units_or_a_cancelled_dialogue_takes_no_report(client, desk):
    start = datetime(2030, 1, 10, 3, 0, tzinfo=UTC)
    theirs = dialogue_plan(
        actor=desk.officer_timur,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Margahayu",
        area=desk.margahayu,
        unit=desk.polsek_timur,
        venue_name="Masjid",
        planned_start=start,
        planned_end=start.replace(hour=5),
    )
    sign_in(client, desk.officer)
    assert client.get(f"/staff/loss/new/?dialogue={theirs.pk}").status_code == 404
    assert client.post(f"/staff/loss/new/?dialogue={theirs.pk}", {}).status_code == 404
    assert client.get("/staff/loss/new/?dialogue=abc").status_code == 404
    ours = dialogue_plan(
        actor=desk.officer_selatan,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Kayuringin",
        area=desk.rw024,
        unit=desk.polsek_selatan,
        venue_name="Masjid",
        planned_start=start,
        planned_end=start.replace(hour=5),
    )
    dialogue_cancel(dialogue=ours, reason="Hujan deras")
    ours.refresh_from_db()
    assert ours.status == DialogueStatus.CANCELLED
    response = client.post(f"/staff/loss/new/?dialogue={ours.pk}", new_report_data(desk))
    assert response.status_code == 302 and response["Location"] == f"/staff/dialogues/{ours.pk}/"
    assert not LossReport.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"nik": "9975046505900002"}, "nik", "province code"),
        ({"nik": "3299996505900002"}, "nik", "kecamatan of registration"),
        ({"birth_date": "2999-01-01"}, "birth_date", "cannot be in the future"),
        ({"sim__sim_number": ""}, "sim__sim_number", "SIM number is required"),
        ({"sim__sim_class": "Z"}, "sim__sim_class", "SIM class must be one of"),
        ({"item_sim": None}, "item_sim", "Tick"),
        ({"name": "", "phone": ""}, "phone", "required"),
        ({"lost_place": " "}, "lost_place", "Say where"),
        ({"lost_on": "2999-01-01"}, "lost_on", "cannot be in the future"),
    ],
)
def test_bad_input_is_refused_beside_its_field_kept_and_nothing_is_stored(
    client, desk, changes, field, words
):
    sign_in(client, desk.officer)
    data = new_report_data(desk, **changes)
    response = client.post("/staff/loss/new/", data)
    assert response.status_code == 400
    assert words in error_text(response, field)
    assert not LossReport.objects.exists()
    assert not AuditEntry.objects.filter(subject_type=REPORT_TYPE).exists()
    # What was typed is still there.
    assert value_of(response, "name") == data.get("name", "")
    assert value_of(response, "lost_place") == data["lost_place"]
    assert value_of(response, "ktp__nik") == SITI_NIK
    html = parse(response)
    assert "checked" in html.one("input", name="item_ktp").attrs


def test_a_report_without_documents_is_refused_above_the_documents(client, desk):
    sign_in(client, desk.officer)
    data = new_report_data(desk, item_ktp=None, ktp__nik=None, item_sim=None)
    data.pop("sim__sim_number")
    data.pop("sim__sim_class")
    response = client.post("/staff/loss/new/", data)
    assert response.status_code == 400
    assert "at least one lost document" in error_text(response, "items")
    assert not LossReport.objects.exists()


# ---- the report page ---------------------------------------------------------------------


def test_the_report_page_shows_everything_to_the_desk_and_audits_what_it_shows(client, desk):
    report = desk_report(desk)
    sign_in(client, desk.officer)
    response = client.get(f"/staff/loss/{report.pk}/")
    assert response.status_code == 200
    assert "no-store" in cache_control(response)
    html = parse(response)
    assert_no_inline_code(html)
    nik = html.one("dd", inside=html.one("div", id="identity-nik")).text
    assert nik == SITI_NIK
    assert "Siti Aminah" in html.one("div", id="identity-name").text
    assert "3275040101090011" in html.one("section", id="items").text
    checklist = html.one("ul", id="checklist").text
    assert "Disdukcapil" in checklist and "A photocopy of your family card (KK)" in checklist
    assert html.one("span", id="report-status").attrs["data-status"] == "ready"
    assert html.one("a", id="issue-link").attrs["href"] == f"/staff/loss/{report.pk}/issue/"
    (entry,) = audits(AuditAction.READ, report)
    assert entry.actor == desk.officer
    assert {"nik", "name", "address", "phone", "items"} <= set(entry.fields)


def test_an_officer_takes_a_report_on_and_can_stop_showing_their_contact(client, desk):
    report = desk_report(desk)
    sign_in(client, desk.officer_selatan)
    html = parse(client.get(f"/staff/loss/{report.pk}/"))
    form = html.one("form", id="take-form")
    assert html.one("input", inside=form, name="consents").attrs["value"] == "on"
    response = client.post(f"/staff/loss/{report.pk}/take/", {"consents": "on"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.handling_officer == desk.officer_selatan and report.officer_consents_contact
    html = parse(client.get(f"/staff/loss/{report.pk}/"))
    assert not html.all("input", name="consents")
    client.post(f"/staff/loss/{report.pk}/take/", {})
    report.refresh_from_db()
    assert report.handling_officer == desk.officer_selatan and not report.officer_consents_contact


# ---- completing a draft ------------------------------------------------------------------


def test_the_desk_completes_an_online_draft_and_it_becomes_ready(client, desk):
    draft = online_draft(desk)
    sign_in(client, desk.officer)
    form = parse(client.get(f"/staff/loss/{draft.pk}/edit/"))
    assert form.one("input", name="name").attrs["value"] == "Rina Wati"
    assert "checked" in form.one("input", name="item_sim").attrs
    assert form.one("input", name="sim__sim_number").attrs["value"] == "123456789012"
    assert not form.all("select", name="unit")
    data = {
        "name": "Rina Wati",
        "nik": "3275044107920003",
        "birth_place": "Jakarta",
        "birth_date": "1992-07-01",
        "sex": "P",
        "religion": "katolik",
        "citizenship": "WNI",
        "occupation": "Guru",
        "address": "Jl. Melati 4, Kayuringin Jaya",
        "phone": "081311112222",
        "item_sim": "on",
        "sim__sim_number": "123456789012",
        "sim__sim_class": "C",
        "lost_on": "2025-07-30",
        "lost_place": "Stasiun Bekasi",
    }
    refused = client.post(f"/staff/loss/{draft.pk}/edit/", {**data, "birth_date": "2030-01-01"})
    assert refused.status_code == 400
    assert "future" in error_text(refused, "birth_date")
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.nik is None
    response = client.post(f"/staff/loss/{draft.pk}/edit/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReportStatus.READY and draft.nik == "3275044107920003"
    assert audits(AuditAction.UPDATE, draft)


def test_an_issued_report_cannot_be_changed(client, desk):
    certificate = issued(desk)
    sign_in(client, desk.officer)
    url = f"/staff/loss/{certificate.report_id}/edit/"
    assert client.get(url)["Location"] == f"/staff/loss/{certificate.report_id}/"
    data = new_report_data(desk, name="Orang Lain")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "can no longer be changed" in parse(response).one("div", class_="error-summary").text
    report = LossReport.objects.get(pk=certificate.report_id)
    assert report.name == "Siti Aminah"


# ---- issuing, the PDF, revoking -------------------------------------------------------------


def test_the_desk_issues_once_and_a_second_try_changes_nothing(client, desk):
    report = desk_report(desk)
    sign_in(client, desk.officer)
    page = client.get(f"/staff/loss/{report.pk}/issue/")
    html = parse(page)
    assert_no_inline_code(html)
    assert html.one("input", name="identity_checked").attrs["list"] == "identity-documents"
    assert html.one("datalist", id="identity-documents")
    assert audits(AuditAction.READ, report)

    unconfirmed = client.post(f"/staff/loss/{report.pk}/issue/", {"identity_checked": "KK asli"})
    assert unconfirmed.status_code == 400
    assert "original documents" in error_text(unconfirmed, "originals_seen")
    blank = client.post(f"/staff/loss/{report.pk}/issue/", {"originals_seen": "on"})
    assert blank.status_code == 400
    assert "which original document" in error_text(blank, "identity_checked")
    assert not Certificate.objects.exists()

    data = {"identity_checked": "KK asli", "originals_seen": "on"}
    response = client.post(f"/staff/loss/{report.pk}/issue/", data)
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/loss/{report.pk}/#certificate"
    assert certificate.identity_checked == "KK asli" and certificate.issued_by == desk.officer
    detail = parse(client.get(response["Location"]))
    assert detail.one("dd", id="certificate-number").text == certificate.number
    assert certificate.number in detail.one("ul", class_="messages").text
    pdf_link = detail.one("a", id="certificate-pdf").attrs["href"]
    assert pdf_link == f"/staff/loss/certificates/{certificate.pk}.pdf"

    again = client.post(f"/staff/loss/{report.pk}/issue/", data)
    assert again.status_code == 400
    summary = parse(again).one("div", class_="error-summary").text
    assert "already issued" in summary
    assert not parse(again).all("form", id="issue-form")
    assert Certificate.objects.count() == 1
    assert Certificate.objects.get().number == certificate.number
    assert client.get(f"/staff/loss/{report.pk}/issue/").status_code == 302


def test_a_draft_is_not_issued_and_the_page_says_what_is_missing(client, desk):
    draft = online_draft(desk)
    sign_in(client, desk.officer)
    html = parse(client.get(f"/staff/loss/{draft.pk}/issue/"))
    assert not html.all("form", id="issue-form")
    response = client.post(
        f"/staff/loss/{draft.pk}/issue/", {"identity_checked": "SIM", "originals_seen": "on"}
    )
    assert response.status_code == 400
    summary = parse(response).one("div", class_="error-summary").text
    assert "NIK: Needed before the certificate can be issued." in summary
    assert not Certificate.objects.exists()


def test_the_pdf_is_the_certificate_never_stored_and_its_download_is_audited(client, desk):
    certificate = issued(desk)
    sign_in(client, desk.officer)
    response = client.get(f"/staff/loss/certificates/{certificate.pk}.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in cache_control(response)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.pdf"')
    assert "/" not in disposition.split("filename=")[1]
    (entry,) = audits(AuditAction.EXPORT, certificate.report)
    assert entry.actor == desk.officer and "nik" in entry.fields
    assert client.get("/staff/loss/certificates/999999.pdf").status_code == 404


def test_revoking_needs_a_reason_and_a_confirmation_step(client, desk):
    certificate = issued(desk)
    sign_in(client, desk.officer)
    detail = parse(client.get(f"/staff/loss/{certificate.report_id}/"))
    url = f"/staff/loss/certificates/{certificate.pk}/revoke/"
    assert detail.one("a", id="revoke-link").attrs["href"] == url
    confirm = client.get(url)
    assert confirm.status_code == 200 and not certificate_is_revoked(certificate)
    html = parse(confirm)
    assert_no_inline_code(html)
    assert html.one("form", id="revoke-form").attrs["method"] == "post"
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why" in error_text(refused, "reason")
    assert not certificate_is_revoked(certificate)
    response = client.post(url, {"reason": "Dokumen ditemukan kembali"})
    assert response.status_code == 302
    assert certificate_is_revoked(certificate)
    assert certificate.revocation_reason == "Dokumen ditemukan kembali"
    assert certificate.revoked_by == desk.officer
    page = parse(client.get(f"/staff/loss/{certificate.report_id}/"))
    assert "Dokumen ditemukan kembali" in page.one("div", id="certificate-revoked").text
    assert not page.all("a", id="revoke-link")
    twice = client.post(url, {"reason": "Lagi"})
    assert twice.status_code == 400
    assert "already revoked" in parse(twice).one("div", class_="error-summary").text
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "Dokumen ditemukan kembali"


# ---- the register and the monthly counts ------------------------------------------------


def test_the_register_shows_this_month_and_exports_xlsx_with_audit_rows(client, desk):
    certificate = issued(desk)
    draft = online_draft(desk)
    theirs = desk_report(
        desk, actor=desk.other_unit, unit=desk.polsek_timur, identity=identity(name="Dewi")
    )
    sign_in(client, desk.officer)
    response = client.get("/staff/loss/register/")
    assert response.status_code == 200
    assert "no-store" in cache_control(response)
    html = parse(response)
    assert_no_inline_code(html)
    table = html.one("table", id="register-table")
    assert "table-scroll" in next(p for p in table.parents if p.tag == "div").attrs["class"]
    headers = [" ".join(th.text.split()) for th in html.all("th", inside=table)]
    for column in ("Name", "Citizenship", "Address", "Phone", "Date of the loss",
                   "Place of the loss", "Documents", "Reported at", "Reference",
                   "Certificate number", "Status"):  # fmt: skip
        assert column in headers, column
    body = table.text
    assert certificate.report.reference in body and certificate.number in body
    assert draft.reference in body and theirs.reference not in body
    assert "Siti Aminah" in body and "Cut Meutia" in body and SITI_NIK not in body
    assert audits(AuditAction.READ, draft)

    export = html.one("a", id="register-xlsx").attrs["href"]
    xlsx = client.get(export)
    assert xlsx.status_code == 200
    assert "no-store" in cache_control(xlsx)
    assert xlsx["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Name"
    names = {row[1] for row in rows[1:]}
    assert names == {"Siti Aminah", "Rina Wati"}
    references = {row[10] for row in rows[1:]}
    assert references == {certificate.report.reference, draft.reference}
    for report in (certificate.report, draft):
        (entry,) = audits(AuditAction.EXPORT, report)
        assert entry.actor == desk.officer


def test_the_register_takes_a_period_and_a_unit_and_refuses_a_backward_one(client, desk):
    report = desk_report(desk)
    sign_in(client, desk.officer)
    past = client.get("/staff/loss/register/?start=2020-01-01&end=2020-01-31")
    assert past.status_code == 200 and report.reference not in past.content.decode()
    post = desk.post_kayuringin.pk
    at_post = client.get(f"/staff/loss/register/?start=2020-01-01&end=2020-12-31&unit={post}")
    assert at_post.status_code == 200
    backwards = client.get("/staff/loss/register/?start=2025-08-01&end=2025-07-01")
    assert backwards.status_code == 400
    assert error_text(backwards, "end")
    foreign = client.get(
        f"/staff/loss/register/?start=2025-01-01&end=2025-01-31&unit={desk.polsek_timur.pk}"
    )
    assert foreign.status_code == 400
    assert (
        client.get("/staff/loss/register.xlsx?start=2025-08-01&end=2025-07-01").status_code == 400
    )
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_monthly_counts_per_unit_and_document_with_xlsx(client, desk):
    kept = issued(desk)
    revoked = issued(desk)
    certificate_revoke(actor=desk.officer, certificate=revoked, reason="Ditemukan")
    sign_in(client, desk.officer)
    year = kept.year
    response = client.get(f"/staff/loss/monthly/?year={year}")
    assert response.status_code == 200
    html = parse(response)
    table = html.one("table", id="monthly-table")
    rows = [[" ".join(td.text.split()) for td in html.all("td", inside=tr)]
            for tr in html.all("tr", inside=table)][1:]  # fmt: skip
    assert [row[2:] for row in rows] == [
        ["Identity card (KTP-el)", "2", "1"],
        ["Family card (KK)", "2", "1"],
    ]
    assert all(row[0] == "Polsek Bekasi Selatan" for row in rows)
    xlsx = client.get(html.one("a", id="monthly-xlsx").attrs["href"])
    assert xlsx.status_code == 200 and "no-store" in cache_control(xlsx)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [row[2:] for row in values[1:]] == [("ktp", "Identity card (KTP-el)", 2, 1),
                                               ("kk", "Family card (KK)", 2, 1)]  # fmt: skip
    assert client.get("/staff/loss/monthly/?year=abc").status_code == 400


def test_the_staff_home_links_to_the_loss_reports(client, desk):
    sign_in(client, desk.officer)
    html = parse(client.get("/staff/"))
    assert html.one("a", id="loss-reports-link").attrs["href"] == "/staff/loss/"
    tabs = parse(client.get("/staff/loss/"))
    assert tabs.one("a", id="tab-loss-register").attrs["href"] == "/staff/loss/register/"
