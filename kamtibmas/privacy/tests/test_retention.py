"""The retention sweep (issue 11 point 3) on a hand-built data set: in every category
one row a day past its period and one a day short of it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.module_loading import import_string

from kamtibmas.aid.models import AidLocation, AidProgram, Handout, HandoutConfirmation, Household
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationUpdate,
    Privacy,
    Source,
    Status,
    TriageCorrection,
)
from kamtibmas.certificates.models import (
    Certificate,
    LossReport,
    LostItem,
    ReportSource,
    ReportStatus,
)
from kamtibmas.core.models import IdempotencyKey
from kamtibmas.engagements.models import Attendee, Dialogue, DialogueType
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus
from kamtibmas.open311.models import Submission
from kamtibmas.privacy import retention
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.models import AuditEntry
from kamtibmas.privacy.retention import (
    HOUSEHOLD_INDEX_PREFIX,
    OUTBOX_REMOVED_NOTE,
    REMOVED,
    retention_sweep,
)
from kamtibmas.surveys.models import SurveyResponse

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
DAYS = settings.KAMTIBMAS_RETENTION_DAYS
NIK = "3275044107890003"
PHONE = "+6281234567890"


def past(category: str) -> datetime:
    """A day past the category's period."""
    return NOW - timedelta(days=DAYS[category] + 1)


def short(category: str) -> datetime:
    """A day short of the category's period."""
    return NOW - timedelta(days=DAYS[category] - 1)


def _case(bekasi, number: str, *, privacy: str, closed_at: datetime | None, **extra) -> Aspiration:
    named = privacy != Privacy.ANONYMOUS
    moment = (closed_at or NOW) - timedelta(days=30)
    case = Aspiration.objects.create(
        number=number,
        text=f"Motor saya dicuri di gang dekat rumah ({number})",
        category="pencurian",
        urgency="sedang",
        suggested_category="pencurian",
        suggested_urgency="sedang",
        area=bekasi.rw024,
        latitude=-6.2476,
        longitude=106.9942,
        privacy=privacy,
        source=Source.WEB,
        spot_answer="Akan dipatroli",
        reporter_name="Siti Aminah" if named else None,
        reporter_phone=PHONE if named else None,
        reporter_email="siti@example.id" if named else None,
        notify_by="sms" if named else "",
        receipt_digest=blind_index("test", number),
        status=Status.RESOLVED if closed_at else Status.IN_PROGRESS,
        unit=bekasi.polsek_selatan,
        assigned_unit=bekasi.polsek_selatan,
        received_at=moment,
        updated_at=closed_at or moment,
        resolved_at=closed_at,
        closed_at=closed_at,
        search_terms=" motor curi gang ",
        **extra,
    )
    AspirationUpdate.objects.create(
        aspiration=case,
        kind="note",
        author_kind="staff",
        text="Pelapor: Siti, RT 001",
        created_at=moment,
    )
    TriageCorrection.objects.create(
        aspiration=case,
        text=case.text,
        suggested_category="pencurian",
        suggested_urgency="sedang",
        category="pencurian",
        urgency="sedang",
        created_at=moment,
    )
    if named:
        Submission.objects.create(aspiration=case, device_id="device-1", account_id="acct-9")
    return case


def _loss_report(bekasi, reference: str, *, status: str, changed: datetime, valid_until=None):
    report = LossReport.objects.create(
        reference=reference,
        status=status,
        source=ReportSource.WEB,
        unit=bekasi.post_kayuringin,
        name="Budi Santoso",
        nik=NIK,
        nik_index=blind_index("nik", NIK),
        birth_place="Bekasi",
        birth_date=date(1989, 7, 1),
        sex="L",
        religion="islam",
        occupation="Buruh",
        address="Jl. Kenari No. 5, RT 001/RW 024",
        phone=PHONE,
        phone_index=blind_index("phone", PHONE),
        lost_on=date(2025, 1, 2),
        lost_place="Pasar Baru",
        circumstances="Dompet jatuh",
    )
    LostItem.objects.create(report=report, item_type="ktp", details_json=json.dumps({"nik": NIK}))
    if valid_until is not None:
        Certificate.objects.create(
            report=report,
            unit=bekasi.post_kayuringin,
            number=f"SKTLK/{reference}",
            year=2025,
            sequence=int(reference[-1]),
            issued_at=changed,
            valid_from=valid_until - timedelta(days=30),
            valid_until=valid_until,
            issued_by=bekasi.officer_selatan,
            officer_name="Bripka Andi",
            officer_rank="Bripka",
            officer_nrp="12345678",
            identity_checked="KK",
            kid="k1",
            qr_text=f"qr-{reference}",
        )
    LossReport.objects.filter(pk=report.pk).update(updated_at=changed)
    return report


def _dialogue(bekasi, title: str, *, ended: datetime) -> Dialogue:
    kind, _created = DialogueType.objects.get_or_create(
        code="retensi", defaults={"name_id": "Retensi", "name_en": "Retention"}
    )
    return Dialogue.objects.create(
        type=kind,
        title=title,
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW",
        planned_start=ended - timedelta(hours=2),
        planned_end=ended,
        residents_count=30,
    )


def _household(bekasi, kk: str, *, program: AidProgram, location: AidLocation, changed: datetime):
    household = Household.objects.create(
        kk_number=kk,
        kk_index=blind_index("kk", kk),
        head_name="Ahmad Yani",
        address="Gg. Mawar No. 3",
        area=bekasi.rw024,
        members=4,
        children=2,
        vulnerability="lansia sakit",
        card_code=f"CARD{kk[-4:]}",
        card_index=blind_index("card", f"CARD{kk[-4:]}"),
    )
    handout = Handout.objects.create(
        program=program,
        household=household,
        location=location,
        handed_at=datetime.combine(program.ends_on, datetime.min.time(), tzinfo=UTC),
        local_day=program.ends_on,
        officer=bekasi.officer_selatan,
        recipient_name="Ahmad Yani",
        children_present=1,
    )
    HandoutConfirmation.objects.create(handout=handout, kind="signature", image="aGVsbG8=")
    Household.objects.filter(pk=household.pk).update(updated_at=changed)
    return household


def _program(bekasi, name: str, ends_on: date) -> tuple[AidProgram, AidLocation]:
    program = AidProgram.objects.create(
        name=name,
        unit=bekasi.polsek_selatan,
        starts_on=ends_on - timedelta(days=10),
        ends_on=ends_on,
    )
    return program, AidLocation.objects.create(program=program, name="Balai RW")


@pytest.fixture
def data(bekasi) -> SimpleNamespace:
    old_program, old_location = _program(bekasi, "Sembako 2023", past("household").date())
    new_program, new_location = _program(bekasi, "Sembako 2025", short("household").date())
    old_dialogue = _dialogue(bekasi, "Ngopi lama", ended=past("attendee_list"))
    new_dialogue = _dialogue(bekasi, "Ngopi baru", ended=short("attendee_list"))
    for dialogue in (old_dialogue, new_dialogue):
        Attendee.objects.create(dialogue=dialogue, name="Warga", phone=PHONE, source="sign_in")
    outbox = {}
    for name, when in (("old", past("outbox_message")), ("new", short("outbox_message"))):
        outbox[name] = OutboxMessage.objects.create(
            channel="sms",
            recipient=PHONE,
            body="Laporan Anda sedang ditangani, Siti",
            dedupe_key=f"test:{name}",
            status=OutboxStatus.SENT,
            sent_at=when,
        )
    answers = {
        name: SurveyResponse.objects.create(
            dialogue=new_dialogue,
            voter_digest=name,
            answered_on=when.date(),
            scores={"aman": 4},
            comment="Pak RT galak",
        )
        for name, when in (("old", past("survey_comment")), ("new", short("survey_comment")))
    }
    IdempotencyKey.objects.create(
        client="", key="old", fingerprint="f", claim="c", created_at=NOW - timedelta(days=9)
    )
    IdempotencyKey.objects.create(
        client="", key="new", fingerprint="f", claim="c", created_at=NOW - timedelta(days=7)
    )
    return SimpleNamespace(
        named_old=_case(
            bekasi, "ASP-1", privacy=Privacy.PUBLIC, closed_at=past("aspiration_contact")
        ),
        named_new=_case(
            bekasi, "ASP-2", privacy=Privacy.PUBLIC, closed_at=short("aspiration_contact")
        ),
        named_content_old=_case(
            bekasi, "ASP-3", privacy=Privacy.CONFIDENTIAL, closed_at=past("case_content")
        ),
        named_open=_case(bekasi, "ASP-4", privacy=Privacy.PUBLIC, closed_at=None),
        anonymous_old=_case(
            bekasi, "ASP-5", privacy=Privacy.ANONYMOUS, closed_at=past("anonymous_case_content")
        ),
        anonymous_new=_case(
            bekasi, "ASP-6", privacy=Privacy.ANONYMOUS, closed_at=short("anonymous_case_content")
        ),
        report_old=_loss_report(
            bekasi,
            "LR-1",
            status=ReportStatus.ISSUED,
            changed=past("loss_report_identity"),
            valid_until=past("loss_report_identity").date(),
        ),
        report_new=_loss_report(
            bekasi,
            "LR-2",
            status=ReportStatus.ISSUED,
            changed=past("loss_report_identity"),
            valid_until=short("loss_report_identity").date(),
        ),
        report_uncertified_old=_loss_report(
            bekasi, "LR-3", status=ReportStatus.READY, changed=past("loss_report_identity")
        ),
        draft_old=_loss_report(
            bekasi, "LR-4", status=ReportStatus.DRAFT, changed=past("loss_report_draft")
        ),
        draft_new=_loss_report(
            bekasi, "LR-5", status=ReportStatus.DRAFT, changed=short("loss_report_draft")
        ),
        old_dialogue=old_dialogue,
        new_dialogue=new_dialogue,
        outbox=outbox,
        answers=answers,
        household_old=_household(
            bekasi,
            "3275041234560001",
            program=old_program,
            location=old_location,
            changed=past("household"),
        ),
        household_served_recently=_household(
            bekasi,
            "3275041234560002",
            program=new_program,
            location=new_location,
            changed=past("household"),
        ),
        household_changed_recently=_household(
            bekasi,
            "3275041234560003",
            program=old_program,
            location=old_location,
            changed=short("household"),
        ),
    )


EXPECTED = {
    # ASP-1 (contact) and ASP-3 (content, closed long ago: its contact too).
    "aspiration_contact": 2,
    "anonymous_case_content": 1,
    "case_content": 1,
    "loss_report_identity": 2,
    "loss_report_draft": 1,
    "outbox_message": 1,
    "attendee_list": 1,
    "survey_comment": 1,
    "household": 1,
    "idempotency": 1,
    "audit_log": 0,
}


def _snapshot() -> list[tuple]:
    """Every row of the tables the sweep touches, decrypted."""
    models = [
        Aspiration,
        AspirationUpdate,
        TriageCorrection,
        Submission,
        LossReport,
        LostItem,
        OutboxMessage,
        Attendee,
        SurveyResponse,
        Household,
        Handout,
        HandoutConfirmation,
        IdempotencyKey,
        AuditEntry,
    ]
    rows = []
    for model in models:
        names = [field.attname for field in model._meta.concrete_fields]
        values = model._default_manager.order_by("pk").values_list(*names)
        rows += [(model.__name__, *row) for row in values]
    return rows


def test_dry_run_counts_what_expired_and_changes_nothing(data):
    before = _snapshot()
    report = retention_sweep(now=NOW, dry_run=True)
    assert {result.code: result.rows for result in report.results} == EXPECTED
    assert report.dry_run
    assert _snapshot() == before


def test_security_6_sweep_removes_what_expired_and_keeps_the_rest(data):
    report = retention_sweep(now=NOW)
    assert {result.code: result.rows for result in report.results} == EXPECTED

    old = Aspiration.objects.get(pk=data.named_old.pk)
    assert (old.reporter_name, old.reporter_phone, old.reporter_email, old.notify_by) == (
        None,
        None,
        None,
        "",
    )
    assert old.text and old.latitude is not None  # content lasts longer than contact
    submission = Submission.objects.get(aspiration=old)
    assert (submission.device_id, submission.account_id) == (None, None)
    assert Aspiration.objects.get(pk=data.named_new.pk).reporter_phone == PHONE
    assert Aspiration.objects.get(pk=data.named_open.pk).reporter_phone == PHONE

    for case in (data.named_content_old, data.anonymous_old):
        case.refresh_from_db()
        assert (case.text, case.spot_answer, case.search_terms) == ("", "", "")
        assert (case.latitude, case.longitude) == (None, None)
        assert (case.category, case.status, case.area_id) == (
            "pencurian",
            "resolved",
            data.named_old.area_id,
        )
        assert set(case.updates.values_list("text", flat=True)) == {""}
        assert set(
            TriageCorrection.objects.filter(aspiration=case).values_list("text", flat=True)
        ) == {""}
    assert Aspiration.objects.get(pk=data.anonymous_new.pk).text.startswith("Motor")

    for report_ in (data.report_old, data.report_uncertified_old):
        report_.refresh_from_db()
        assert (report_.nik, report_.nik_index, report_.name, report_.phone_index) == (None,) * 4
        assert (report_.religion, report_.address, report_.circumstances) == (None, None, "")
        assert report_.items.get().details == {}
        assert report_.reference.startswith("LR-")
    kept = LossReport.objects.get(pk=data.report_new.pk)
    assert (kept.nik, kept.items.get().details) == (NIK, {"nik": NIK})
    assert not LossReport.objects.filter(pk=data.draft_old.pk).exists()
    assert LossReport.objects.filter(pk=data.draft_new.pk).exists()

    old_message = OutboxMessage.objects.get(pk=data.outbox["old"].pk)
    assert (old_message.recipient, old_message.body, old_message.last_error) == (
        REMOVED,
        REMOVED,
        OUTBOX_REMOVED_NOTE,
    )
    assert old_message.dedupe_key == "test:old"  # never sent twice
    assert OutboxMessage.objects.get(pk=data.outbox["new"].pk).recipient == PHONE

    assert not data.old_dialogue.attendees.exists()
    assert Dialogue.objects.get(pk=data.old_dialogue.pk).residents_count == 30
    assert data.new_dialogue.attendees.count() == 1

    assert SurveyResponse.objects.get(pk=data.answers["old"].pk).comment is None
    assert SurveyResponse.objects.get(pk=data.answers["old"].pk).scores == {"aman": 4}
    assert SurveyResponse.objects.get(pk=data.answers["new"].pk).comment == "Pak RT galak"

    household = Household.objects.get(pk=data.household_old.pk)
    assert household.kk_index == f"{HOUSEHOLD_INDEX_PREFIX}{household.pk}"
    assert (household.kk_number, household.head_name) == (REMOVED, REMOVED)
    assert (household.address, household.vulnerability, household.card_code) == (None,) * 3
    assert (household.members, household.children) == (4, 2)
    handout = household.handouts.get()
    assert handout.recipient_name == REMOVED
    assert not HandoutConfirmation.objects.filter(handout=handout).exists()
    for pk in (data.household_served_recently.pk, data.household_changed_recently.pk):
        assert Household.objects.get(pk=pk).head_name == "Ahmad Yani"
        assert HandoutConfirmation.objects.filter(handout__household_id=pk).exists()

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_each_batch_is_audited_with_counts_and_no_personal_data(data, monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 1)
    retention_sweep(now=NOW)
    entries = AuditEntry.objects.filter(subject_id__startswith="retention:")
    contact = entries.filter(subject_id="retention:aspiration_contact")
    assert sorted(contact.values_list("subject_type", flat=True)) == [
        "aspirations.aspiration",
        "aspirations.aspiration",
        "open311.submission",
        "open311.submission",
    ]
    assert {entry.reason for entry in contact} == {
        f"Retention aspiration_contact ({DAYS['aspiration_contact']} days): 1 rows anonymised"
    }
    assert entries.filter(subject_id="retention:loss_report_draft", action="delete").exists()
    assert all(entry.actor_id is None for entry in entries)
    written = " ".join(f"{entry.reason} {entry.fields}" for entry in entries)
    for personal in (NIK, PHONE, "Siti", "Budi", "Ahmad", "Gg. Mawar", "dicuri"):
        assert personal not in written
    # Summaries name the category, never a record.
    assert {entry.subject_id for entry in entries} <= {
        f"retention:{code}" for code in retention.CATEGORY_BY_CODE
    }


def test_a_second_run_finds_nothing_left(data):
    retention_sweep(now=NOW)
    audit_rows = AuditEntry.objects.count()
    after_first = _snapshot()
    second = retention_sweep(now=NOW)
    assert {result.rows for result in second.results} == {0}
    assert AuditEntry.objects.count() == audit_rows
    assert _snapshot() == after_first


def test_the_periods_come_from_the_settings(data, settings):
    settings.KAMTIBMAS_RETENTION_DAYS = {**DAYS, "outbox_message": DAYS["outbox_message"] - 2}
    report = retention_sweep(now=NOW, dry_run=True)
    assert report.rows("outbox_message") == 2


def test_the_command_prints_the_dry_run_report_and_changes_nothing(data):
    before = _snapshot()
    out = StringIO()
    with translation.override("en"):
        call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "dry run: nothing was changed" in text
    lines = {line.split()[0]: line.split() for line in text.splitlines()[2:] if line.strip()}
    assert lines["household"][1:3] == ["anonymise", str(DAYS["household"])]
    assert lines["loss_report_draft"][1] == "delete"
    assert _snapshot() == before


def test_the_worker_runs_the_sweep_nightly():
    jobs = {name: (every, path) for name, every, path in settings.KAMTIBMAS_PERIODIC_JOBS}
    every, path = jobs["privacy.retention_sweep"]
    assert every == 24 * 60 * 60
    assert import_string(path) is retention_sweep


def test_every_category_with_a_sweep_has_a_documented_period():
    swept = {code for code, _sweep in retention._SWEEPS.items()}
    assert swept - {"idempotency"} == set(DAYS)
