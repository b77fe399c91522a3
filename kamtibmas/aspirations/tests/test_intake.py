"""Intake: the public form's and the officer's paths through ``aspiration_submit``."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Privacy, Source, Status
from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.aspirations.selectors import aspiration_identity, public_area, public_location
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.notifications.models import OutboxMessage
from kamtibmas.privacy.models import AuditEntry


def jpeg_bytes() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "lamp.jpg"
    return buffer


def test_a_public_submission_is_triaged_routed_and_acknowledged(c2, submit):
    submitted = submit("Motor saya dicuri di depan warung tadi malam, mohon ditindak.")
    case = submitted.aspiration
    assert case.number.startswith("ASP-")
    assert case.receipt_digest == receipt_digest(submitted.receipt_code)
    assert (case.category, case.suggested_category) == ("pencurian", "pencurian")
    assert case.status == Status.RECEIVED
    assert case.verify_by > case.received_at and case.resolve_by > case.verify_by
    assert case.reporter_phone == "+6281234567890"
    first = AspirationUpdate.objects.get(aspiration=case)
    assert first.to_status == Status.RECEIVED and first.is_public
    # The receipt goes out through the outbox, in the reporter's channel.
    message = OutboxMessage.objects.get(topic=f"aspiration:{case.pk}")
    assert message.channel == "sms" and submitted.receipt_code in message.body


def test_the_resident_choice_of_category_wins_and_triage_is_kept(c2, submit):
    case = submit("Ada yang jualan miras di warung dekat sekolah.", category="remaja").aspiration
    assert case.category == "remaja" and case.suggested_category == "ketertiban"
    assert case.responsible == "satbinmas"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "Tell us what happened"),
        ({"text": "x" * 4001}, "4000"),
        ({"area": None}, "kelurahan"),
        ({"privacy": "secret"}, "privacy"),
        ({"reporter_phone": "12"}, ""),
        ({"notify_by": "email"}, "email"),
        ({"latitude": 200.0, "longitude": 10.0}, "Earth"),
        ({"latitude": -6.2}, "both"),
        ({"category": "bogus"}, "category"),
        (
            {"privacy": Privacy.ANONYMOUS, "reporter_phone": "081234567890"},
            "anonymous report cannot carry",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(c2, submit, fields, message):
    args = {"text": "Lampu jalan mati di RT 001."}
    args.update(fields)
    text = args.pop("text")
    with pytest.raises(ValidationError) as raised:
        submit(text, **args)
    assert message in " ".join(raised.value.messages)
    assert not Aspiration.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_area_above_the_kelurahan_is_too_coarse(c2, submit):
    with pytest.raises(ValidationError):
        submit(area=c2.selatan)


def test_a_photo_that_is_not_an_image_is_refused(c2, submit):
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "lamp.jpg"
    with pytest.raises(ValidationError) as raised:
        submit(photos=[fake])
    assert "not a photo" in " ".join(raised.value.messages)
    assert not Aspiration.objects.exists()


def test_photos_are_stored_cleaned_under_generated_names(c2, submit):
    case = submit(photos=[jpeg_bytes()]).aspiration
    photo = case.photos.get()
    assert photo.image.name.startswith("aspirations/") and "lamp" not in photo.image.name


def test_anonymous_cases_keep_no_identity_and_no_precise_time(c2, submit):
    submitted = submit(
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        reporter_phone="",
        notify_by="",
        reporter=c2.resident,
    )
    case = Aspiration.objects.get(pk=submitted.aspiration.pk)
    assert case.reporter is None and case.reporter_name is None and case.reporter_phone is None
    # Local midnight (WIB = UTC+7) is 17:00 UTC the day before.
    assert (case.received_at.hour, case.received_at.minute, case.received_at.second) == (17, 0, 0)
    assert all((u.created_at.hour, u.created_at.minute) == (17, 0) for u in case.updates.all())
    assert aspiration_identity(user=c2.commander_selatan, aspiration=case, reason="test") is None


def test_at_a_dialogue_the_officer_records_it_with_the_answer_given(c2, submit):
    from datetime import UTC, datetime

    from kamtibmas.engagements.models import DialogueType
    from kamtibmas.engagements.services import dialogue_record_past

    dialogue = dialogue_record_past(
        actor=c2.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RW 024",
        area=c2.rt001,
        unit=c2.polsek_selatan,
        venue_name="Pos ronda",
        start=datetime(2025, 7, 31, 3, 10, tzinfo=UTC),
        end=datetime(2025, 7, 31, 5, 0, tzinfo=UTC),
    )
    case = aspiration_submit(
        text="Bagaimana cara mengurus KTP dan KK yang hilang?",
        area=None,
        privacy=Privacy.PUBLIC,
        source=Source.DIALOGUE,
        actor=c2.officer_selatan,
        dialogue=dialogue,
        reporter_name="Ibu Sari",
        spot_answer="Laporkan kehilangan di pos polisi terdekat, gratis.",
    ).aspiration
    assert case.dialogue == dialogue and case.area == c2.rt001
    updates = list(case.updates.order_by("id"))
    assert updates[0].author == c2.officer_selatan
    assert updates[1].text.startswith("Laporkan kehilangan") and updates[1].is_public
    with pytest.raises(ValidationError):
        aspiration_submit(
            text="x",
            area=None,
            privacy=Privacy.PUBLIC,
            source=Source.DIALOGUE,
            actor=c2.officer_timur,
            dialogue=dialogue,
        )


def test_confidential_identity_is_for_police_handlers_only_and_audited(c2, submit):
    case = submit(
        "Lampu jalan mati dan got mampet di RT 001.", privacy=Privacy.CONFIDENTIAL
    ).aspiration
    assert case.assigned_unit == c2.kelurahan
    assert aspiration_identity(user=c2.partner_kelurahan, aspiration=case, reason="x") is None
    seen = aspiration_identity(user=c2.commander_selatan, aspiration=case, reason="follow up")
    assert seen is not None and seen.name == "Budi Santoso"
    assert AuditEntry.objects.filter(subject_id=str(case.pk), actor=c2.commander_selatan).exists()
    assert aspiration_identity(user=c2.officer_timur, aspiration=case, reason="x") is None


def test_security_15_public_surfaces_coarsen_non_public_cases(c2, submit):
    named = submit(latitude=-6.24761, longitude=106.99423).aspiration
    hidden = submit(latitude=-6.24761, longitude=106.99423, privacy=Privacy.CONFIDENTIAL).aspiration
    assert public_location(named) == (-6.24761, 106.99423)
    assert public_location(hidden) == (-6.25, 106.99)
    assert public_area(named) == c2.rt001 and public_area(hidden) == c2.kayuringin


def test_an_emergency_alerts_the_duty_desk_at_once(c2, submit):
    case = submit("Tolong ada begal bawa celurit sedang menodong warga sekarang!").aspiration
    assert case.urgency == "darurat"
    alerts = OutboxMessage.objects.filter(topic=f"aspiration:{case.pk}", channel="email")
    assert {m.recipient for m in alerts} == {"spkt@example.test"}
    assert case.updates.filter(kind="escalation").exists()


def test_an_anonymous_emergency_alert_does_not_date_the_report(c2, submit):
    case = submit(
        "Ada begal bawa celurit sedang menodong warga sekarang!",
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        reporter_phone="",
        notify_by="",
    ).aspiration
    alert = OutboxMessage.objects.get(channel="email")
    assert alert.topic == "" and not alert.dedupe_key.startswith("aspiration:")
    assert case.number not in alert.subject and "spkt@" not in alert.dedupe_key
    assert (case.resolve_by.hour, case.resolve_by.minute) == (17, 0)  # immediate, coarsened
