"""/api/v1/loss-reports and /api/v1/certificates (issue 7 point 7): reports started by
officers and residents, refusals with field paths, retries, scope, issuing and
revoking, public verification, the register and the monthly counts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from openpyxl import load_workbook

from kamtibmas.accounts.models import Role
from kamtibmas.api.tests.client import api_client
from kamtibmas.api.tests.openapi_check import openapi_document, operation, problems, response_schema
from kamtibmas.certificates import api as certificates_api
from kamtibmas.certificates.models import Certificate, LossReport, ReportSource, ReportStatus
from kamtibmas.certificates.qr import b64url_decode, b64url_encode, canonical_json, parse
from kamtibmas.certificates.services import (
    certificate_issue,
    certificate_revoke,
    loss_report_start,
)
from kamtibmas.certificates.tests import vectors
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, identity
from kamtibmas.conftest import make_user
from kamtibmas.core.idempotency import (
    Claim,
    idempotency_claim,
    idempotency_release,
    request_fingerprint,
)
from kamtibmas.core.throttle import Limit
from kamtibmas.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/loss-reports"
CERTIFICATES = "/api/v1/certificates"
VERIFY = f"{CERTIFICATES}/verify"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MASKED_NIK = "************0002"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def identity_json(**changes: Any) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in identity(**changes).items()
    }


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "identity": identity_json(),
        "items": KTP_AND_KK,
        "lost_on": "2025-07-30",
        "lost_time": "10:15",
        "lost_place": "Pasar Baru Bekasi",
        "circumstances": "Dompet jatuh saat belanja.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def post(client: Client, path: str, data: Any, key: str | None = None, **extra: Any):
    headers = {"Idempotency-Key": key} if key is not None else {}
    content = data if isinstance(data, str) else json.dumps(data)
    return client.post(path, content, content_type="application/json", headers=headers, **extra)


def patch(client: Client, path: str, data: Any):
    return client.patch(path, json.dumps(data), content_type="application/json")


def desk_report(desk, **changes: Any) -> LossReport:
    arguments: dict[str, Any] = {
        "actor": desk.officer,
        "source": ReportSource.DESK,
        "unit": desk.polsek_selatan,
        "identity": identity(),
        "items": KTP_AND_KK,
        "lost_on": date(2025, 7, 30),
        "lost_place": "Pasar Baru Bekasi",
    }
    arguments.update(changes)
    return loss_report_start(**arguments)


def online_draft(desk) -> LossReport:
    """A resident's report started online: a draft with a name and a phone only."""
    return loss_report_start(
        actor=desk.resident,
        source=ReportSource.WEB,
        unit=desk.post_kayuringin,
        identity={"name": "Siti Aminah", "phone": "081234567890"},
        items=[{"type": "ktp", "details": {"nik": SITI_NIK}}],
        lost_on=date(2025, 7, 30),
        lost_place="Pasar",
    )


def issued(desk, **changes: Any) -> Certificate:
    now = changes.pop("now", None)
    return certificate_issue(
        actor=desk.officer, report=desk_report(desk, **changes), identity_checked="KK", now=now
    )


def fits(operation_id: str, answer, status: int = 200) -> None:
    document = openapi_document()
    schema = response_schema(document, operation_id, status)
    assert problems(document, schema, answer.json()) == []


# --- creating reports ------------------------------------------------------------------


def test_an_officer_records_a_report_at_the_desk(desk):
    client = api_client(desk.officer, language="en")

    answer = post(client, URL, body())

    assert answer.status_code == 201, answer.json()
    report = LossReport.objects.get()
    data = answer.json()
    assert answer.headers["Location"] == f"{URL}/{report.reference}"
    assert data["reference"] == report.reference
    assert (data["status"], data["source"]) == ("ready", "desk")
    assert data["unit"]["id"] == desk.polsek_selatan.pk
    assert data["identity"]["nik"] == SITI_NIK  # a desk officer checks it against the KTP
    assert data["identity"]["phone"] == "+6281234567890"
    assert data["identity"]["birth_date"] == "1990-05-25"
    assert data["items"][1] == {
        "type": "kk",
        "label": "Family card (KK)",
        "details": {"kk_number": "3275040101090011", "head": "Ahmad Yani"},
    }
    assert [entry["type"] for entry in data["checklist"]] == ["ktp", "kk"]
    assert data["checklist"][0]["issuer"].startswith("Dinas Kependudukan")
    assert data["missing"] == [] and data["certificate"] is None
    assert data["lost_time"] == "10:15"
    assert data["submitted_at"].endswith("+07:00")
    assert report.created_by == desk.officer and report.reporter is None
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, subject_id=str(report.pk), actor=desk.officer
    ).exists()
    fits("LossReportCreate", answer, 201)


def test_an_officer_records_a_report_at_a_dialogue(desk):
    from kamtibmas.engagements.models import DialogueType
    from kamtibmas.engagements.services import dialogue_record_past

    dialogue = dialogue_record_past(
        actor=desk.commander_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas",
        area=desk.rw024,
        unit=desk.polsek_selatan,
        venue_name="Balai RW 024",
        start=datetime(2025, 7, 31, 2, 0, tzinfo=UTC),
        end=datetime(2025, 7, 31, 4, 0, tzinfo=UTC),
    )

    answer = post(api_client(desk.officer_selatan), URL, body(dialogue=dialogue.pk))
    other = post(api_client(desk.officer_timur, language="en"), URL, body(dialogue=dialogue.pk))

    assert answer.status_code == 201
    assert answer.json()["source"] == "dialogue" and answer.json()["dialogue_id"] == dialogue.pk
    assert answer.json()["unit"]["id"] == desk.polsek_selatan.pk
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "dialogue"
    assert LossReport.objects.count() == 1


def test_a_resident_starts_an_online_draft_and_reads_only_their_own(desk):
    resident = api_client(desk.resident, language="en")
    draft = body(
        identity={"name": "Siti Aminah", "phone": "081234567890"},
        items=[{"type": "ktp", "details": {"nik": SITI_NIK}}],
        unit=desk.post_kayuringin.pk,
        reporter_consents_contact=True,
    )

    answer = post(resident, URL, draft)

    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert (data["status"], data["source"]) == ("draft", "web")
    assert data["unit"]["name"] == "Pos Polisi Kayuringin"
    assert data["reporter_consents_contact"] is True
    assert {"nik", "birth_date", "address"} <= set(data["missing"])
    assert data["items"][0]["details"] == {"nik": MASKED_NIK}
    report = LossReport.objects.get()
    assert report.reporter == desk.resident and report.created_by is None
    reference = data["reference"]

    mine = resident.get(f"{URL}/{reference.lower()}")
    assert mine.status_code == 200 and mine.json()["reference"] == reference
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()  # their own
    listed = resident.get(URL).json()["items"]
    assert [item["reference"] for item in listed] == [reference]

    neighbour = api_client(make_user("tetangga", Role.RESIDENT))
    assert neighbour.get(f"{URL}/{reference}").status_code == 404
    assert neighbour.get(URL).json()["items"] == []
    desk_report(desk)  # somebody else's report at the desk
    assert len(resident.get(URL).json()["items"]) == 1


def test_a_resident_must_name_the_post_and_cannot_record_at_a_dialogue(desk):
    resident = api_client(desk.resident, language="en")
    no_unit = post(resident, URL, body(identity={"name": "Siti", "phone": "081234567890"}))
    dialogue = post(resident, URL, body(unit=desk.post_kayuringin.pk, dialogue=1))

    assert no_unit.status_code == 422 and no_unit.json()["errors"][0]["field"] == "unit"
    assert dialogue.status_code == 422 and dialogue.json()["errors"][0]["field"] == "dialogue"
    assert not LossReport.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", f"{URL}/{{reference}}"),
        ("post", f"{URL}/{{reference}}/certificate"),
        ("get", f"{URL}/register?start=2025-08-01&end=2025-08-31"),
        ("get", f"{URL}/register.xlsx?start=2025-08-01&end=2025-08-31"),
        ("get", CERTIFICATES),
        ("get", f"{CERTIFICATES}/monthly?year=2025"),
        ("get", f"{CERTIFICATES}/monthly.xlsx?year=2025"),
    ],
)
def test_a_residents_token_is_403_on_the_desks_routes(desk, method, path):
    report = desk_report(desk)
    url = path.format(reference=report.reference)
    client = api_client(desk.resident)
    if method == "get":
        answer = client.get(url)
    else:
        data = json.dumps({"identity_checked": "KK"})
        answer = getattr(client, method)(url, data, content_type="application/json")
    assert answer.status_code == 403, answer.content
    assert not Certificate.objects.exists()


def test_without_a_token_only_the_public_operations_answer(desk):
    anonymous = Client(headers={"Accept-Language": "en"})
    assert anonymous.get(URL).status_code == 401
    assert post(anonymous, URL, body()).status_code == 401
    assert anonymous.get(f"{URL}/item-types").status_code == 200
    assert anonymous.get(VERIFY, {"qr": "x.y"}).status_code == 200


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"items": [{"type": "sim", "details": {"sim_class": "C"}}]}, "items.0.sim_number",
         "required"),
        ({"items": [{"type": "sim", "details": {"sim_number": "1", "sim_class": "C"}}]},
         "items.0.sim_number", "12 to 14"),
        ({"items": [{"type": "spaceship"}]}, "items.0.type", "spaceship"),
        ({"items": []}, "items", "at least one"),
        ({"identity": identity_json(nik="3299046505900002")}, "identity.nik", "kecamatan"),
        ({"identity": identity_json(birth_date="2099-01-01")}, "identity.birth_date", "future"),
        ({"identity": identity_json(phone=None)}, "identity.phone", "required"),
        ({"lost_on": "2999-01-01"}, "lost_on", "future"),
        ({"lost_place": "  "}, "lost_place", "where"),
        ({"lost_time": "25:00"}, "lost_time", "HH:MM"),
        ({"lost_on": "30-07-2025"}, "lost_on", "YYYY-MM-DD"),
        ({"identity": {"name": "Siti", "phone": "0812345", "sex": "X"}}, "identity.sex", ""),
        ({"status": "issued"}, "status", "Unknown field"),
        ({"area": "99.99"}, "area", "no area"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_its_field_path_and_nothing_is_stored(
    desk, changes, field, fragment
):
    answer = post(api_client(desk.officer, language="en"), URL, body(**changes))

    assert answer.status_code == 422, answer.json()
    errors = {error["field"]: error["message"] for error in answer.json()["errors"]}
    assert field in errors, errors
    assert fragment in errors[field]
    assert not LossReport.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_body_that_is_not_json_is_400(desk):
    answer = post(api_client(desk.officer, language="en"), URL, "{not json")
    assert answer.status_code == 400 and answer.json()["code"] == "malformed_json"


# --- retries ---------------------------------------------------------------------------


def _fingerprint(path: str, data: dict) -> str:
    request = RequestFactory().post(path, json.dumps(data), content_type="application/json")
    return request_fingerprint(request)


def test_a_retried_create_replays_the_first_answer_and_creates_nothing(desk):
    client = api_client(desk.officer)
    key = str(uuid.uuid4())

    first = post(client, URL, body(), key)
    again = post(client, URL, body(), key)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert LossReport.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_changes_nothing(desk):
    client = api_client(desk.officer, language="en")
    key = str(uuid.uuid4())
    assert post(client, URL, body(), key).status_code == 201

    refused = post(client, URL, body(lost_place="Stasiun Bekasi"), key)

    assert refused.status_code == 422
    assert refused.json()["code"] == "idempotency_key_reused"
    assert LossReport.objects.count() == 1


def test_a_retry_while_the_first_is_in_flight_is_409(desk):
    key = str(uuid.uuid4())
    claim = idempotency_claim(
        client=f"user:{desk.officer.pk}", key=key, fingerprint=_fingerprint(URL, body())
    )
    client = api_client(desk.officer, language="en")

    answer = post(client, URL, body(), key)

    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_in_flight"
    assert not LossReport.objects.exists()
    assert isinstance(claim, Claim)
    idempotency_release(claim)
    assert post(client, URL, body(), key).status_code == 201


def test_a_refused_create_releases_its_key(desk):
    client = api_client(desk.officer, language="en")
    key = str(uuid.uuid4())
    assert post(client, URL, body(lost_on="2999-01-01"), key).status_code == 422
    assert post(client, URL, body(lost_on="2999-01-01"), key).status_code == 422
    assert not LossReport.objects.exists()


def test_every_create_documents_the_header():
    document = openapi_document()
    for name in ("LossReportCreate", "CertificateIssue", "CertificateRevoke"):
        _path, _method, found = operation(document, name)
        headers = [p["name"] for p in found.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in headers, name


# --- reading, scope and masking --------------------------------------------------------


def test_another_units_officer_finds_nothing(desk):
    report = desk_report(desk)
    certificate = certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    other = api_client(desk.other_unit, language="en")
    before = AuditEntry.objects.count()

    assert other.get(f"{URL}/{report.reference}").status_code == 404
    assert patch(other, f"{URL}/{report.reference}", {"lost_place": "x"}).status_code == 404
    issue = post(other, f"{URL}/{report.reference}/certificate", {"identity_checked": "KK"})
    assert issue.status_code == 404
    assert other.get(f"{CERTIFICATES}/{certificate.pk}").status_code == 404
    revoke = post(other, f"{CERTIFICATES}/{certificate.pk}/revoke", {"reason": "salah"})
    assert revoke.status_code == 404 and revoke.json()["code"] == "not_found"
    assert other.get(URL).json()["items"] == []
    assert other.get(CERTIFICATES).json()["items"] == []
    assert other.get(URL, {"unit": desk.polsek_selatan.pk}).status_code == 422
    assert AuditEntry.objects.count() == before
    certificate.refresh_from_db()
    assert not certificate.revoked


def test_roles_that_do_not_handle_loss_reports_are_refused(desk):
    desk_report(desk)
    handler = api_client(make_user("handler", Role.HANDLER, desk.polsek_selatan))
    assert handler.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("who", "unmasked"),
    [("officer", True), ("commander_selatan", True), ("officer_selatan", False), ("admin", False)],
)
def test_security_9_the_nik_is_shown_in_full_only_to_the_desk_and_commanders(desk, who, unmasked):
    report = desk_report(desk)
    reader = getattr(desk, who)

    answer = api_client(reader).get(f"{URL}/{report.reference}")

    assert answer.status_code == 200
    data = answer.json()
    assert data["identity"]["nik"] == (SITI_NIK if unmasked else MASKED_NIK)
    assert data["items"][0]["details"]["nik"] == (SITI_NIK if unmasked else MASKED_NIK)
    assert data["items"][1]["details"]["head"] == "Ahmad Yani"  # not an identifier
    audit = AuditEntry.objects.filter(action=AuditAction.READ).get()
    assert (audit.actor, audit.subject_id) == (reader, str(report.pk))
    assert audit.reason == "API: loss report"
    assert ("nik" in audit.fields) is unmasked and "address" in audit.fields
    fits("LossReportGet", answer)


def test_the_list_filters_by_status_unit_nik_and_phone_and_audits_each_report(desk):
    siti = desk_report(desk)
    other = desk_report(
        desk,
        identity=identity(name="Ahmad", nik=None, phone="081299990000"),
        unit=desk.post_kayuringin,
    )
    client = api_client(desk.officer, language="en")

    def references(**query: Any) -> list[str]:
        answer = client.get(URL, query)
        assert answer.status_code == 200, answer.json()
        return [item["reference"] for item in answer.json()["items"]]

    def found(**body: Any) -> list[str]:
        answer = post(client, f"{URL}/search", body)
        assert answer.status_code == 200, answer.json()
        return [item["reference"] for item in answer.json()["items"]]

    assert references() == [other.reference, siti.reference]
    assert found(nik="3275-0465-0590-0002") == [siti.reference]
    assert found(phone="+62 812 9999 0000") == [other.reference]
    assert found(phone="+62 812 9999 0000", unit=desk.post_kayuringin.pk) == [other.reference]
    assert found(phone="+62 812 9999 0000", status="ready") == []
    assert references(unit=desk.post_kayuringin.pk) == [other.reference]
    assert references(status="ready") == [siti.reference]
    assert references(status="draft") == [other.reference]  # no NIK yet
    assert references(status="issued") == []
    reads = AuditEntry.objects.filter(action=AuditAction.READ, reason="API: loss report list")
    assert reads.count() == 2 + 1 + 1 + 1
    searches = AuditEntry.objects.filter(action=AuditAction.READ, reason="API: loss report search")
    assert searches.count() == 1 + 1 + 1
    assert {tuple(entry.fields) for entry in reads | searches} == {("name",)}

    page = client.get(URL, {"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(URL, {"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [item["reference"] for item in rest["items"]] == [siti.reference]
    fits("LossReportList", client.get(URL))
    fits("LossReportSearch", post(client, f"{URL}/search", {"nik": "3275046505900002"}))


def test_a_search_that_is_not_by_an_identifier_is_refused(desk):
    client = api_client(desk.officer, language="en")
    answer = post(client, f"{URL}/search", {"nik": "1234"})
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert (error["field"], error["location"]) == ("nik", "body")
    assert "16 digits" in error["message"]
    assert post(client, f"{URL}/search", {"status": "draft"}).status_code == 422
    assert post(client, f"{URL}/search", {"nik": SITI_NIK, "x": 1}).status_code == 422
    # Identifiers never go in the URL: the list refuses them, pointing at the search.
    for name in ("nik", "phone"):
        in_url = client.get(URL, {name: "081234567890"})
        assert in_url.status_code == 422
        (error,) = in_url.json()["errors"]
        assert (error["field"], error["code"]) == (name, "identifier_in_url")
        assert "POST" in error["message"]
    assert client.get(URL, {"stauts": "draft"}).status_code == 422
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()


def test_the_desk_completes_a_draft(desk):
    draft = online_draft(desk)
    client = api_client(desk.officer, language="en")

    wrong = patch(client, f"{URL}/{draft.reference}", {"identity": {"nik": "12"}})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "identity.nik"
    null = patch(client, f"{URL}/{draft.reference}", {"lost_place": None})
    assert null.status_code == 422

    answer = patch(
        client,
        f"{URL}/{draft.reference}",
        {"identity": identity_json(), "items": KTP_AND_KK, "lost_time": "08:00"},
    )

    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "ready" and answer.json()["missing"] == []
    assert answer.json()["lost_time"] == "08:00" and len(answer.json()["items"]) == 2
    draft.refresh_from_db()
    assert draft.status == ReportStatus.READY and draft.nik == SITI_NIK
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, subject_id=str(draft.pk)).exists()
    community = api_client(desk.officer_selatan)
    assert patch(community, f"{URL}/{draft.reference}", {"lost_place": "x"}).status_code == 403


# --- issuing and revoking --------------------------------------------------------------


def test_issuing_through_the_api_and_issuing_twice(desk):
    report = desk_report(desk)
    client = api_client(desk.officer, language="en")
    path = f"{URL}/{report.reference}/certificate"

    answer = post(client, path, {"identity_checked": "KK asli"}, str(uuid.uuid4()))

    assert answer.status_code == 201, answer.json()
    certificate = Certificate.objects.get()
    data = answer.json()
    assert answer.headers["Location"] == f"{CERTIFICATES}/{certificate.pk}"
    assert data["number"] == certificate.number and data["report"] == report.reference
    assert data["item_types"] == ["ktp", "kk"]
    assert data["officer"] == {"name": "Budi Santoso", "rank": "Aipda", "nrp": "85031234"}
    assert data["verify_url"].endswith("/verify/" + certificate.qr_text)
    assert data["revoked"] is False and data["issued_at"].endswith("+07:00")
    assert SITI_NIK not in answer.content.decode()
    fits("CertificateIssue", answer, 201)

    again = post(client, path, {"identity_checked": "KK asli"}, str(uuid.uuid4()))
    assert again.status_code == 422
    assert again.json()["code"] == "already_issued"
    assert "already issued" in again.json()["detail"]
    assert Certificate.objects.count() == 1
    shown = client.get(f"{URL}/{report.reference}").json()
    assert shown["status"] == "issued" and shown["certificate"]["id"] == certificate.pk


def test_an_incomplete_report_is_not_issued_and_says_what_is_missing(desk):
    draft = online_draft(desk)
    answer = post(
        api_client(desk.officer, language="en"),
        f"{URL}/{draft.reference}/certificate",
        {"identity_checked": ""},
    )
    assert answer.status_code == 422
    fields = {error["field"] for error in answer.json()["errors"]}
    assert {"identity.nik", "identity.address", "identity_checked"} <= fields
    assert not Certificate.objects.exists()


def test_community_officers_do_not_issue(desk):
    report = desk_report(desk)
    answer = post(
        api_client(desk.officer_selatan, language="en"),
        f"{URL}/{report.reference}/certificate",
        {"identity_checked": "KK"},
    )
    assert answer.status_code == 403
    assert not Certificate.objects.exists()


def test_revoking_and_revoking_twice(desk):
    certificate = issued(desk)
    client = api_client(desk.officer, language="en")
    path = f"{CERTIFICATES}/{certificate.pk}/revoke"

    blank = post(client, path, {"reason": "  "})
    answer = post(client, path, {"reason": "Data salah ketik"}, "revoke-1")
    replay = post(client, path, {"reason": "Data salah ketik"}, "revoke-1")
    again = post(client, path, {"reason": "lagi"})

    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    assert answer.status_code == 200, answer.json()
    assert answer.json()["revoked"] is True
    assert answer.json()["revocation_reason"] == "Data salah ketik"
    assert answer.json()["revoked_at"].endswith("+07:00")
    assert replay.content == answer.content and replay.headers["Idempotent-Replayed"] == "true"
    assert again.status_code == 422 and again.json()["code"] == "already_revoked"
    verdict = Client().get(VERIFY, {"qr": certificate.qr_text}).json()
    assert verdict["reason"] == "revoked"
    fits("CertificateRevoke", answer)


def test_certificates_are_listed_and_found_by_number(desk):
    august = issued(desk, now=datetime(2025, 8, 31, 16, 30, tzinfo=UTC))  # 23.30 WIB
    september = issued(desk, now=datetime(2025, 8, 31, 17, 30, tzinfo=UTC))  # 00.30 WIB
    certificate_revoke(actor=desk.officer, certificate=august, reason="Salah")
    client = api_client(desk.officer)

    def ids(**query: Any) -> list[int]:
        answer = client.get(CERTIFICATES, query)
        assert answer.status_code == 200, answer.json()
        return [item["id"] for item in answer.json()["items"]]

    assert ids() == [september.pk, august.pk]
    assert ids(month="2025-08") == [august.pk]
    assert ids(month="2025-09") == [september.pk]
    assert ids(revoked="true") == [august.pk]
    assert ids(revoked="false") == [september.pk]
    assert ids(number=september.number) == [september.pk]
    assert ids(unit=desk.polsek_selatan.pk) == [september.pk, august.pk]
    assert client.get(CERTIFICATES, {"month": "2025-13"}).status_code == 422
    one = client.get(f"{CERTIFICATES}/{august.pk}")
    assert one.status_code == 200 and one.json()["number"] == august.number
    assert one.json()["issued_at"] == "2025-08-31T23:30:00+07:00"
    fits("CertificateGet", one)
    fits("CertificateList", client.get(CERTIFICATES))


# --- public verification ---------------------------------------------------------------


def publish_vector_key(settings) -> None:
    """Publish the golden vectors' key as a retired key of this deployment."""
    directory = Path(settings.DATA_DIR) / "keys" / "certificates"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    registry = {
        "keys": [
            {
                "kid": vectors.KID,
                "status": "retired",
                "created": "2025-09-01",
                "x": vectors.PUBLIC_X,
            }
        ]
    }
    (directory / "registry.json").write_text(json.dumps(registry))


def verify(text: str):
    return Client().get(VERIFY, {"qr": text})


def test_a_valid_certificate_verifies_without_a_token(desk):
    certificate = issued(desk)

    answer = verify(certificate.qr_text)

    assert answer.status_code == 200
    data = answer.json()
    assert (data["outcome"], data["reason"]) == ("valid", None)
    assert "detail" not in data
    assert data["certificate"]["no"] == certificate.number
    assert data["certificate"]["name"] == "S*** A*****"
    assert data["certificate"]["items"] == ["ktp", "kk"]
    assert set(data["certificate"]) == {"no", "type", "iat", "exp", "unit", "name", "items"}
    assert SITI_NIK not in answer.content.decode() and "Siti" not in answer.content.decode()
    url = f"https://kamtibmas.example.id/verify/{certificate.qr_text}"
    assert verify(url).json() == data
    fits("CertificateVerify", answer)


def test_the_golden_vector_verifies_only_with_its_key_published(desk, settings):
    unknown = verify(vectors.TEXT).json()
    assert unknown == {"outcome": "invalid", "reason": "unknown_key"}

    publish_vector_key(settings)
    expired = verify(vectors.TEXT).json()  # valid through 1 October 2025
    assert (expired["outcome"], expired["reason"]) == ("invalid", "expired")
    assert expired["certificate"]["no"] == "SKTLK/0042/IX/2025/Sek.Bks.Sel"
    assert expired["certificate"]["exp"] == "2025-10-01"

    payload = vectors.TEXT.split(".")[0]
    flipped = bytearray(vectors.SIGNATURE)
    flipped[0] ^= 1
    tampered = verify(f"{payload}.{b64url_encode(bytes(flipped))}").json()
    assert tampered == {"outcome": "invalid", "reason": "bad_signature"}


def test_an_expired_certificate(desk):
    certificate = issued(desk, now=datetime(2025, 8, 1, 2, 0, tzinfo=UTC))
    data = verify(certificate.qr_text).json()
    assert data["reason"] == "expired" and data["certificate"]["exp"] == "2025-08-30"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("a b.c d", "bad_characters"),
        ("abc", "not_two_parts"),
        ("abc.def=", "padding"),
        ("a" * 3000, "too_long"),
    ],
)
def test_a_malformed_text_says_why(desk, text, detail):
    answer = verify(text)
    assert answer.status_code == 200
    assert answer.json() == {"outcome": "invalid", "reason": "malformed", "detail": detail}


def test_a_forged_text_and_a_text_naming_no_certificate_answer_the_same(
    desk, django_assert_num_queries
):
    real = issued(desk)
    payload, signature = parse(real.qr_text)
    flipped = bytearray(signature)
    flipped[5] ^= 0x40
    forged = f"{real.qr_text.split('.')[0]}.{b64url_encode(bytes(flipped))}"
    elsewhere = {**payload, "no": "SKTLK/9999/IX/2025/Tidak.Ada"}
    unknown_number = f"{b64url_encode(canonical_json(elsewhere))}.{real.qr_text.split('.')[1]}"
    assert b64url_decode(unknown_number.split(".")[0]) != b64url_decode(real.qr_text.split(".")[0])
    client = Client()

    with django_assert_num_queries(0):  # nothing is looked up for a bad signature
        first = client.get(VERIFY, {"qr": forged})
        second = client.get(VERIFY, {"qr": unknown_number})

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.json() == {"outcome": "invalid", "reason": "bad_signature"}


def test_verification_is_rate_limited(desk, monkeypatch):
    monkeypatch.setattr(certificates_api, "VERIFY_PER_CLIENT", Limit(attempts=2, seconds=60))
    client = Client(headers={"Accept-Language": "en"})
    answers = [client.get(VERIFY, {"qr": "x.y"}) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "throttled"


# --- the catalogue ---------------------------------------------------------------------


def test_the_item_types_are_public_and_in_the_clients_language(desk):
    english = Client(headers={"Accept-Language": "en"}).get(f"{URL}/item-types")
    indonesian = Client().get(f"{URL}/item-types")

    assert english.status_code == 200
    sim = next(kind for kind in english.json() if kind["code"] == "sim")
    assert sim["label"] == "Driving licence (SIM)"
    assert sim["fields"][0] == {
        "code": "sim_number",
        "label": "SIM number",
        "required": True,
        "sensitive": True,
    }
    assert sim["issuer"] == "Satpas SIM of the Polres" and sim["bring"]
    assert len(english.json()) == 15
    ktp = next(kind for kind in indonesian.json() if kind["code"] == "ktp")
    assert ktp["label"] == "Kartu Tanda Penduduk (KTP-el)"
    fits("LossReportItemTypeList", english)


# --- the register and the monthly counts -----------------------------------------------


def test_the_register_as_json_and_as_a_workbook(desk):
    report = desk_report(desk)
    LossReport.objects.filter(pk=report.pk).update(
        submitted_at=datetime(2025, 8, 31, 16, 30, tzinfo=UTC)  # 23.30 WIB
    )
    late = desk_report(desk, identity=identity(name="Ahmad", nik=None, phone="081299990000"))
    LossReport.objects.filter(pk=late.pk).update(
        submitted_at=datetime(2025, 8, 31, 17, 30, tzinfo=UTC)  # 00.30 WIB, 1 September
    )
    client = api_client(desk.officer, language="en")
    period = {"start": "2025-08-01", "end": "2025-08-31"}

    rows = client.get(f"{URL}/register", period)

    assert rows.status_code == 200, rows.json()
    assert rows.headers["Cache-Control"] == "private, no-store"
    (row,) = rows.json()
    assert row["reference"] == report.reference and row["name"] == "Siti Aminah"
    assert row["phone"] == "+6281234567890" and row["citizenship"] == "WNI"
    assert row["documents"] == "Identity card (KTP-el), Family card (KK)"
    assert row["reported_at"] == "2025-08-31T23:30:00+07:00"
    assert SITI_NIK not in rows.content.decode()
    fits("LossReportRegisterGet", rows)
    audit = AuditEntry.objects.filter(reason="loss report register")
    assert [(entry.action, entry.subject_id) for entry in audit] == [
        (AuditAction.READ, str(report.pk))
    ]

    export = client.get(f"{URL}/register.xlsx", period)

    assert export.status_code == 200
    assert export.headers["Content-Type"] == XLSX
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.headers["Cache-Control"] == "private, no-store"
    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet.cell(1, 2).value == "Name"
    assert sheet.cell(2, 2).value == "Siti Aminah"
    assert sheet.cell(2, 9).value == datetime(2025, 8, 31, 23, 30)
    assert sheet.max_row == 2
    assert audit.filter(action=AuditAction.EXPORT).count() == 1


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2025-08-31", "end": "2025-08-01"},
        {"start": "2024-01-01", "end": "2025-08-01"},
        {"start": "2025-08-01"},
        {"start": "yesterday", "end": "2025-08-01"},
    ],
)
def test_a_register_period_that_is_not_one_is_422(desk, query):
    answer = api_client(desk.officer, language="en").get(f"{URL}/register", query)
    assert answer.status_code == 422
    assert not AuditEntry.objects.filter(reason="loss report register").exists()


def test_community_officers_do_not_read_the_register(desk):
    desk_report(desk)
    answer = api_client(desk.officer_selatan).get(
        f"{URL}/register", {"start": "2025-01-01", "end": "2025-12-31"}
    )
    assert answer.status_code == 403


def test_the_monthly_counts_as_json_and_as_a_workbook(desk):
    issued(desk, now=datetime(2025, 8, 31, 16, 30, tzinfo=UTC))  # 23.30 WIB: August
    late = issued(desk, now=datetime(2025, 8, 31, 17, 30, tzinfo=UTC))  # 00.30 WIB: September
    certificate_revoke(actor=desk.officer, certificate=late, reason="Salah")
    client = api_client(desk.officer, language="en")

    answer = client.get(f"{CERTIFICATES}/monthly", {"year": 2025})

    assert answer.status_code == 200, answer.json()
    assert [
        (count["month"], count["item_type"], count["issued"], count["revoked"])
        for count in answer.json()
    ] == [
        ("2025-08", "ktp", 1, 0),
        ("2025-08", "kk", 1, 0),
        ("2025-09", "ktp", 1, 1),
        ("2025-09", "kk", 1, 1),
    ]
    assert answer.json()[0]["label"] == "Identity card (KTP-el)"
    assert answer.json()[0]["unit_name"] == "Polsek Bekasi Selatan"
    fits("CertificateMonthlyCountList", answer)
    assert api_client(desk.other_unit).get(f"{CERTIFICATES}/monthly", {"year": 2025}).json() == []

    export = client.get(f"{CERTIFICATES}/monthly.xlsx", {"year": 2025})

    assert export.status_code == 200 and export.headers["Content-Type"] == XLSX
    sheet = load_workbook(BytesIO(export.content)).active
    assert [sheet.cell(row, 2).value for row in range(2, 6)] == [
        datetime(2025, 8, 1),
        datetime(2025, 8, 1),
        datetime(2025, 9, 1),
        datetime(2025, 9, 1),
    ]
    assert client.get(f"{CERTIFICATES}/monthly", {"year": "x"}).status_code == 422


# --- the PDF, withdrawing, contact consent -----------------------------------------------


def test_the_desk_downloads_the_pdf_and_each_download_is_an_audited_export(desk):
    from kamtibmas.certificates.pdf import qr_text_from_pdf

    certificate = issued(desk)
    answer = api_client(desk.officer, language="en").get(f"{CERTIFICATES}/{certificate.pk}/pdf")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Cache-Control"] == "private, no-store"
    assert certificate.number.replace("/", "-") in answer["Content-Disposition"]
    assert qr_text_from_pdf(answer.content).endswith(f"/verify/{certificate.qr_text}")
    exports = AuditEntry.objects.filter(action=AuditAction.EXPORT, reason="certificate PDF (api)")
    assert exports.count() == 1 and "nik" in exports.get().fields
    for actor, status in ((desk.officer_selatan, 403), (desk.other_unit, 404)):
        denied = api_client(actor, language="en").get(f"{CERTIFICATES}/{certificate.pk}/pdf")
        assert denied.status_code == status
    assert exports.count() == 1


def test_the_resident_withdraws_their_own_draft_and_an_issued_report_stays(desk):
    draft = online_draft(desk)
    resident = api_client(desk.resident, language="en")
    answer = post(resident, f"{URL}/{draft.reference}/withdraw", {"reason": "Ketemu"}, "w-1")
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"
    certificate = issued(desk)
    refused = post(
        api_client(desk.officer, language="en"),
        f"{URL}/{certificate.report.reference}/withdraw",
        {"reason": "Ketemu"},
    )
    assert refused.status_code == 422
    certificate.report.refresh_from_db()
    assert certificate.report.status == ReportStatus.ISSUED


def test_contact_is_shown_once_the_officer_and_the_resident_agree_through_the_api(desk):
    draft = online_draft(desk)
    path = f"{URL}/{draft.reference}/contact"
    officer = post(api_client(desk.officer_selatan, language="en"), path, {"consents": True})
    assert officer.status_code == 200, officer.json()
    resident = post(api_client(desk.resident, language="en"), path, {"consents": True})
    assert resident.status_code == 200
    draft.refresh_from_db()
    assert draft.contact_shared and draft.handling_officer == desk.officer_selatan
    other = post(api_client(desk.officer_timur, language="en"), path, {"consents": True})
    assert other.status_code == 404
