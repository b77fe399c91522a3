"""``kamtibmas breach_report`` (SECURITY.md 7) on hand-built records and audit rows:
the selection by each option, people merged across records, the three formats, no
identifier in clear text unless asked for (and then audited), deleted and
anonymised records."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kamtibmas.aid.models import AidLocation, AidProgram, Handout, HandoutConfirmation, Household
from kamtibmas.aspirations.models import Aspiration, Privacy, Source, Status
from kamtibmas.certificates.models import LossReport, ReportSource, ReportStatus
from kamtibmas.engagements.models import Attendee, Dialogue, DialogueOfficial, DialogueType
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.breach import CONTACT_REASON, REPORT_REASON
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.privacy.retention import HOUSEHOLD_INDEX_PREFIX, REMOVED
from kamtibmas.privacy.services import audit_record, audit_record_retention

NIK = "3275044107890003"
KK = "3275041234560001"
PHONE = "+6281234567890"
CHILD_PHONE = "+6285712345678"
EMAIL = "siti@example.id"
ADDRESS = "Jl. Kenari No. 5, RT 001/RW 024"
SECRETS = (NIK, KK, PHONE, CHILD_PHONE, "81234567890", EMAIL, ADDRESS, "Gg. Mawar No. 3")
DAY1 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10.00 WIB
DAY2 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
DAY3 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def audit_at(moment: datetime, **kwargs) -> AuditEntry:
    """``audit_record`` as if called at ``moment`` (``created_at`` is ``auto_now_add``)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return audit_record(**kwargs)


def _aspiration(bekasi, number: str, *, privacy: str = Privacy.PUBLIC) -> Aspiration:
    named = privacy != Privacy.ANONYMOUS
    return Aspiration.objects.create(
        number=number,
        text="Motor saya dicuri",
        category="pencurian",
        urgency="sedang",
        suggested_category="pencurian",
        suggested_urgency="sedang",
        area=bekasi.rw024,
        privacy=privacy,
        source=Source.WEB,
        reporter_name="Siti Aminah" if named else None,
        reporter_phone=PHONE if named else None,
        reporter_email=EMAIL if named else None,
        receipt_digest=blind_index("test", number),
        status=Status.IN_PROGRESS,
        unit=bekasi.polsek_selatan,
        assigned_unit=bekasi.polsek_selatan,
        received_at=DAY1 - timedelta(days=1),
        updated_at=DAY1 - timedelta(days=1),
    )


def _loss_report(bekasi, reference: str) -> LossReport:
    return LossReport.objects.create(
        reference=reference,
        status=ReportStatus.READY,
        source=ReportSource.WEB,
        unit=bekasi.post_kayuringin,
        name="Siti Aminah",
        nik=NIK,
        nik_index=blind_index("nik", NIK),
        birth_date=date(1989, 7, 1),
        address=ADDRESS,
        phone=PHONE,
        phone_index=blind_index("phone", PHONE),
        lost_on=date(2026, 11, 1),
        lost_place="Pasar Baru",
    )


def _household(bekasi, kk: str, head: str) -> Household:
    return Household.objects.create(
        kk_number=kk,
        kk_index=blind_index("kk", kk),
        head_name=head,
        address="Gg. Mawar No. 3",
        area=bekasi.rw024,
        members=4,
        children=2,
    )


@pytest.fixture
def data(bekasi) -> SimpleNamespace:
    kind = DialogueType.objects.create(code="ngopi", name_id="Ngopi", name_en="Coffee")
    dialogue = Dialogue.objects.create(
        type=kind,
        title="Jumat Curhat",
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW",
        planned_start=DAY1,
        planned_end=DAY1 + timedelta(hours=2),
        minutes="Pak Darto mengeluh soal parkir",
    )
    Attendee.objects.create(dialogue=dialogue, name="Rina", phone=CHILD_PHONE, group="child")
    Attendee.objects.create(dialogue=dialogue, name="Joko", source="sign_in")
    DialogueOfficial.objects.create(dialogue=dialogue, position="Lurah", name="Ibu Lurah")
    program = AidProgram.objects.create(
        name="Sembako",
        unit=bekasi.polsek_selatan,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 12, 1),
    )
    location = AidLocation.objects.create(program=program, name="Balai RW")
    household = _household(bekasi, KK, "Ahmad Yani")
    handout = Handout.objects.create(
        program=program,
        household=household,
        location=location,
        handed_at=DAY1,
        local_day=DAY1.date(),
        officer=bekasi.officer_selatan,
        recipient_name="Ahmad Yani",
    )
    confirmation = HandoutConfirmation.objects.create(
        handout=handout, kind="signature", image="aGVsbG8="
    )
    anonymised = _household(bekasi, "3275041234560002", "Budi")
    Household.objects.filter(pk=anonymised.pk).update(
        kk_number=REMOVED, head_name=REMOVED, kk_index=f"{HOUSEHOLD_INDEX_PREFIX}{anonymised.pk}"
    )
    return SimpleNamespace(
        aspiration=_aspiration(bekasi, "ASP-1"),
        anonymous=_aspiration(bekasi, "ASP-2", privacy=Privacy.ANONYMOUS),
        report=_loss_report(bekasi, "LR-1"),
        dialogue=dialogue,
        household=household,
        handout=handout,
        confirmation=confirmation,
        anonymised=Household.objects.get(pk=anonymised.pk),
    )


def breach(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):  # the assertions read the English texts
        call_command("breach_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def people(*args: str) -> list[dict]:
    return json.loads(breach("--format", "json", *args)[0])["people"]


def names(*args: str) -> set[str]:
    return {person["name"] for person in people(*args)}


def read(moment, actor, subject, fields, action=AuditAction.READ) -> AuditEntry:
    return audit_at(moment, actor=actor, action=action, subject=subject, reason="t", fields=fields)


def test_security_7_each_option_selects_its_slice_of_the_log(bekasi, data):
    read(DAY1, bekasi.officer_selatan, data.aspiration, ["reporter_name", "reporter_phone"])
    read(DAY2, bekasi.officer_timur, data.household, ["head_name", "kk_number"])
    read(DAY3, bekasi.commander_selatan, data.handout, ["recipient_name"])
    assert names() == {"Siti Aminah", "Ahmad Yani"}
    assert names("--since", "2026-11-21") == {"Ahmad Yani"}
    assert names("--until", "2026-11-20") == {"Siti Aminah"}
    assert names("--since", "2026-11-21", "--until", "2026-11-22") == {"Ahmad Yani"}
    assert names("--since", "2026-11-22T10:30:00+07:00") == {"Ahmad Yani"}  # DAY3 only
    assert people("--since", "2026-11-22T10:30:00+07:00")[0]["records"] == [
        f"aid.handout#{data.handout.pk}"
    ]
    assert names("--actor", "bhabin.timur") == {"Ahmad Yani"}
    assert names("--unit", "Polsek Bekasi Timur") == {"Ahmad Yani"}
    by_selatan = people("--unit", str(bekasi.polsek_selatan.pk))
    assert {p["name"] for p in by_selatan} == {"Siti Aminah", "Ahmad Yani"}
    assert [p["records"] for p in by_selatan if p["name"] == "Ahmad Yani"] == [
        [f"aid.handout#{data.handout.pk}"]
    ]
    assert names("--record", f"aspirations.aspiration:{data.aspiration.pk}") == {"Siti Aminah"}
    assert names("--record", "aid.household") == {"Ahmad Yani"}
    assert names("--record", "aid.household:999999") == set()
    assert names("--action", "create") == set()


def test_bad_options_are_refused(bekasi, data):
    for args in (
        ("--actor", "nobody"),
        ("--unit", "Polsek Atlantis"),
        ("--record", "household"),
        ("--since", "kemarin"),
        ("--since", "2026-11-22", "--until", "2026-11-21"),
        ("--include-contact",),
    ):
        with pytest.raises(CommandError):
            breach(*args)


def test_people_are_merged_by_identifier_and_accesses_add_up(bekasi, data):
    read(DAY1, bekasi.officer_selatan, data.aspiration, ["reporter_name", "reporter_phone"])
    read(DAY2, bekasi.officer_selatan, data.aspiration, ["reporter_name"])
    read(DAY3, bekasi.officer_timur, data.report, ["name", "nik", "address"])
    read(DAY1, bekasi.officer_selatan, data.household, ["head_name"])
    read(DAY2, bekasi.officer_selatan, data.handout, ["recipient_name"])
    read(DAY3, bekasi.officer_selatan, data.confirmation, ["image"])
    found = {person["name"]: person for person in people()}
    assert set(found) == {"Siti Aminah", "Ahmad Yani"}
    siti = found["Siti Aminah"]
    assert siti["records"] == sorted(
        [
            f"aspirations.aspiration#{data.aspiration.pk}",
            f"certificates.lossreport#{data.report.pk}",
        ]
    )
    assert siti["fields"] == ["address", "name", "nik", "reporter_name", "reporter_phone"]
    assert siti["accesses"] == 3
    assert siti["actors"] == ["bhabin.selatan", "bhabin.timur"]
    assert (siti["first_access"], siti["last_access"]) == (DAY1.isoformat(), DAY3.isoformat())
    assert siti["identifiers"] == {
        "nik": "************0003",
        "phone": "**********7890",
        "email": "s***@example.id",
        "address": "***",
    }
    ahmad = found["Ahmad Yani"]
    assert len(ahmad["records"]) == 3 and ahmad["accesses"] == 3
    assert ahmad["fields"] == ["head_name", "image", "recipient_name"]


def test_a_dialogue_exposes_only_the_people_its_audited_fields_name(bekasi, data):
    read(DAY1, bekasi.officer_selatan, data.dialogue, ["minutes"])
    rows = people()
    assert [(p["name"], p["status"]) for p in rows] == [("", "not_identifiable")]
    read(DAY2, bekasi.officer_selatan, data.dialogue, ["attendee.name", "official.name"])
    rows = people()
    named = {p["name"]: p for p in rows if p["name"]}
    assert set(named) == {"Rina", "Joko", "Ibu Lurah"}
    assert named["Rina"]["child"] is True and named["Joko"]["child"] is False
    assert named["Rina"]["fields"] == ["attendee.name"]
    assert named["Rina"]["identifiers"] == {"phone": "**********5678"}
    assert named["Ibu Lurah"]["fields"] == ["official.name"]
    assert len(rows) == 4  # and the free text, once


def test_deleted_anonymised_and_anonymous_records_are_listed_as_such(bekasi, data):
    read(DAY1, bekasi.officer_selatan, data.anonymous, ["reporter_name"])
    read(DAY1, bekasi.officer_selatan, data.anonymised, ["head_name"])
    entry = read(DAY1, bekasi.officer_selatan, data.report, ["name"])
    gone = LossReport.objects.get(pk=data.report.pk)
    gone_pk = gone.pk
    gone.delete()
    statuses = {(p["kind"][0], p["status"]) for p in people()}
    assert statuses == {
        (f"reporter of aspiration {data.anonymous.number}", "not_identifiable"),
        (f"head of household #{data.anonymised.pk}", "anonymised"),
        ("certificates.lossreport (record deleted)", "deleted"),
    }
    assert entry.subject_id == str(gone_pk)
    assert all(p["name"] == "" for p in people())


def test_retention_rows_units_and_unknown_types(bekasi, data):
    audit_record_retention(
        category="household",
        model_label="aid.Household",
        action=AuditAction.UPDATE,
        count=3,
        fields=["head_name"],
        days=1825,
    )
    read(DAY1, bekasi.commander_polres, bekasi.polsek_selatan, ["actor"])
    read(DAY1, bekasi.officer_selatan, bekasi.rw024, ["name"])  # areas.area: not personal
    read(DAY1, bekasi.officer_selatan, bekasi.polda, ["name"])
    read(DAY1, bekasi.officer_selatan, data.dialogue.type, ["name_id"])  # no resolver
    out, err = breach("--action", "read", "--action", "update")
    assert "Nobody" in out
    assert "engagements.dialoguetype" in err


def test_no_identifier_in_clear_text_by_default_in_any_format(bekasi, data):
    read(DAY1, bekasi.officer_selatan, data.aspiration, ["reporter_phone", "reporter_email"])
    read(DAY1, bekasi.officer_selatan, data.report, ["nik", "address", "phone"])
    read(DAY1, bekasi.officer_selatan, data.household, ["kk_number", "address"])
    read(DAY1, bekasi.officer_selatan, data.dialogue, ["attendee.phone"])
    read(DAY1, bekasi.officer_selatan, bekasi.commander_timur, ["phone"], AuditAction.EXPORT)
    for fmt in ("table", "csv", "json"):
        out, _err = breach("--format", fmt)
        assert "Siti Aminah" in out and "Ahmad Yani" in out and "Rina" in out
        for secret in SECRETS:
            assert secret not in out, (fmt, secret)


def test_formats_are_readable(bekasi, data):
    read(DAY1, bekasi.officer_selatan, data.aspiration, ["reporter_name"])
    with translation.override("en"):
        table, _err = breach()
    lines = table.splitlines()
    assert lines[0].startswith("Breach report")
    assert lines[2] == "1 audit entries, 1 records, 1 people or records to review."
    header = next(line for line in lines if line.startswith("name"))
    assert "status" in header and "first access" in header and "by" in header
    row = next(line for line in lines if line.startswith("Siti Aminah"))
    assert "2026-11-20 10:00" in row and "bhabin.selatan" in row  # WIB
    (parsed,) = list(csv.DictReader(io.StringIO(breach("--format", "csv")[0])))
    assert parsed["name"] == "Siti Aminah"
    assert parsed["records"] == f"aspirations.aspiration#{data.aspiration.pk}"
    assert parsed["identifiers"] == "phone: **********7890; email: s***@example.id"
    document = json.loads(breach("--format", "json")[0])
    assert document["selection"]["actions"] == ["read", "export"]
    assert (document["audit_entries"], document["records"]) == (1, 1)


def test_contact_details_only_when_asked_and_that_use_is_audited(bekasi, data):
    read(DAY1, bekasi.officer_selatan, data.aspiration, ["reporter_name"])
    read(DAY1, bekasi.officer_selatan, data.report, ["nik"])
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    breach()
    listed = AuditEntry.objects.exclude(pk__in=before)
    assert {(e.action, e.reason, e.actor_id) for e in listed} == {("export", REPORT_REASON, None)}
    assert {(e.subject_type, tuple(e.fields)) for e in listed} == {
        ("aspirations.aspiration", ("reporter_name",)),
        ("certificates.lossreport", ("name",)),
    }
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    out = json.loads(breach("--format", "json", "--include-contact", "--operator", "admin")[0])
    (siti,) = out["people"]
    assert siti["contact"] == {"phone": PHONE, "email": EMAIL, "address": ADDRESS}
    assert NIK not in json.dumps(out)  # never needed to notify anyone
    contact = AuditEntry.objects.exclude(pk__in=before)
    assert {(e.action, e.reason, e.actor_id) for e in contact} == {
        ("export", CONTACT_REASON, bekasi.admin.pk)
    }
    assert {(e.subject_type, tuple(e.fields)) for e in contact} == {
        ("aspirations.aspiration", ("reporter_email", "reporter_name", "reporter_phone")),
        ("certificates.lossreport", ("address", "name", "phone")),
    }
