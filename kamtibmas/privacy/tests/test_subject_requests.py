"""Data-subject requests (issue 11 point 2, SECURITY.md 4): intake with its 72-hour
deadline, exports that never reveal another person, deletion, withdrawal of consent,
correction and the overdue alert."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kamtibmas.accounts.models import Role, User
from kamtibmas.aid.models import AidLocation, AidProgram, Handout, Household
from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Privacy, Source, Status
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.certificates.models import (
    Certificate,
    LossReport,
    LostItem,
    ReportSource,
    ReportStatus,
)
from kamtibmas.conftest import make_user
from kamtibmas.engagements.models import Attendee, Dialogue, DialogueType
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus
from kamtibmas.notifications.services import notification_enqueue
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.models import (
    AuditAction,
    AuditEntry,
    DataSubjectRequest,
    SubjectRequestKind,
    SubjectRequestStatus,
)
from kamtibmas.privacy.retention import REMOVED
from kamtibmas.privacy.services import audit_record
from kamtibmas.privacy.subject_requests import (
    ANSWER_WITHIN,
    export_json,
    subject_records,
    subject_request_close,
    subject_request_correct,
    subject_request_erase,
    subject_request_export,
    subject_request_start,
    subject_request_submit,
    subject_request_withdraw_consent,
    subject_requests_alert_overdue,
)

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
Y_NIK = "3275044107890003"
Y_PHONE = "+6281234567890"
Y_KK = "3275041234560001"
X_PHONE = "+6285711112222"


def _case(
    bekasi, number: str, *, reporter, name, phone, text, status=Status.IN_PROGRESS, unit=None
):
    unit = unit or bekasi.polsek_selatan
    closed = status in (Status.RESOLVED,)
    return Aspiration.objects.create(
        number=number,
        text=text,
        category="pencurian",
        urgency="sedang",
        suggested_category="pencurian",
        suggested_urgency="sedang",
        area=bekasi.rw024 if unit != bekasi.polsek_timur else bekasi.margahayu,
        privacy=Privacy.CONFIDENTIAL,
        source=Source.WEB,
        reporter=reporter,
        reporter_name=name,
        reporter_phone=phone,
        notify_by="sms",
        receipt_digest=blind_index("test", number),
        status=status,
        unit=unit,
        assigned_unit=unit,
        received_at=NOW - timedelta(days=40),
        updated_at=NOW - timedelta(days=35),
        resolved_at=NOW - timedelta(days=35) if closed else None,
        closed_at=NOW - timedelta(days=35) if closed else None,
    )


def _loss_report(bekasi, reference: str, *, reporter=None, certified: bool, unit=None):
    unit = unit or bekasi.post_kayuringin
    report = LossReport.objects.create(
        reference=reference,
        status=ReportStatus.ISSUED if certified else ReportStatus.READY,
        source=ReportSource.WEB,
        unit=unit,
        reporter=reporter,
        name="Yanti Rahayu",
        nik=Y_NIK,
        nik_index=blind_index("nik", Y_NIK),
        birth_place="Bekasi",
        birth_date=date(1989, 7, 1),
        address="Jl. Kenari No. 5, RT 001/RW 024",
        phone=Y_PHONE,
        phone_index=blind_index("phone", Y_PHONE),
        lost_on=date(2026, 1, 2),
        lost_place="Pasar Baru",
        circumstances="Dompet jatuh",
        reporter_consents_contact=True,
    )
    LostItem.objects.create(report=report, item_type="ktp", details_json=json.dumps({"nik": Y_NIK}))
    if certified:
        Certificate.objects.create(
            report=report,
            unit=unit,
            number=f"SKTLK/{reference}",
            year=2026,
            sequence=int(reference[-1]),
            issued_at=NOW - timedelta(days=3),
            valid_from=date(2026, 2, 27),
            valid_until=date(2026, 3, 29),
            issued_by=bekasi.officer_selatan,
            officer_name="Bripka Andi",
            officer_rank="Bripka",
            officer_nrp="12345678",
            identity_checked="KTP",
            kid="k1",
            qr_text=f"qr-{reference}",
        )
    return report


@pytest.fixture
def people(bekasi) -> SimpleNamespace:
    """Yanti (Y) has an account, cases, loss reports, a household and a sign-in;
    Xavier (X) reported a case about Y that names her."""
    yanti = make_user("yanti", Role.RESIDENT, None, first_name="Yanti", last_name="Rahayu")
    yanti.phone, yanti.phone_index = Y_PHONE, blind_index("phone", Y_PHONE)
    yanti.save()
    xavier = make_user("xavier", Role.RESIDENT, None, first_name="Xaverius")
    desk = make_user("spkt.selatan", Role.DESK_OFFICER, bekasi.polsek_selatan)
    own_open = _case(
        bekasi,
        "ASP-Y1",
        reporter=yanti,
        name="Yanti Rahayu",
        phone=Y_PHONE,
        text="Lampu jalan di gang kami mati",
    )
    own_closed = _case(
        bekasi,
        "ASP-Y2",
        reporter=yanti,
        name="Yanti Rahayu",
        phone=Y_PHONE,
        text="Parkir liar di depan rumah",
        status=Status.RESOLVED,
    )
    AspirationUpdate.objects.create(
        aspiration=own_open,
        kind="note",
        author_kind="staff",
        text="Internal: check with RT Pak Darmo",
        created_at=NOW - timedelta(days=39),
    )
    AspirationUpdate.objects.create(
        aspiration=own_open,
        kind="status",
        author_kind="staff",
        is_public=True,
        text="Petugas PLN dihubungi",
        created_at=NOW - timedelta(days=38),
    )
    about_y = _case(
        bekasi,
        "ASP-X1",
        reporter=xavier,
        name="Xaverius Tipster",
        phone=X_PHONE,
        text="Yanti Rahayu (Jl. Kenari 5) sering menerima barang curian",
    )
    certified = _loss_report(bekasi, "LR-Y0001", reporter=yanti, certified=True)
    uncertified = _loss_report(bekasi, "LR-Y0002", certified=False)
    household = Household.objects.create(
        kk_number=Y_KK,
        kk_index=blind_index("kk", Y_KK),
        head_name="Yanti Rahayu",
        address="Jl. Kenari No. 5",
        area=bekasi.rw024,
        members=3,
        children=1,
    )
    program = AidProgram.objects.create(
        name="Sembako 2026",
        unit=bekasi.polsek_selatan,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 31),
    )
    Handout.objects.create(
        program=program,
        household=household,
        location=AidLocation.objects.create(program=program, name="Balai RW"),
        handed_at=NOW - timedelta(days=40),
        local_day=date(2026, 1, 21),
        officer=bekasi.officer_selatan,
        recipient_name="Yanti Rahayu",
    )
    kind, _created = DialogueType.objects.get_or_create(
        code="dsr", defaults={"name_id": "Ngopi", "name_en": "Coffee"}
    )
    dialogue = Dialogue.objects.create(
        type=kind,
        title="Ngopi Kamtibmas RW 024",
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW",
        planned_start=NOW - timedelta(days=10),
        planned_end=NOW - timedelta(days=10) + timedelta(hours=2),
    )
    attendee = Attendee.objects.create(
        dialogue=dialogue,
        name="Yanti",
        phone=Y_PHONE,
        phone_index=blind_index("phone", Y_PHONE),
        consent=True,
        source="sign_in",
    )
    return SimpleNamespace(
        yanti=yanti,
        xavier=xavier,
        desk=desk,
        own_open=own_open,
        own_closed=own_closed,
        about_y=about_y,
        certified=certified,
        uncertified=uncertified,
        household=household,
        attendee=attendee,
    )


def _on_behalf(people, kind: str, **extra) -> DataSubjectRequest:
    return subject_request_submit(
        actor=people.desk,
        kind=kind,
        name="Yanti Rahayu",
        nik=Y_NIK,
        phone="0812-3456-7890",
        kk=Y_KK,
        now=NOW,
        **extra,
    )


# -- Intake --------------------------------------------------------------------------


def test_a_resident_request_is_due_72_hours_later_in_the_unit_of_their_latest_record(
    people, bekasi
):
    request = subject_request_submit(actor=people.yanti, kind="access", now=NOW)
    assert request.due_at - request.received_at == ANSWER_WITHIN == timedelta(hours=72)
    assert request.status == SubjectRequestStatus.RECEIVED
    assert request.subject_user == people.yanti
    # Her latest record is the loss report filed at the post.
    assert request.unit == bekasi.post_kayuringin
    assert subject_request_submit(actor=people.xavier, kind="access", now=NOW).unit == (
        bekasi.polsek_selatan
    )
    assert AuditEntry.objects.filter(
        subject_type="privacy.datasubjectrequest",
        subject_id=str(request.pk),
        action=AuditAction.CREATE,
    ).exists()


def test_a_resident_cannot_name_someone_elses_nik(people):
    with pytest.raises(ValidationError):
        subject_request_submit(actor=people.xavier, kind="access", nik=Y_NIK, now=NOW)
    assert not DataSubjectRequest.objects.exists()


def test_staff_record_on_behalf_with_identifiers_encrypted_and_indexed(people, bekasi):
    request = _on_behalf(people, "access")
    assert request.recorded_by == people.desk
    assert request.unit == bekasi.polsek_selatan
    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert stored.subject_nik == Y_NIK
    assert stored.subject_phone == Y_PHONE
    assert stored.subject_nik_index == blind_index("nik", Y_NIK)
    assert stored.subject_kk_index == blind_index("kk", Y_KK)


def test_staff_must_give_an_identifier_and_a_valid_one(people):
    with pytest.raises(ValidationError) as missing:
        subject_request_submit(actor=people.desk, kind="access", name="Yanti", now=NOW)
    assert "nik" in missing.value.message_dict
    with pytest.raises(ValidationError) as bad:
        subject_request_submit(actor=people.desk, kind="access", name="Yanti", nik="1234", now=NOW)
    assert "nik" in bad.value.message_dict


def test_only_handlers_record_and_work_requests(people, bekasi):
    with pytest.raises(PermissionDenied):
        subject_request_submit(
            actor=bekasi.officer_selatan, kind="access", name="Y", nik=Y_NIK, now=NOW
        )
    request = subject_request_submit(actor=people.yanti, kind="access", now=NOW)
    with pytest.raises(PermissionDenied):
        subject_request_start(actor=people.yanti, request=request)


# -- Export ----------------------------------------------------------------------------


def _text(data) -> str:
    return export_json(data).decode("utf-8")


def test_y_named_in_xs_tip_never_learns_who_sent_it_self_service(people):
    request = subject_request_submit(actor=people.yanti, kind="access", now=NOW)
    request = subject_request_close(actor=people.desk, request=request, status="done")
    data = subject_request_export(actor=people.yanti, request=request)
    text = _text(data)
    assert [case["number"] for case in data["aspirations"]] == ["ASP-Y1", "ASP-Y2"]
    assert [earlier["reference"] for earlier in data["data_subject_requests"]] == [
        request.reference
    ]
    for secret in ("ASP-X1", "Xaverius", X_PHONE, "xavier", "barang curian"):
        assert secret not in text


def test_security_4_y_named_in_xs_tip_never_learns_who_sent_it_on_behalf(people):
    request = _on_behalf(people, "access")
    data = subject_request_export(actor=people.desk, request=request)
    text = _text(data)
    assert {report["reference"] for report in data["loss_reports"]} == {"LR-Y0001", "LR-Y0002"}
    for secret in ("ASP-X1", "Xaverius", X_PHONE, "xavier", "barang curian"):
        assert secret not in text
    # Even after staff read X's case (an audit row about X's record), Y sees nothing of it.
    audit_record(actor=people.desk, action="read", subject=people.about_y, reason="aspiration read")
    assert "ASP-X1" not in _text(subject_request_export(actor=people.desk, request=request))
    assert str(people.about_y.pk) not in {
        entry["record"].split("#")[1]
        for entry in subject_request_export(actor=people.desk, request=request)["access_log"]
        if entry["record"].startswith("aspirations.aspiration")
    }


def test_export_holds_all_of_the_subjects_data(people):
    request = _on_behalf(people, "access")
    data = subject_request_export(actor=people.desk, request=request)
    assert data["format"] == "kamtibmas-subject-export/1"
    assert [account["username"] for account in data["account"]] == ["yanti"]
    certified = next(r for r in data["loss_reports"] if r["reference"] == "LR-Y0001")
    assert certified["nik"] == Y_NIK
    assert certified["items"] == [{"document": "ktp", "details": {"nik": Y_NIK}}]
    assert certified["certificate"]["number"] == "SKTLK/LR-Y0001"
    assert data["households"][0]["kk_number"] == Y_KK
    assert data["households"][0]["handouts"][0]["program"] == "Sembako 2026"
    assert data["dialogue_attendance"][0]["dialogue"] == "Ngopi Kamtibmas RW 024"
    open_case = data["aspirations"][0]
    # Public updates yes, internal notes no.
    assert [update["text"] for update in open_case["updates"]] == ["Petugas PLN dihubungi"]
    assert "Pak Darmo" not in _text(data)


def test_access_log_gives_unit_role_and_time_never_the_staff_name(people, bekasi):
    audit_record(
        actor=bekasi.commander_selatan,
        action="read",
        subject=people.certified,
        reason="loss report read",
        fields=["nik"],
    )
    request = _on_behalf(people, "access")
    data = subject_request_export(actor=people.desk, request=request)
    entry = next(e for e in data["access_log"] if e["reason"] == "loss report read")
    assert entry["unit"] == "Polsek Bekasi Selatan"
    assert entry["role"] == "commander"
    assert entry["record"] == f"certificates.lossreport#{people.certified.pk}"
    assert entry["at"].startswith("20")
    assert "kapolsek.selatan" not in _text(data)


def test_the_export_is_audited_for_every_record(people):
    request = _on_behalf(people, "access")
    data = subject_request_export(actor=people.desk, request=request)
    exported = set(
        AuditEntry.objects.filter(action=AuditAction.EXPORT, actor=people.desk).values_list(
            "subject_type", "subject_id"
        )
    )
    assert ("certificates.lossreport", str(people.certified.pk)) in exported
    assert ("aid.household", str(people.household.pk)) in exported
    assert ("privacy.datasubjectrequest", str(request.pk)) in exported
    assert data["held_by_other_units"] == {}


def test_staff_export_only_their_scope_and_count_the_rest(people, bekasi):
    elsewhere = _case(
        bekasi,
        "ASP-Y3",
        reporter=people.yanti,
        name="Yanti Rahayu",
        phone=Y_PHONE,
        text="Jalan rusak di Margahayu",
        unit=bekasi.polsek_timur,
    )
    request = _on_behalf(people, "access")
    data = subject_request_export(actor=people.desk, request=request)
    assert "ASP-Y3" not in _text(data)
    assert data["held_by_other_units"] == {"aspirations": 1}
    # The subject's own export is complete.
    own = subject_request_submit(actor=people.yanti, kind="access", now=NOW)
    own = subject_request_close(actor=bekasi.admin, request=own, status="done")
    assert elsewhere.number in _text(subject_request_export(actor=people.yanti, request=own))


def test_a_resident_gets_their_export_only_once_the_request_is_done(people):
    request = subject_request_submit(actor=people.yanti, kind="access", now=NOW)
    with pytest.raises(PermissionDenied):
        subject_request_export(actor=people.yanti, request=request)
    with pytest.raises(PermissionDenied):
        subject_request_export(actor=people.xavier, request=request)


# -- Deletion --------------------------------------------------------------------------


def test_deletion_deletes_what_it_may_and_anonymises_what_a_case_needs(people):
    request = _on_behalf(people, "deletion")
    outcome = subject_request_erase(actor=people.desk, request=request, now=NOW)

    people.own_open.refresh_from_db()
    assert people.own_open.reporter is None
    assert people.own_open.reporter_name is None and people.own_open.reporter_phone is None
    assert people.own_open.text == "Lampu jalan di gang kami mati"  # the open case goes on
    people.own_closed.refresh_from_db()
    assert people.own_closed.reporter_name is None and people.own_closed.text == ""

    people.certified.refresh_from_db()
    assert people.certified.name is None and people.certified.nik_index is None
    assert Certificate.objects.filter(report=people.certified).exists()
    assert not LossReport.objects.filter(pk=people.uncertified.pk).exists()

    people.household.refresh_from_db()
    assert people.household.kk_number == REMOVED and people.household.head_name == REMOVED
    assert Handout.objects.get(household=people.household).recipient_name == REMOVED
    assert not Attendee.objects.filter(pk=people.attendee.pk).exists()

    yanti = User.objects.get(pk=people.yanti.pk)
    assert not yanti.is_active and yanti.phone is None and yanti.first_name == ""

    # X's case about Y is untouched: it is X's record.
    people.about_y.refresh_from_db()
    assert people.about_y.reporter_name == "Xaverius Tipster"

    request.refresh_from_db()
    assert request.status == SubjectRequestStatus.DONE
    assert request.subject_nik is None and request.subject_nik_index is None
    assert request.subject_name == REMOVED
    assert outcome.deleted == 2 and outcome.anonymised == 5
    reasons = AuditEntry.objects.filter(reason__contains=request.reference)
    assert reasons.filter(action=AuditAction.DELETE).count() == 2
    for entry in reasons:
        assert Y_NIK not in entry.reason and "Yanti" not in entry.reason


def test_a_closed_request_cannot_be_carried_out_again(people):
    request = _on_behalf(people, "deletion")
    subject_request_erase(actor=people.desk, request=request, now=NOW)
    with pytest.raises(ValidationError):
        subject_request_erase(actor=people.desk, request=request, now=NOW)


# -- Withdrawal of consent ------------------------------------------------------------


def test_withdrawal_stops_notices_and_clears_consents(people):
    with transaction.atomic():
        notification_enqueue(
            channel="sms",
            recipient=Y_PHONE,
            subject="Progress",
            body="Laporan Anda",
            dedupe_key=f"aspiration:{people.own_open.pk}:status:3",
        )
        notification_enqueue(
            channel="email",
            recipient="kapolsek@example.id",
            subject="Overdue",
            body="Overdue",
            dedupe_key=f"aspiration:{people.own_open.pk}:escalated:0:abcd",
        )
    request = _on_behalf(people, "withdraw_consent")
    subject_request_withdraw_consent(actor=people.desk, request=request, now=NOW)

    people.own_open.refresh_from_db()
    assert people.own_open.notify_by == "" and people.own_open.reporter_phone is None
    assert people.own_open.reporter_name == "Yanti Rahayu"
    statuses = dict(OutboxMessage.objects.values_list("dedupe_key", "status"))
    assert statuses[f"aspiration:{people.own_open.pk}:status:3"] == OutboxStatus.DEAD
    # A staff alert about the same case is not the subject's notice.
    assert statuses[f"aspiration:{people.own_open.pk}:escalated:0:abcd"] == OutboxStatus.PENDING
    people.certified.refresh_from_db()
    assert people.certified.reporter_consents_contact is False
    assert not Attendee.objects.filter(pk=people.attendee.pk).exists()
    people.about_y.refresh_from_db()
    assert people.about_y.notify_by == "sms"
    request.refresh_from_db()
    assert request.status == SubjectRequestStatus.DONE


# -- Correction --------------------------------------------------------------------------


def test_correction_changes_the_field_and_audits_digests_not_values(people):
    request = _on_behalf(people, "correction", details="Nama saya Yanti Rahayuningsih")
    report = subject_request_correct(
        actor=people.desk,
        request=request,
        record=f"certificates.lossreport:{people.certified.pk}",
        field_name="name",
        value="Yanti Rahayuningsih",
    )
    assert LossReport.objects.get(pk=report.pk).name == "Yanti Rahayuningsih"
    entry = AuditEntry.objects.get(
        subject_type="certificates.lossreport",
        subject_id=str(report.pk),
        action=AuditAction.UPDATE,
    )
    assert entry.fields == ["name"]
    assert "before #" in entry.reason and "after #" in entry.reason
    assert "Yanti" not in entry.reason
    new_phone = "0813-9999-0000"
    subject_request_correct(
        actor=people.desk,
        request=request,
        record=f"certificates.lossreport:{people.certified.pk}",
        field_name="phone",
        value=new_phone,
    )
    report = LossReport.objects.get(pk=people.certified.pk)
    assert report.phone == "+6281399990000"
    assert report.phone_index == blind_index("phone", "+6281399990000")
    request.refresh_from_db()
    assert request.status == SubjectRequestStatus.IN_PROGRESS


def test_correction_only_of_the_subjects_records_and_allowed_fields(people):
    request = _on_behalf(people, "correction", details="x")
    with pytest.raises(ValidationError):
        subject_request_correct(
            actor=people.desk,
            request=request,
            record=f"aspirations.aspiration:{people.about_y.pk}",
            field_name="text",
            value="changed",
        )
    from django.http import Http404

    with pytest.raises(Http404):
        subject_request_correct(
            actor=people.desk,
            request=request,
            record=f"aspirations.aspiration:{people.about_y.pk}",
            field_name="reporter_name",
            value="changed",
        )
    people.about_y.refresh_from_db()
    assert people.about_y.reporter_name == "Xaverius Tipster"


# -- Lifecycle and overdue alert -------------------------------------------------------


def test_refusal_needs_a_reason_and_forgets_the_identifiers(people):
    request = _on_behalf(people, "deletion")
    subject_request_start(actor=people.desk, request=request)
    with pytest.raises(ValidationError):
        subject_request_close(actor=people.desk, request=request, status="refused")
    closed = subject_request_close(
        actor=people.desk,
        request=request,
        status="refused",
        resolution="Kasus masih dalam penyidikan.",
    )
    assert closed.status == SubjectRequestStatus.REFUSED
    assert closed.resolution == "Kasus masih dalam penyidikan."
    assert closed.handled_by == people.desk and closed.closed_at is not None
    assert closed.subject_phone is None and closed.subject_kk_index is None


def test_security_4_overdue_requests_alert_commanders_and_admins_once(people, bekasi):
    bekasi.commander_selatan.email = "kapolsek@example.id"
    bekasi.commander_selatan.save()
    bekasi.commander_polres.email = "kapolres@example.id"
    bekasi.commander_polres.save()
    bekasi.commander_timur.email = "timur@example.id"
    bekasi.commander_timur.save()
    bekasi.admin.email = "admin@example.id"
    bekasi.admin.save()
    overdue = _on_behalf(people, "access")
    on_time = subject_request_submit(
        actor=people.desk, kind="access", name="Y", nik=Y_NIK, now=NOW + timedelta(hours=10)
    )
    later = NOW + ANSWER_WITHIN + timedelta(minutes=1)
    assert subject_requests_alert_overdue(now=later) == 1
    assert subject_requests_alert_overdue(now=later + timedelta(hours=1)) == 0
    messages = OutboxMessage.objects.filter(topic=f"subject-request:{overdue.pk}")
    assert sorted(messages.values_list("recipient", flat=True)) == [
        "admin@example.id",
        "kapolres@example.id",
        "kapolsek@example.id",
    ]
    assert all(overdue.reference in message.subject for message in messages)
    assert not OutboxMessage.objects.filter(topic=f"subject-request:{on_time.pk}").exists()


def test_a_closed_request_never_alerts(people):
    request = _on_behalf(people, "access")
    subject_request_close(actor=people.desk, request=request, status="done")
    assert subject_requests_alert_overdue(now=NOW + timedelta(days=5)) == 0


def test_the_worker_runs_the_overdue_alert():
    jobs = {name: path for name, _every, path in settings.KAMTIBMAS_PERIODIC_JOBS}
    assert (
        jobs["privacy.subject_requests_overdue"]
        == "kamtibmas.privacy.subject_requests.subject_requests_alert_overdue"
    )


def test_records_are_found_only_by_account_and_proven_identifiers(people):
    request = subject_request_submit(actor=people.yanti, kind="access", now=NOW)
    found = subject_records(request)
    # Self-service: the account's links only (LR-Y0002 was filed without an account).
    assert [report.reference for report in found.loss_reports] == ["LR-Y0001"]
    assert found.households == [] and found.attendees == []
    assert SubjectRequestKind(request.kind) == SubjectRequestKind.ACCESS


def test_a_case_sent_without_an_account_is_found_by_the_reporters_phone(people, bekasi):
    """Y once reported by phone without an account; a request on her behalf that
    proves her phone finds that case too; her own sign-in does not, and X's case
    (another phone) never comes with it."""
    sent = aspiration_submit(
        text="Ada genangan air besar di depan sekolah dasar setiap hujan turun",
        area=bekasi.rw024,
        privacy=Privacy.CONFIDENTIAL,
        source=Source.WEB,
        reporter_name="Yanti",
        reporter_phone="+62 812 3456 7890",
        notify_by="sms",
    ).aspiration
    assert sent.reporter is None
    assert sent.reporter_phone_index == blind_index("phone", Y_PHONE)

    on_behalf = subject_records(_on_behalf(people, "access"))
    numbers = {case.number for case in on_behalf.aspirations}
    assert sent.number in numbers and people.about_y.number not in numbers
    own = subject_records(subject_request_submit(actor=people.yanti, kind="access", now=NOW))
    assert sent.number not in {case.number for case in own.aspirations}

    # Withdrawing consent forgets the phone and its index with it.
    request = _on_behalf(people, "withdraw_consent")
    subject_request_withdraw_consent(actor=people.desk, request=request, now=NOW)
    sent.refresh_from_db()
    assert sent.reporter_phone is None and sent.reporter_phone_index is None
