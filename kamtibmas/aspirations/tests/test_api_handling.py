"""Working a case through the API: …/actions, …/notes, …/assign, …/triage,
…/photos and the audited …/identity. Every refusal is readable and changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from PIL import Image

from kamtibmas.accounts.models import Role
from kamtibmas.api.tests.client import api_client, send
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationPhoto,
    AspirationUpdate,
    Privacy,
    TriageCorrection,
)
from kamtibmas.aspirations.services import aspiration_act
from kamtibmas.conftest import make_user
from kamtibmas.notifications.models import OutboxMessage
from kamtibmas.privacy.models import AuditEntry

URL = "/api/v1/aspirations/{}"
PATROL = "Mohon patroli malam ditingkatkan di RW 024, banyak orang asing."


@pytest.fixture
def case(c2, submit):
    """A patrol request with the post of Kayuringin, received."""
    return submit(PATROL).aspiration


def _state(pk: int) -> dict:
    case = Aspiration.objects.get(pk=pk)
    return {
        "case": model_to_dict(case),
        "updates": list(case.updates.values()),
        "photos": list(case.photos.values()),
        "corrections": TriageCorrection.objects.filter(aspiration=case).count(),
        "outbox": OutboxMessage.objects.count(),
    }


def _post(user, path: str, body: dict, **extra):
    return send(api_client(user, language="en"), "POST", path, body, **extra)


# Actions ------------------------------------------------------------------------------


def test_verify_then_refer_to_the_kelurahan_then_the_partner_answers(c2, case):
    verified = _post(
        c2.officer_selatan,
        URL.format(case.pk) + "/actions",
        {"action": "verify", "text": "Kami cek ke lokasi.", "is_public": True},
    )
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified"
    assert verified.json()["verified_at"].endswith("+00:00")

    referred = _post(
        c2.officer_selatan,
        URL.format(case.pk) + "/actions",
        {"action": "refer", "unit": c2.kelurahan.pk, "text": "Diteruskan ke kelurahan."},
    )

    assert referred.status_code == 200, referred.content
    detail = referred.json()
    assert detail["status"] == "referred"
    assert detail["assigned_unit"]["id"] == c2.kelurahan.pk
    assert detail["deadlines"]["partner_answer_by"].endswith("+00:00")
    assert detail["updates"][-1]["referred_to"]["id"] == c2.kelurahan.pk
    # The kelurahan now sees it and works it.
    started = _post(c2.partner_kelurahan, URL.format(case.pk) + "/actions", {"action": "start"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    resolved = _post(
        c2.partner_kelurahan,
        URL.format(case.pk) + "/actions",
        {"action": "resolve", "text": "Patroli linmas dijadwalkan tiap malam."},
    )
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["allowed_actions"] == ["reopen"]


def test_a_partner_referring_the_case_away_sees_the_outcome_of_its_own_action(c2, submit):
    lamp = submit("Lampu jalan di gang RT 001 mati sudah seminggu, gelap sekali.").aspiration
    assert lamp.assigned_unit == c2.kelurahan

    answer = _post(
        c2.partner_kelurahan,
        URL.format(lamp.pk) + "/actions",
        {"action": "refer", "unit": c2.post_kayuringin.pk, "text": "Bukan wewenang kami."},
    )

    # The change is made and answered; afterwards the case is no longer the kelurahan's.
    assert answer.status_code == 200, answer.content
    assert answer.json()["assigned_unit"]["id"] == c2.post_kayuringin.pk
    assert answer.json()["status"] == "referred"
    assert api_client(c2.partner_kelurahan).get(URL.format(lamp.pk)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"action": "resolve", "text": "x"}, None, "cannot be “Resolve”"),
        ({"action": "reject"}, "text", "Tell the reporter what was done and why."),
        ({"action": "refer"}, "unit", "Choose the unit or agency to refer to."),
        ({"action": "refer", "unit": 999999}, "unit", "does not serve the case's area"),
        ({"action": "mark_duplicate"}, "duplicate_of", "Choose the case this one repeats."),
        ({"action": "mark_duplicate", "duplicate_of": 999999}, "duplicate_of", "Case not found."),
        ({"action": "fly"}, "action", "Choose one of"),
        ({"action": "verify", "text": "x" * 4001}, "text", "At most 4000 characters."),
        ({"action": "verify", "status": "resolved"}, "status", "Unknown field"),
        ({"action": "verify", "assigned_unit": 1}, "assigned_unit", "Unknown field"),
        ({"action": "verify", "is_public": "maybe"}, "is_public", "Enter true or false."),
    ],
)
def test_refused_actions_are_readable_and_change_nothing(c2, case, body, field, message):
    before = _state(case.pk)

    answer = _post(c2.officer_selatan, URL.format(case.pk) + "/actions", body)

    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["field"] == field
    assert message in answer.json()["detail"]
    assert _state(case.pk) == before


def test_a_case_is_merged_into_a_visible_original(c2, case, submit):
    again = submit("Mohon patroli malam di RW 024 ditambah, banyak orang asing lewat.").aspiration

    answer = _post(
        c2.officer_selatan,
        URL.format(again.pk) + "/actions",
        {"action": "mark_duplicate", "duplicate_of": case.pk, "text": "Sama dengan laporan lain."},
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "duplicate"
    assert answer.json()["duplicate_of_id"] == case.pk


def test_an_original_of_another_unit_reads_as_not_found(c2, case, submit):
    from kamtibmas.aspirations.services import aspiration_submit

    elsewhere = aspiration_submit(
        text="Mohon patroli malam di Margahayu.",
        area=c2.margahayu,
        privacy=Privacy.PUBLIC,
        source="web",
    ).aspiration
    before = _state(case.pk)

    answer = _post(
        c2.officer_selatan,
        URL.format(case.pk) + "/actions",
        {"action": "mark_duplicate", "duplicate_of": elsewhere.pk},
    )

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["message"] == "Case not found."
    assert _state(case.pk) == before


# Notes --------------------------------------------------------------------------------


def test_a_public_note_is_the_first_progress_notice_to_the_reporter(c2, case):
    answer = _post(
        c2.officer_selatan,
        URL.format(case.pk) + "/notes",
        {"text": "Patroli ditambah mulai malam ini.", "is_public": True},
    )

    assert answer.status_code == 201, answer.content
    note = answer.json()
    assert note["kind"] == "note" and note["is_public"] is True
    assert note["author"]["name"] == "bhabin.selatan"
    assert note["created_at"].endswith("+00:00")
    case.refresh_from_db()
    assert case.first_notice_at is not None
    assert any("Patroli ditambah" in message.body for message in OutboxMessage.objects.all())


def test_notes_are_internal_by_default(c2, case):
    answer = _post(c2.officer_selatan, URL.format(case.pk) + "/notes", {"text": "Cek CCTV."})

    assert answer.json()["is_public"] is False
    case.refresh_from_db()
    assert case.first_notice_at is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": "  "}, "text", "Tell us what happened or what you ask."),
        ({}, "text", "This field is required."),
        ({"text": "x" * 4001}, "text", "At most 4000 characters."),
        ({"text": "ok", "kind": "status"}, "kind", "Unknown field"),
        ({"text": "ok", "author": 1}, "author", "Unknown field"),
    ],
)
def test_bad_notes_are_refused(c2, case, body, field, message):
    before = _state(case.pk)

    answer = _post(c2.officer_selatan, URL.format(case.pk) + "/notes", body)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
    assert message in answer.json()["detail"]
    assert _state(case.pk) == before


# Assignment ---------------------------------------------------------------------------


def test_assign_to_an_officer_of_the_handling_unit_and_take_it_back(c2, case):
    bhabin = make_user("bhabin.kayuringin", Role.COMMUNITY_OFFICER, c2.post_kayuringin)

    assigned = _post(c2.commander_selatan, URL.format(case.pk) + "/assign", {"assignee": bhabin.pk})

    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"] == {"id": bhabin.pk, "name": "bhabin.kayuringin"}
    taken_back = _post(c2.commander_selatan, URL.format(case.pk) + "/assign", {"assignee": None})
    assert taken_back.json()["assignee"] is None
    assert [u["kind"] for u in taken_back.json()["updates"]][-2:] == ["assignment", "assignment"]


@pytest.mark.parametrize("who", ["officer_timur", "resident", "nobody"])
def test_assign_refuses_anyone_outside_the_handling_unit_alike(c2, case, who):
    pk = {"officer_timur": c2.officer_timur.pk, "resident": c2.resident.pk, "nobody": 999999}[who]
    before = _state(case.pk)

    answer = _post(c2.commander_selatan, URL.format(case.pk) + "/assign", {"assignee": pk})

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "assignee",
            "location": "body",
            "message": "Choose an officer of the unit handling the case.",
            "code": "assignee_unit",
        }
    ]
    assert _state(case.pk) == before


def test_assign_needs_the_field(c2, case):
    answer = _post(c2.commander_selatan, URL.format(case.pk) + "/assign", {})

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "assignee"


# Triage -------------------------------------------------------------------------------


def test_triage_is_corrected_kept_as_training_data_and_rerouted(c2, case):
    answer = _post(
        c2.officer_selatan,
        URL.format(case.pk) + "/triage",
        {"category": "pencurian", "urgency": "tinggi", "reroute": True},
    )

    assert answer.status_code == 200, answer.content
    detail = answer.json()
    assert (detail["category"], detail["urgency"]) == ("pencurian", "tinggi")
    assert detail["suggested_category"] == "keamanan"
    assert detail["triage_confirmed_at"].endswith("+00:00")
    assert detail["assigned_unit"]["id"] == c2.satreskrim.pk
    correction = TriageCorrection.objects.get(aspiration=case)
    assert (correction.suggested_category, correction.category) == ("keamanan", "pencurian")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "bogus", "urgency": "tinggi"}, "category"),
        ({"category": "pencurian", "urgency": "now"}, "urgency"),
        ({"category": "pencurian"}, "urgency"),
        ({"category": "pencurian", "urgency": "tinggi", "assigned_unit": 3}, "assigned_unit"),
    ],
)
def test_bad_triage_is_refused(c2, case, body, field):
    before = _state(case.pk)

    answer = _post(c2.officer_selatan, URL.format(case.pk) + "/triage", body)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
    assert _state(case.pk) == before


# Photos -------------------------------------------------------------------------------


def _jpeg(camera: str) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (64, 48), "red")
    info = image.getexif()
    info[0x010F] = camera  # Make
    image.save(buffer, "JPEG", exif=info)
    return buffer.getvalue()


def test_a_photo_is_stored_clean_under_a_generated_name(c2, case):
    upload = SimpleUploadedFile("IMG_rumah_budi.jpg", _jpeg("BudiPhone"), "image/jpeg")

    answer = api_client(c2.officer_selatan).post(URL.format(case.pk) + "/photos", {"photo": upload})

    assert answer.status_code == 201, answer.content
    assert answer.json()["width"] == 64 and answer.json()["height"] == 48
    photo = AspirationPhoto.objects.get(aspiration=case)
    assert "budi" not in photo.image.name.lower()
    with photo.image.open("rb") as stored:
        data = stored.read()
    assert b"BudiPhone" not in data
    assert Image.open(io.BytesIO(data)).getexif() == {}
    detail = api_client(c2.officer_selatan).get(URL.format(case.pk)).json()
    assert detail["photos"] == [{"id": photo.pk, "width": 64, "height": 48}]


@pytest.mark.parametrize(
    ("upload", "status", "message"),
    [
        (
            SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not a picture", "image/jpeg"),
            422,
            "not a photo",
        ),
        (SimpleUploadedFile("x.jpg", b"", "image/jpeg"), 422, "not a photo"),
        (None, 422, "This field is required."),
    ],
)
def test_what_is_not_a_picture_is_refused(c2, case, upload, status, message):
    body = {"photo": upload} if upload is not None else {"other": "x"}

    answer = api_client(c2.officer_selatan, language="en").post(
        URL.format(case.pk) + "/photos", body
    )

    assert answer.status_code == status, answer.content
    assert message in answer.json()["detail"]
    assert not AspirationPhoto.objects.exists()


# Identity -----------------------------------------------------------------------------


def _identity(user, case, reason="Menghubungi pelapor untuk klarifikasi"):
    return _post(user, URL.format(case.pk) + "/identity", {"reason": reason})


def test_the_identity_of_a_public_report_is_read_with_a_reason_and_audited(c2, case):
    answer = _identity(c2.officer_selatan, case)

    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "name": "Budi Santoso",
        "phone": "+6281234567890",
        "email": "",
        "account": "",
    }
    entry = AuditEntry.objects.get()
    assert entry.actor == c2.officer_selatan
    assert "Menghubungi pelapor" in entry.reason


def test_a_confidential_identity_is_for_the_police_handling_it_only(c2, submit):
    theft = submit("Motor saya dicuri di depan warung.", privacy=Privacy.CONFIDENTIAL).aspiration
    aspiration_act(actor=c2.handler_reskrim, aspiration=theft, action="verify")
    aspiration_act(
        actor=c2.handler_reskrim, aspiration=theft, action="refer", unit=c2.kelurahan, text="x"
    )

    police = _identity(c2.commander_polres, theft)
    partner = _identity(c2.partner_kelurahan, theft)

    assert police.status_code == 200
    assert partner.status_code == 403
    assert partner.json()["code"] == "forbidden"
    assert "Only police officers handling this case" in partner.json()["detail"]
    assert AuditEntry.objects.count() == 1


def test_nobody_sees_who_sent_an_anonymous_report(c2, submit):
    tip = submit(privacy=Privacy.ANONYMOUS, reporter_name="", reporter_phone="", notify_by="")

    answer = _identity(c2.commander_polres, tip.aspiration)

    assert answer.status_code == 403
    assert "anonymous" in answer.json()["detail"]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("reason", "status"), [("", 422), ("x" * 201, 422), ("ok", 422)])
def test_the_identity_needs_a_reason(c2, case, reason, status):
    answer = _identity(c2.officer_selatan, case, reason=reason)

    assert answer.status_code == status
    assert answer.json()["errors"][0]["field"] == "reason"
    assert not AuditEntry.objects.exists()


def test_updates_are_attributed(c2, case):
    _post(c2.officer_selatan, URL.format(case.pk) + "/notes", {"text": "Cek lokasi."})

    update = AspirationUpdate.objects.filter(aspiration=case).last()

    assert update is not None and update.author == c2.officer_selatan
