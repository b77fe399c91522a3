"""The field app's server side (issue 12 point 1; SECURITY.md 19 and 22): the
manifest and service worker, the shell page, the reference lists, the household
lookup, and the four kinds of queued entries (aspiration, attendance, inspection,
loss report), each recorded once under its Idempotency-Key through the same services
as the online forms."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from kamtibmas.accounts.models import Role
from kamtibmas.aid import offline
from kamtibmas.aid.services import household_register
from kamtibmas.areas.services import area_rt_get_or_create
from kamtibmas.aspirations.models import Aspiration, Privacy, Source
from kamtibmas.certificates.models import LossReport, ReportSource, ReportStatus
from kamtibmas.certificates.tests.conftest import SITI_NIK
from kamtibmas.conftest import make_user
from kamtibmas.core.idempotency import (
    Claim,
    idempotency_claim,
    idempotency_client,
    idempotency_release,
    request_fingerprint,
)
from kamtibmas.core.models import IdempotencyKey
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueType,
    FollowUp,
    Inspection,
    InspectionFinding,
    InspectionItem,
)
from kamtibmas.engagements.services import dialogue_cancel, dialogue_record_past
from kamtibmas.privacy.models import AuditEntry
from kamtibmas.web import field
from kamtibmas.web.tests.test_dialogues import held, upcoming
from kamtibmas.web.tests.test_loss_staff import new_report_data
from kamtibmas.web.tests.test_views import parse

__all__ = ["held", "upcoming"]  # the fixtures, imported for this module

ASPIRATION = {
    "text": "Lampu jalan di gang RT 001 mati sejak sebulan, rawan jambret malam hari.",
    "spot_answer": "Akan disampaikan ke kelurahan.",
    "rw": 24,
    "rt": 1,
    "category": "",
    "urgency": "",
    "privacy": "confidential",
    "reporter_name": "Siti Aminah",
    "reporter_phone": "081234567890",
}


def base(dialogue) -> str:
    return f"/staff/field/dialogues/{dialogue.pk}/"


def send(client, dialogue, kind, data, key=None):
    return client.post(
        base(dialogue) + kind,
        json.dumps(data),
        content_type="application/json",
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def first_items(count: int) -> list[InspectionItem]:
    return list(InspectionItem.objects.filter(is_active=True).order_by("position", "code")[:count])


def inspection(**changes) -> dict:
    ok, problem = first_items(2)
    data = {
        "inspected_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "notes": "Gang sempit, padat.",
        "findings": [
            {"item": ok.code, "result": "ok", "note": ""},
            {"item": problem.code, "result": "problem", "note": "Dua lampu mati."},
        ],
    }
    data.update(changes)
    return data


@pytest.fixture
def officer(client, bekasi):
    client.force_login(bekasi.officer_selatan)
    client.cookies["kamtibmas_language"] = "en"
    return client


# ---- the app, the page, the lists ----------------------------------------------------


def test_the_manifest_names_the_app_in_indonesian_inside_the_field_pages(client):
    response = client.get("/staff/field/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = response.json()
    assert data["name"] == "Kamtibmas Lapangan" and data["lang"] == "id"
    assert data["start_url"] == data["scope"] == "/staff/field/"
    assert data["display"] == "standalone"
    assert data["icons"][0]["src"].endswith("kamtibmas/icon.svg")
    assert client.get(data["icons"][0]["src"]).status_code == 200


def test_the_service_worker_keeps_only_the_field_pages_and_static_files(client):
    response = client.get("/staff/field/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert f'var CACHE = "{field.CACHE}";' in body and field.CACHE == "kamtibmas-field-v3"
    assert r"/^\/staff\/field\/(dialogues\/\d+\/)?$/" in body
    assert 'method !== "GET"' in body and '"/static/"' in body


def test_the_field_page_is_a_shell_without_personal_data(officer, held):
    send(officer, held, "aspirations", ASPIRATION)
    response = officer.get(base(held))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Siti Aminah" not in body and "081234567890" not in body
    assert 'rel="manifest" href="/staff/field/manifest.webmanifest"' in body
    assert "offline-queue.js" in body and "field.js" in body and 'id="field-texts"' in body
    page = parse(body)
    inline = [e.attrs for e in page.all("script") if "src" not in e.attrs]
    assert inline == [{"id": "field-texts", "type": "application/json"}]  # data, not code
    assert not [e.tag for e in page.elements if "style" in e.attrs]
    # The dialogue's pages lead to it; the home page lists it.
    assert f'href="{base(held)}"' in officer.get(f"/staff/dialogues/{held.pk}/").content.decode()
    home = officer.get("/staff/field/")
    assert home.status_code == 200 and f'id="field-dialogue-{held.pk}"' in home.content.decode()


def test_the_reference_lists_carry_a_version_that_follows_their_content(officer, held, bekasi):
    first = officer.get(base(held) + "reference.json")
    assert first.status_code == 200 and "no-store" in first["Cache-Control"]
    data = first.json()
    assert data["places"] == [{"rw": 24, "rts": []}]
    assert [code for code, _label in data["privacy"]] == ["public", "confidential", "anonymous"]
    assert len(data["checklist"]) == InspectionItem.objects.filter(is_active=True).count() > 0
    assert data["attendance"] == {"residents": 0, "leaders": 0, "children": 0}
    page = officer.get(base(held)).content.decode()
    assert f'data-version="{data["version"]}"' in page
    area_rt_get_or_create(rw=bekasi.rw024, number=3)
    again = officer.get(base(held) + "reference.json").json()
    assert again["places"] == [{"rw": 24, "rts": [3]}]
    assert again["version"] != data["version"]


@pytest.mark.parametrize("who,expected", [("resident", 403), ("officer_timur", 404)])
def test_others_are_refused_or_do_not_find_the_dialogue(client, bekasi, held, who, expected):
    client.force_login(getattr(bekasi, who))
    for path in ("", "reference.json", "sync"):
        assert client.get(base(held) + path).status_code == expected, path
    for kind, data in (
        ("aspirations", ASPIRATION),
        ("attendance", {"residents": 1, "leaders": 1, "children": 1}),
        ("inspection", inspection()),
        ("loss-reports", new_report_data(bekasi)),
    ):
        assert send(client, held, kind, data).status_code == expected, kind
    assert client.get(base(held) + "households.json").status_code == expected
    assert Aspiration.objects.count() == 0 and Inspection.objects.count() == 0
    assert LossReport.objects.count() == 0
    assert Dialogue.objects.get(pk=held.pk).residents_count == 0


def test_a_handler_of_the_unit_may_not_use_the_field_app(client, bekasi, held):
    handler = make_user("handler.selatan", Role.HANDLER, bekasi.polsek_selatan)
    client.force_login(handler)
    assert client.get(base(held)).status_code == 403
    assert send(client, held, "aspirations", ASPIRATION).status_code == 403
    assert Aspiration.objects.count() == 0
    # The desk records loss reports, at the desk: not through the field app.
    client.force_login(make_user("spkt.selatan", Role.DESK_OFFICER, bekasi.polsek_selatan))
    assert send(client, held, "loss-reports", new_report_data(bekasi)).status_code == 403
    assert client.get(base(held) + "households.json").status_code == 403
    assert LossReport.objects.count() == 0


def test_a_unit_that_sees_but_does_not_organise_the_dialogue_may_not_record(client, bekasi):
    """A Polres dialogue in Bekasi Selatan: the Polsek sees it, only the Polres records."""
    start = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    polres_dialogue = dialogue_record_past(
        actor=bekasi.commander_polres,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas Polres",
        area=bekasi.rw024,
        unit=bekasi.polres,
        venue_name="Balai RW 024",
        start=start,
        end=start + timedelta(hours=2),
    )
    client.force_login(bekasi.officer_selatan)
    assert client.get(base(polres_dialogue)).status_code == 403
    assert send(client, polres_dialogue, "aspirations", ASPIRATION).status_code == 403
    assert send(client, polres_dialogue, "loss-reports", new_report_data(bekasi)).status_code == 403
    assert client.get(base(polres_dialogue) + "households.json").status_code == 403
    assert Aspiration.objects.count() == 0 and LossReport.objects.count() == 0


def test_the_entries_need_the_csrf_token_the_sync_url_hands_out(bekasi, held):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bekasi.officer_selatan)
    assert send(client, held, "aspirations", ASPIRATION).status_code == 403
    assert Aspiration.objects.count() == 0
    token = client.get(base(held) + "sync").json()["csrf"]
    response = client.post(
        base(held) + "aspirations",
        json.dumps(ASPIRATION),
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4()), "X-CSRFToken": token},
    )
    assert response.status_code == 201 and Aspiration.objects.count() == 1


# ---- aspirations -----------------------------------------------------------------------


def test_an_aspiration_is_recorded_once_however_often_it_is_sent(officer, held, bekasi):
    key = str(uuid.uuid4())
    first = send(officer, held, "aspirations", ASPIRATION, key)
    assert first.status_code == 201, first.content
    case = Aspiration.objects.get()
    answer = first.json()
    assert answer["state"] == "sent" and answer["case"] == case.number
    assert case.number in answer["message"]
    assert case.source == Source.DIALOGUE and case.dialogue_id == held.pk
    assert case.privacy == Privacy.CONFIDENTIAL and case.reporter_name == "Siti Aminah"
    assert case.area.code == "32.75.04.1005.024.001"  # RT 001 created on first use
    # The answer was lost; the phone sends the same entry again: the first answer.
    again = send(officer, held, "aspirations", ASPIRATION, key)
    assert again.status_code == 201 and again.json() == answer
    assert Aspiration.objects.count() == 1
    # The same key with another body: refused, nothing new.
    other = send(officer, held, "aspirations", {**ASPIRATION, "text": "Lain."}, key)
    assert other.status_code == 422 and other.json()["state"] == "rejected"
    assert other.json()["message"]
    assert Aspiration.objects.count() == 1


def test_an_anonymous_aspiration_keeps_no_identity_and_creates_no_area(officer, held):
    anonymous = {
        **ASPIRATION,
        "rt": 7,
        "privacy": "anonymous",
        "reporter_name": "",
        "reporter_phone": "",
    }
    response = send(officer, held, "aspirations", anonymous)
    assert response.status_code == 201, response.content
    case = Aspiration.objects.get()
    assert case.privacy == Privacy.ANONYMOUS
    assert case.reporter_name is None and case.reporter_phone is None
    assert case.reporter_id is None
    assert case.area.code == "32.75.04.1005.024"  # RT 007 unknown: not created
    assert not case.area.children.exists()


def test_an_anonymous_aspiration_with_a_name_is_refused_and_can_be_corrected(officer, held):
    named = {**ASPIRATION, "privacy": "anonymous"}
    key = str(uuid.uuid4())
    refused = send(officer, held, "aspirations", named, key)
    assert refused.status_code == 422 and refused.json()["state"] == "rejected"
    assert "anonym" in refused.json()["message"].lower()
    assert Aspiration.objects.count() == 0
    assert not IdempotencyKey.objects.exists()  # the key was given back
    corrected = {**named, "reporter_name": "", "reporter_phone": ""}
    response = send(officer, held, "aspirations", corrected)
    assert response.status_code == 201
    assert Aspiration.objects.get().privacy == Privacy.ANONYMOUS


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"text": "   "}, ""),
        ({"text": "x" * 20_000}, ""),
        ({"rt": 3, "rw": None}, "RW"),
        ({"rw": 0}, "RW"),
        ({"privacy": "secret"}, ""),
        ({"category": "mystery"}, ""),
        ({"rw": [24]}, ""),
    ],
)
def test_bad_aspirations_are_refused_with_a_reason_and_store_nothing(officer, held, changes, words):
    response = send(officer, held, "aspirations", {**ASPIRATION, **changes})
    assert response.status_code == 422, response.content
    assert response.json()["state"] == "rejected" and response.json()["message"]
    assert words in response.json()["message"]
    assert Aspiration.objects.count() == 0 and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"text"', b'{"text": "\\ud800"}'])
def test_unreadable_entries_are_400(officer, held, body):
    response = officer.post(
        base(held) + "aspirations",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 400 and response.json()["state"] == "rejected"
    assert Aspiration.objects.count() == 0


def test_an_entry_without_a_key_is_refused(officer, held):
    response = officer.post(
        base(held) + "aspirations", json.dumps(ASPIRATION), content_type="application/json"
    )
    assert response.status_code == 400 and Aspiration.objects.count() == 0


def test_a_cancelled_dialogue_takes_no_entries(officer, upcoming):
    dialogue_cancel(dialogue=upcoming, reason="Hujan deras.")
    response = send(officer, upcoming, "aspirations", ASPIRATION)
    assert response.status_code == 422 and "cancelled" in response.json()["message"]
    assert send(officer, upcoming, "inspection", inspection()).status_code == 422
    assert Aspiration.objects.count() == 0 and Inspection.objects.count() == 0


# ---- attendance ------------------------------------------------------------------------


def test_attendance_is_set_once_per_key(officer, held):
    key = str(uuid.uuid4())
    counts = {"residents": 27, "leaders": 3, "children": 12}
    first = send(officer, held, "attendance", counts, key)
    assert first.status_code == 201, first.content
    assert "27" in first.json()["message"]
    held.refresh_from_db()
    assert (held.residents_count, held.leaders_count, held.children_count) == (27, 3, 12)
    # Changed online meanwhile; the lost answer's resend changes nothing.
    Dialogue.objects.filter(pk=held.pk).update(residents_count=30)
    again = send(officer, held, "attendance", counts, key)
    assert again.status_code == 201 and again.json() == first.json()
    assert Dialogue.objects.get(pk=held.pk).residents_count == 30
    assert send(officer, held, "attendance", {**counts, "residents": 28}, key).status_code == 422


@pytest.mark.parametrize(
    "counts",
    [
        {"residents": -1, "leaders": 0, "children": 0},
        {"residents": 200_000, "leaders": 0, "children": 0},
        {"residents": None, "leaders": 0, "children": 0},
        {"residents": "many", "leaders": 0, "children": 0},
        {"residents": True, "leaders": 0, "children": 0},
    ],
)
def test_bad_attendance_is_refused_and_changes_nothing(officer, held, counts):
    response = send(officer, held, "attendance", counts)
    assert response.status_code == 422 and response.json()["message"]
    assert Dialogue.objects.get(pk=held.pk).residents_count == 0


def test_attendance_of_a_dialogue_not_yet_held_is_refused_with_the_reason(officer, upcoming):
    response = send(officer, upcoming, "attendance", {"residents": 5, "leaders": 1, "children": 0})
    assert response.status_code == 422 and response.json()["message"]
    assert Dialogue.objects.get(pk=upcoming.pk).residents_count == 0


# ---- inspection ------------------------------------------------------------------------


def test_the_inspection_is_recorded_once_with_its_follow_up(officer, held, bekasi):
    key = str(uuid.uuid4())
    data = inspection()
    first = send(officer, held, "inspection", data, key)
    assert first.status_code == 201, first.content
    assert "WIB" in first.json()["message"]
    recorded = Inspection.objects.get(dialogue=held)
    assert recorded.notes == "Gang sempit, padat."
    ok, problem = first_items(2)
    assert {f.item_id: f.result for f in InspectionFinding.objects.all()} == {
        ok.pk: "ok",
        problem.pk: "problem",
    }
    follow_up = FollowUp.objects.get(finding__item=problem)
    assert follow_up.owner == (held.host or bekasi.officer_selatan)
    again = send(officer, held, "inspection", data, key)
    assert again.status_code == 201 and again.json() == first.json()
    assert Inspection.objects.count() == 1 and FollowUp.objects.count() == 1
    assert send(officer, held, "inspection", {**data, "notes": "x"}, key).status_code == 422


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"findings": [{"item": "FIRST", "result": "problem", "note": " "}]}, "Describe"),
        ({"findings": [{"item": "FIRST", "result": "broken"}]}, ""),
        ({"inspected_at": "yesterday"}, ""),
        ({"inspected_at": "2026-01-01T10:00"}, ""),
        ({"inspected_at": (timezone.now() + timedelta(days=1)).isoformat()}, "future"),
        ({"findings": [{"item": "no-such-item", "result": "ok"}]}, "lists"),
        ({"findings": "all good"}, ""),
        ({"notes": "x" * 20_000}, "notes"),
    ],
)
def test_bad_inspections_are_refused_with_a_reason_and_store_nothing(officer, held, changes, words):
    findings = changes.get("findings")
    if isinstance(findings, list) and findings[0]["item"] == "FIRST":
        changes = {"findings": [{**findings[0], "item": first_items(1)[0].code}]}
    response = send(officer, held, "inspection", inspection(**changes))
    assert response.status_code == 422, response.content
    assert response.json()["message"] and words in response.json()["message"]
    assert Inspection.objects.count() == 0 and FollowUp.objects.count() == 0


# ---- loss reports ----------------------------------------------------------------------


def test_the_page_carries_the_online_start_form_without_data(officer, held, bekasi):
    assert send(officer, held, "loss-reports", new_report_data(bekasi)).status_code == 201
    body = officer.get(base(held)).content.decode()
    assert SITI_NIK not in body and "Siti Aminah" not in body
    page = parse(body)
    form = page.one("form", id="loss-form")
    names = {e.attrs.get("name") for e in page.elements if e.tag in {"input", "select"}}
    assert {"unit", "name", "nik", "item_ktp", "ktp__nik", "lost_on"} <= names
    # The script sends it; were it missing, a native submit would not put the
    # reporter's identity into an address.
    assert form.attrs["method"] == "post" and form.attrs["action"] == base(held) + "loss-reports"
    assert f'<option value="{bekasi.polsek_selatan.pk}" selected>' in body


def test_a_loss_report_is_started_once_however_often_it_is_sent(officer, held, bekasi):
    key = str(uuid.uuid4())
    data = new_report_data(bekasi)
    first = send(officer, held, "loss-reports", data, key)
    assert first.status_code == 201, first.content
    report = LossReport.objects.get()
    answer = first.json()
    assert answer["state"] == "sent" and answer["reference"] == report.reference
    assert report.reference in answer["message"] and "ready to issue" in answer["message"]
    assert report.source == ReportSource.DIALOGUE and report.dialogue_id == held.pk
    assert report.unit == bekasi.polsek_selatan and report.status == ReportStatus.READY
    assert report.created_by == bekasi.officer_selatan and report.nik == SITI_NIK
    assert [item.item_type for item in report.items.all()] == ["ktp", "sim"]
    assert report.circumstances == "Dompet jatuh saat belanja."
    assert AuditEntry.objects.filter(reason="loss report recorded").count() == 1
    # The answer was lost: the resent entry gets the first answer, nothing new.
    again = send(officer, held, "loss-reports", data, key)
    assert again.status_code == 201 and again.json() == answer
    other = send(officer, held, "loss-reports", {**data, "lost_place": "Stasiun"}, key)
    assert other.status_code == 422 and other.json()["state"] == "rejected"
    assert LossReport.objects.count() == 1
    assert IdempotencyKey.objects.filter(key__startswith="web:field:loss-report:").count() == 1


def test_a_partial_identity_is_saved_as_a_draft(officer, held, bekasi):
    data = new_report_data(
        bekasi,
        nik=None,
        ktp__nik=None,
        item_ktp=None,
        item_sim=None,
        sim__sim_number=None,
        sim__sim_class=None,
        item_kk="on",
        kk__kk_number="3275040101090011",
        kk__head="Ahmad Yani",
    )
    data = {k: v for k, v in data.items() if not k.startswith(("birth", "sex", "religion"))}
    response = send(officer, held, "loss-reports", data)
    assert response.status_code == 201, response.content
    assert "draft" in response.json()["message"]
    assert LossReport.objects.get().status == ReportStatus.DRAFT


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"phone": ""}, "Phone number"),
        ({"birth_date": "1991-05-25"}, "NIK"),
        (
            {
                "item_ktp": None,
                "ktp__nik": None,
                "item_sim": None,
                "sim__sim_number": None,
                "sim__sim_class": None,
            },
            "document",
        ),
        ({"item_ktp": None, "ktp__nik": SITI_NIK}, "Tick"),
        ({"ktp__nik": "123"}, ""),
        ({"lost_on": "2100-01-01"}, "future"),
        ({"lost_on": ""}, "Date of the loss"),
        ({"unit": "999999"}, "Post or unit"),
        ({"sex": "X"}, "Sex"),
        ({"name": ["Siti"]}, "JSON"),
    ],
)
def test_bad_loss_reports_are_refused_with_the_reason_and_store_nothing(
    officer, held, bekasi, changes, words
):
    response = send(officer, held, "loss-reports", new_report_data(bekasi, **changes))
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["state"] == "rejected" and answer["message"] and words in answer["message"]
    assert LossReport.objects.count() == 0 and not IdempotencyKey.objects.exists()
    assert not AuditEntry.objects.filter(reason="loss report recorded").exists()


def test_another_units_post_is_refused(officer, held, bekasi):
    response = send(
        officer, held, "loss-reports", new_report_data(bekasi, unit=str(bekasi.polsek_timur.pk))
    )
    assert response.status_code == 422 and LossReport.objects.count() == 0


def test_a_cancelled_dialogue_takes_no_loss_report(officer, upcoming, bekasi):
    dialogue_cancel(dialogue=upcoming, reason="Hujan deras.")
    response = send(officer, upcoming, "loss-reports", new_report_data(bekasi))
    assert response.status_code == 422 and "cancelled" in response.json()["message"]
    assert LossReport.objects.count() == 0


# ---- the household lookup --------------------------------------------------------------

KK = "3275040101090033"


@pytest.fixture
def household(bekasi):
    return household_register(
        actor=bekasi.officer_selatan,
        kk_number=KK,
        head_name="Ahmad Yani",
        area=area_rt_get_or_create(rw=bekasi.rw024, number=3),
        members=4,
        address="Jl. Cut Meutia No. 7",
    )


def test_the_household_lookup_holds_digests_not_numbers_and_is_audited(officer, held, household):
    audited = AuditEntry.objects.filter(reason="field app: household lookup")
    response = officer.get(base(held) + "households.json")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert KK not in response.content.decode()
    data = response.json()
    (entry,) = data["households"]
    assert entry["kk"] == hashlib.sha256(f"{data['salt']}:{KK}".encode()).hexdigest()
    assert entry["name"] == "Ahmad Yani" and entry["kk_end"] == "0033"
    assert (entry["rw"], entry["rt"]) == (24, 3) and entry["address"] == "Jl. Cut Meutia No. 7"
    assert data["kelurahan"] == "Kayuringin Jaya" and data["rw"] is None
    assert audited.count() == 1 and audited.get().subject_id == str(household.pk)
    assert sorted(audited.get().fields) == ["address", "head_name"]
    # The phone's copy is current: no data, no audit; a change makes a new version.
    same = officer.get(base(held) + f"households.json?have={data['version']}").json()
    kept = same.pop("keep_until")
    assert same == {"version": data["version"], "unchanged": True} and audited.count() == 1
    # The phone deletes its copy a day after the last time the server saw it current.
    for until in (data["keep_until"], kept):
        left = datetime.fromisoformat(until) - timezone.now()
        assert timedelta(hours=23, minutes=59) < left <= timedelta(hours=24)
    household.head_name = "Ahmad Yani Saputra"
    household.save()
    changed = officer.get(base(held) + f"households.json?have={data['version']}").json()
    assert changed["version"] != data["version"] and changed["salt"] != data["salt"]
    assert changed["households"][0]["name"] == "Ahmad Yani Saputra"
    # The reference lists never carry anybody's identity.
    reference = officer.get(base(held) + "reference.json").content.decode()
    assert "Ahmad" not in reference and "Cut Meutia" not in reference and KK not in reference


def test_the_household_lookup_narrows_to_an_rw_and_is_capped(officer, held, household, monkeypatch):
    narrowed = officer.get(base(held) + "households.json?rw=24").json()
    assert narrowed["rw"] == 24 and len(narrowed["households"]) == 1
    for bad in ("99", "x", "0024"):
        assert officer.get(base(held) + f"households.json?rw={bad}").status_code == 400
    audited = AuditEntry.objects.filter(reason="field app: household lookup")
    assert audited.count() == 1
    monkeypatch.setattr(offline, "OFFLINE_LIST_CAP", 0)
    response = officer.get(base(held) + "households.json")
    assert response.status_code == 422 and "RW" in response.json()["message"]
    assert audited.count() == 1


def test_a_loss_report_still_being_recorded_is_waiting_409(officer, held, bekasi):
    """A first attempt still running (its claim fresh, no answer yet): the resend waits."""
    key = str(uuid.uuid4())
    data = new_report_data(bekasi)
    path = base(held) + "loss-reports"
    first = RequestFactory().post(path, json.dumps(data), content_type="application/json")
    claim = idempotency_claim(
        client=idempotency_client(bekasi.officer_selatan),
        key=f"web:field:loss-report:{key}",
        fingerprint=request_fingerprint(first),
    )
    assert isinstance(claim, Claim)
    waiting = send(officer, held, "loss-reports", data, key)
    assert waiting.status_code == 409 and waiting.json()["state"] == "waiting"
    assert LossReport.objects.count() == 0
    idempotency_release(claim)  # the first attempt failed and gave the key back
    assert send(officer, held, "loss-reports", data, key).status_code == 201
    assert LossReport.objects.count() == 1
