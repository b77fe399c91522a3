"""The desk's register and the monthly counts (issue 7 point 6): which reports and
certificates they hold, on which local day, what they audit, and the XLSX files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import load_workbook

from kamtibmas.accounts.models import Role
from kamtibmas.certificates.models import Certificate, LossReport, ReportSource
from kamtibmas.certificates.register import (
    MonthlyCount,
    monthly_counts,
    monthly_counts_xlsx,
    register_rows,
    register_xlsx,
)
from kamtibmas.certificates.services import (
    certificate_issue,
    certificate_revoke,
    loss_report_start,
)
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, identity
from kamtibmas.conftest import make_user
from kamtibmas.core.scope import scope_for
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.privacy.services import audit_record_many

pytestmark = pytest.mark.django_db

AUGUST = (date(2025, 8, 1), date(2025, 8, 31))
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def report_at(desk, moment: datetime, **changes: Any) -> LossReport:
    """A complete desk report of Polsek Bekasi Selatan, reported at ``moment``."""
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
    report = loss_report_start(**arguments)
    LossReport.objects.filter(pk=report.pk).update(submitted_at=moment)
    report.refresh_from_db()
    return report


def issued_at(desk, moment: datetime, **changes: Any) -> Certificate:
    report = report_at(desk, moment, **changes)
    return certificate_issue(actor=desk.officer, report=report, identity_checked="KK", now=moment)


def wib(day: int, hour: int, minute: int = 0, *, month: int = 8, year: int = 2025) -> datetime:
    """A moment on the clock in Bekasi (WIB, UTC+7)."""
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


# --- the register ------------------------------------------------------------------


def test_the_register_has_the_desks_columns_in_reporting_order(desk):
    later = report_at(desk, wib(12, 10))
    first = report_at(
        desk,
        wib(3, 9, 15),
        identity=identity(name="Ahmad Yani", nik=None, sex="L", citizenship="WNA"),
        items=[{"type": "sim", "details": {"sim_number": "123456789012", "sim_class": "C"}}],
    )

    rows = register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1])

    assert [row.reference for row in rows] == [first.reference, later.reference]
    row = rows[1]
    assert (row.name, row.citizenship, row.phone) == ("Siti Aminah", "WNI", "+6281234567890")
    assert row.address.startswith("Jl. Cut Meutia")
    assert (row.lost_on, row.lost_place) == (date(2025, 7, 30), "Pasar Baru Bekasi")
    assert row.documents == "Identity card (KTP-el), Family card (KK)"
    assert row.item_types == ("ktp", "kk")
    assert row.reported_at.isoformat() == "2025-08-12T10:00:00+07:00"
    assert row.zone == "WIB"
    assert (row.status, row.certificate_number, row.issued_on, row.revoked) == (
        "ready",
        "",
        None,
        False,
    )
    assert rows[0].citizenship == "WNA" and rows[0].documents == "Driving licence (SIM)"
    assert not any(SITI_NIK in str(value) for value in vars(row).values())


def test_documents_are_named_in_the_active_language(desk):
    report_at(desk, wib(12, 10))
    with translation.override("id"):
        rows = register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1])
    assert rows[0].documents == "Kartu Tanda Penduduk (KTP-el), Kartu Keluarga (KK)"


def test_a_report_belongs_to_the_local_day_it_was_made(desk):
    late = report_at(desk, wib(31, 23, 30))  # 16.30 UTC on 31 August
    after_midnight = report_at(desk, datetime(2025, 8, 31, 17, 30, tzinfo=UTC))  # 00.30 WIB
    early = report_at(desk, datetime(2025, 7, 31, 17, 5, tzinfo=UTC))  # 00.05 WIB, 1 August

    august = register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1])
    september = register_rows(actor=desk.officer, start=date(2025, 9, 1), end=date(2025, 9, 1))

    assert [row.reference for row in august] == [early.reference, late.reference]
    assert [row.reference for row in september] == [after_midnight.reference]
    assert september[0].reported_at.isoformat() == "2025-09-01T00:30:00+07:00"


def test_the_register_shows_the_certificate_and_its_revocation(desk):
    certificate = issued_at(desk, wib(5, 9))
    certificate_revoke(actor=desk.officer, certificate=certificate, reason="Data salah")

    (row,) = register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1])

    assert row.status == "issued" and row.status_label == "Certificate issued"
    assert row.certificate_id == certificate.pk
    assert row.certificate_number == certificate.number
    assert row.issued_on == date(2025, 8, 5)
    assert row.revoked is True


def test_the_register_is_scoped_and_narrowed_to_a_unit(desk):
    selatan = report_at(desk, wib(4, 9))
    post = report_at(desk, wib(5, 9), unit=desk.post_kayuringin)
    timur = report_at(desk, wib(6, 9), actor=desk.other_unit, unit=desk.polsek_timur)

    def seen(actor, unit=None):
        rows = register_rows(actor=actor, start=AUGUST[0], end=AUGUST[1], unit=unit)
        return [row.reference for row in rows]

    assert seen(desk.officer) == [selatan.reference, post.reference]
    assert seen(desk.other_unit) == [timur.reference]
    assert seen(desk.officer, desk.post_kayuringin) == [post.reference]
    assert seen(desk.officer, desk.polsek_timur) == []  # not theirs: nothing
    assert seen(desk.commander_polres) == [selatan.reference, post.reference, timur.reference]
    assert seen(desk.admin) == [selatan.reference, post.reference, timur.reference]


@pytest.mark.parametrize("role", [Role.COMMUNITY_OFFICER, Role.HANDLER, Role.PARTNER])
def test_only_the_desk_commanders_and_administrators_read_the_register(desk, role):
    reader = make_user(f"reader.{role}", role, desk.polsek_selatan)
    report_at(desk, wib(4, 9))
    with pytest.raises(PermissionDenied):
        register_rows(actor=reader, start=AUGUST[0], end=AUGUST[1])
    with pytest.raises(PermissionDenied):
        register_rows(actor=desk.resident, start=AUGUST[0], end=AUGUST[1])
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()


def test_every_report_shown_is_audited_once_and_an_export_as_an_export(desk):
    reports = [report_at(desk, wib(day, 9)) for day in (2, 3, 4)]
    report_at(desk, wib(2, 9, month=9))  # not in August: not shown, not audited
    before = AuditEntry.objects.count()

    register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1])
    register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1], purpose="export")

    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [(entry.action, entry.subject_id) for entry in entries] == [
        *((AuditAction.READ, str(report.pk)) for report in reports),
        *((AuditAction.EXPORT, str(report.pk)) for report in reports),
    ]
    for entry in entries:
        assert entry.actor == desk.officer and entry.actor_unit == desk.polsek_selatan
        assert entry.subject_type == "certificates.lossreport"
        assert entry.reason == "loss report register"
        assert entry.fields == ["address", "citizenship", "name", "phone"]


def test_the_register_reads_in_a_fixed_number_of_queries(desk, django_assert_num_queries):
    for day in range(1, 11):
        report_at(desk, wib(day, 9))
    scope_for(desk.officer)  # computed once per request, before any list
    # reports (with unit, area and certificate), their items, one bulk audit insert
    with django_assert_num_queries(3):
        rows = register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1])
    assert len(rows) == 10


@pytest.mark.parametrize(
    ("start", "end", "fragment"),
    [
        (date(2025, 8, 2), date(2025, 8, 1), "ends before it starts"),
        (date(2025, 1, 1), date(2026, 1, 2), "366 days"),
    ],
)
def test_a_period_that_is_not_one_is_refused(desk, start, end, fragment):
    with pytest.raises(ValidationError) as excinfo:
        register_rows(actor=desk.officer, start=start, end=end)
    assert fragment in excinfo.value.message_dict["end"][0]


def test_the_first_and_last_days_of_the_calendar_are_periods_like_any_other(desk):
    report_at(desk, wib(4, 9))
    day = timedelta(days=1)
    assert register_rows(actor=desk.officer, start=date.min, end=date.min + day) == []
    assert register_rows(actor=desk.officer, start=date.max - day, end=date.max) == []


def test_the_register_workbook_reads_back(desk):
    certificate = issued_at(desk, wib(5, 9, 30))
    report_at(desk, wib(12, 14, 5), identity=identity(name="Ahmad", phone="0812 9999 0000"))
    rows = register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1], purpose="export")

    sheet = load_workbook(BytesIO(register_xlsx(rows))).active

    assert sheet.title == "Loss report register"
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:9] == [
        "No.",
        "Name",
        "Citizenship",
        "Address",
        "Phone",
        "Date of the loss",
        "Place of the loss",
        "Documents",
        "Reported at",
    ]
    assert header[12] == "Certificate number"
    assert sheet.max_row == 3
    first = [cell.value for cell in sheet[2]]
    assert first[:3] == [1, "Siti Aminah", "WNI"]
    assert first[4] == "+6281234567890" and sheet.cell(2, 5).data_type == "s"
    assert sheet.cell(2, 5).number_format == "@"
    assert first[5] == datetime(2025, 7, 30) and sheet.cell(2, 6).is_date
    assert first[8] == datetime(2025, 8, 5, 9, 30) and sheet.cell(2, 9).is_date
    assert first[9] == "WIB"
    assert first[11] == "Certificate issued" and first[12] == certificate.number
    assert first[13] == datetime(2025, 8, 5)
    assert sheet.cell(3, 2).value == "Ahmad" and sheet.cell(3, 5).value == "+6281299990000"
    assert sheet.column_dimensions["D"].width == 40


def test_the_register_workbook_speaks_indonesian_by_default(desk):
    report_at(desk, wib(12, 14))
    with translation.override("id"):
        rows = register_rows(actor=desk.officer, start=AUGUST[0], end=AUGUST[1])
        sheet = load_workbook(BytesIO(register_xlsx(rows))).active
    assert sheet.cell(1, 2).value == "Nama"
    assert sheet.cell(2, 8).value == "Kartu Tanda Penduduk (KTP-el), Kartu Keluarga (KK)"


# --- monthly counts ----------------------------------------------------------------


def test_certificates_are_counted_per_unit_month_and_type(desk, django_assert_num_queries):
    issued_at(desk, wib(4, 9))  # KTP + KK
    issued_at(
        desk,
        wib(5, 9),
        items=[
            {"type": "kartu_atm", "details": {"bank": "BRI"}},
            {"type": "kartu_atm", "details": {"bank": "BCA"}},  # one certificate, once
            {"type": "ktp", "details": {"nik": SITI_NIK}},
        ],
    )
    revoked = issued_at(desk, wib(10, 9, month=9))
    certificate_revoke(actor=desk.officer, certificate=revoked, reason="Salah ketik")
    issued_at(desk, wib(2, 9, year=2024, month=12))  # another year

    scope_for(desk.officer)  # computed once per request
    with django_assert_num_queries(1):
        counts = monthly_counts(actor=desk.officer, year=2025)

    unit, name = desk.polsek_selatan.pk, "Polsek Bekasi Selatan"
    assert counts == [
        MonthlyCount(unit, name, 2025, 8, "ktp", issued=2, revoked=0),
        MonthlyCount(unit, name, 2025, 8, "kk", issued=1, revoked=0),
        MonthlyCount(unit, name, 2025, 8, "kartu_atm", issued=1, revoked=0),
        MonthlyCount(unit, name, 2025, 9, "ktp", issued=1, revoked=1),
        MonthlyCount(unit, name, 2025, 9, "kk", issued=1, revoked=1),
    ]
    assert counts[2].item_label == "ATM/debit card"


def test_a_certificate_counts_in_the_local_month_of_issue(desk):
    # 23.30 WIB on 31 August is 16.30 UTC the same day: August.
    late = issued_at(desk, datetime(2025, 8, 31, 16, 30, tzinfo=UTC))
    # 00.30 WIB on 1 September is still 31 August in UTC: September.
    early = issued_at(desk, datetime(2025, 8, 31, 17, 30, tzinfo=UTC))
    # 00.30 WIB on 1 January 2026 is 31 December 2025 in UTC: January 2026.
    new_year = issued_at(desk, datetime(2025, 12, 31, 17, 30, tzinfo=UTC))

    assert (late.valid_from, early.valid_from, new_year.valid_from) == (
        date(2025, 8, 31),
        date(2025, 9, 1),
        date(2026, 1, 1),
    )
    assert {
        (c.month, c.item_type, c.issued) for c in monthly_counts(actor=desk.officer, year=2025)
    } == {
        (8, "ktp", 1),
        (8, "kk", 1),
        (9, "ktp", 1),
        (9, "kk", 1),
    }
    assert {(c.month, c.issued) for c in monthly_counts(actor=desk.officer, year=2026)} == {(1, 1)}


def test_monthly_counts_are_scoped(desk):
    issued_at(desk, wib(4, 9))
    assert monthly_counts(actor=desk.other_unit, year=2025) == []
    assert monthly_counts(actor=desk.resident, year=2025) == []
    assert len(monthly_counts(actor=desk.commander_polres, year=2025)) == 2


def test_monthly_counts_write_no_audit_rows(desk):
    issued_at(desk, wib(4, 9))
    before = AuditEntry.objects.count()
    monthly_counts(actor=desk.officer, year=2025)
    assert AuditEntry.objects.count() == before


def test_the_monthly_workbook_reads_back(desk):
    issued_at(desk, wib(4, 9))
    counts = monthly_counts(actor=desk.officer, year=2025)

    sheet = load_workbook(BytesIO(monthly_counts_xlsx(counts))).active

    assert sheet.title == "Certificates per month"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == [
        "Unit",
        "Month",
        "Document code",
        "Document",
        "Certificates issued",
        "Of which revoked",
    ]
    assert [cell.value for cell in sheet[2]] == [
        "Polsek Bekasi Selatan",
        datetime(2025, 8, 1),
        "ktp",
        "Identity card (KTP-el)",
        1,
        0,
    ]
    assert sheet.cell(2, 2).is_date and sheet.cell(2, 2).number_format == "mmmm yyyy"
    assert sheet.max_row == 3


# --- the bulk audit ----------------------------------------------------------------


def test_audit_record_many_writes_one_row_per_subject_in_one_query(desk, django_assert_num_queries):
    reports = [report_at(desk, wib(day, 9)) for day in (1, 2, 3)]
    before = AuditEntry.objects.count()
    with django_assert_num_queries(1):
        entries = audit_record_many(
            actor=desk.officer,
            action=AuditAction.READ,
            subjects=reports,
            reason="checking",
            fields=["phone", "name", "name"],
        )
    assert len(entries) == 3 and AuditEntry.objects.count() == before + 3
    stored = AuditEntry.objects.order_by("-id")[0]
    assert stored.fields == ["name", "phone"] and stored.created_at is not None
    with django_assert_num_queries(0):
        assert audit_record_many(actor=desk.officer, action="read", subjects=[], reason="x") == []
    with pytest.raises(ValueError):
        audit_record_many(actor=desk.officer, action="read", subjects=reports, reason=" ")
