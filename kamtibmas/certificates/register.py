"""The desk's register of loss reports and the monthly counts of certificates (C3,
issue 7 point 6), as rows and as XLSX workbooks.

The register has the columns the police keep in their book today: the reporter's
name, citizenship, address and phone, the date and place of the loss, the
documents, and when it was reported; plus the report's reference and status and
its certificate. Reading it reads personal data of every report shown, so each
read writes one audit row per report (an export: ``AuditAction.EXPORT``). It
holds no NIK: the book never had one, and a bulk list is the worst place for it.

The monthly counts carry no personal data and write no audit rows.

Local days. ``LossReport.submitted_at`` and ``Certificate.issued_at`` are UTC
instants, but "reported on 31 August" and "issued in September" are calendar days
at the unit, in its own zone (WIB, WITA or WIT):

* the register picks reports by the local day of ``submitted_at`` in the zone of
  the report's unit: a coarse UTC range in SQL (wide enough for every Indonesian
  zone), then the exact local day per row;
* the monthly counts group by ``Certificate.valid_from``, which
  ``services.certificate_issue`` sets to the local day of issue in the issuing
  unit's zone (it is also the ``iat`` printed in the QR), and filter by
  ``Certificate.year``, that day's year. So the grouping is one plain aggregate
  query on a date column, with no time-zone arithmetic in SQL: a certificate issued
  at 00.30 WIB on 1 September (17.30 UTC on 31 August) counts in September.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Unit
from kamtibmas.certificates.catalogue import ITEM_TYPE_BY_CODE, ITEM_TYPES
from kamtibmas.certificates.models import Certificate, LossReport, ReportStatus
from kamtibmas.certificates.services import ISSUING_ROLES
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.core.xlsx import MEDIA_TYPE, sheet_start, workbook_bytes
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record_many

#: The longest period one register covers: a year, leap day included.
MAX_PERIOD_DAYS = 366
#: The reporter's fields a register row shows (and its audit rows name).
REGISTER_FIELDS = ("name", "citizenship", "address", "phone")
REGISTER_REASON = "loss report register"
XLSX_MEDIA_TYPE = MEDIA_TYPE

# Indonesian offsets run from UTC+7 (WIB) to UTC+9 (WIT): local midnight of a day
# falls between 15.00 and 17.00 UTC of the day before.
_EARLIEST_OFFSET = timedelta(hours=9)
_LATEST_OFFSET = timedelta(hours=7)
_SECOND_DAY = date.min + timedelta(days=1)
_ITEM_ORDER = {item.code: position for position, item in enumerate(ITEM_TYPES)}
_DATE_FORMAT = "dd/mm/yyyy"
_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
_MONTH_FORMAT = "mmmm yyyy"


@dataclass(frozen=True)
class RegisterRow:
    """One line of the desk's register. ``reported_at`` is in the unit's own zone."""

    reference: str
    status: str
    status_label: str
    unit_id: int
    unit_name: str
    name: str
    citizenship: str
    address: str
    phone: str
    lost_on: date
    lost_place: str
    item_types: tuple[str, ...]
    documents: str  # item labels in the active language, comma-separated
    reported_at: datetime
    zone: str  # WIB, WITA or WIT
    certificate_id: int | None
    certificate_number: str
    issued_on: date | None
    revoked: bool


@dataclass(frozen=True)
class MonthlyCount:
    """Certificates a unit issued in one local month that name one item type.

    ``issued`` counts every certificate issued that month, those revoked since
    included; ``revoked`` counts those of them that have been revoked (by the month
    of issue, not of revoking). A certificate for a KTP and a KK counts once for
    each type; two ATM cards on one certificate count once."""

    unit_id: int
    unit_name: str
    year: int
    month: int
    item_type: str
    issued: int
    revoked: int

    @property
    def item_label(self) -> str:
        kind = ITEM_TYPE_BY_CODE.get(self.item_type)
        return str(kind.label) if kind else self.item_type


# --- the register ----------------------------------------------------------------


def register_period_check(start: date, end: date) -> None:
    """Refuse a period that ends before it starts or is longer than a year."""
    if end < start:
        raise ValidationError(
            {"end": [ValidationError(_("The period ends before it starts."), code="period")]}
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError(
            {
                "end": [
                    ValidationError(
                        _("A register covers at most %(days)d days.") % {"days": MAX_PERIOD_DAYS},
                        code="period",
                    )
                ]
            }
        )


def _check_register_reader(actor: User) -> None:
    """Desk officers, commanders and administrators keep and read the register.

    Community officers (Bhabinkamtibmas) record reports at dialogues but do not keep
    the desk's book; a list of every reporter's address and phone for a period is
    more than their work needs (UU PDP: data minimisation), and they still see the
    reports they need one at a time."""
    if not actor.is_authenticated or actor.role not in ISSUING_ROLES:
        raise PermissionDenied(_("Only desk officers and commanders may read the register."))


def _zone_of(unit: Unit) -> ZoneInfo:
    return ZoneInfo(resolve_zone(unit.area).value)


def register_rows(
    *,
    actor: User,
    start: date,
    end: date,
    unit: Unit | None = None,
    purpose: Literal["read", "export"] = "read",
) -> list[RegisterRow]:
    """The register for the local days ``start`` to ``end`` (both included), oldest
    report first: the reports ``actor`` may see, of ``unit`` and the units below it
    when given. Writes one audit row per report shown (``purpose="export"`` for a
    file that leaves the system: ``AuditAction.EXPORT``), in the caller's
    transaction. Raises ``PermissionDenied`` for other roles and ``ValidationError``
    for a period that is not one."""
    _check_register_reader(actor)
    register_period_check(start, end)
    # Written so that no day of the calendar, first or last, overflows ``datetime``.
    earliest = datetime.combine(max(start, _SECOND_DAY), time.min, tzinfo=UTC) - _EARLIEST_OFFSET
    latest = datetime.combine(end, time.min, tzinfo=UTC) + (timedelta(days=1) - _LATEST_OFFSET)
    reports = (
        visible_to(LossReport.objects.all(), actor)
        .filter(submitted_at__gte=earliest, submitted_at__lt=latest)
        .select_related("unit__area", "certificate")
        .prefetch_related("items")
        .order_by("submitted_at", "pk")
    )
    if unit is not None:
        reports = reports.filter(unit__path__startswith=unit.path)
    shown: list[LossReport] = []
    rows: list[RegisterRow] = []
    for report in reports:
        assert report.submitted_at is not None  # the range above excludes NULL
        local = report.submitted_at.astimezone(_zone_of(report.unit))
        if not start <= local.date() <= end:
            continue
        shown.append(report)
        rows.append(_row(report, local))
    audit_record_many(
        actor=actor,
        action=AuditAction.EXPORT if purpose == "export" else AuditAction.READ,
        subjects=shown,
        reason=REGISTER_REASON,
        fields=REGISTER_FIELDS,
    )
    return rows


def _row(report: LossReport, reported_at: datetime) -> RegisterRow:
    items = list(report.items.all())
    certificate: Certificate | None = getattr(report, "certificate", None)
    return RegisterRow(
        reference=report.reference,
        status=report.status,
        status_label=str(ReportStatus(report.status).label),
        unit_id=report.unit_id,
        unit_name=report.unit.name,
        name=report.name or "",
        citizenship=report.citizenship or "",
        address=report.address or "",
        phone=report.phone or "",
        lost_on=report.lost_on,
        lost_place=report.lost_place,
        item_types=tuple(item.item_type for item in items),
        documents=", ".join(str(item.kind.label) for item in items),
        reported_at=reported_at,
        zone=resolve_zone(report.unit.area).label,
        certificate_id=certificate.pk if certificate else None,
        certificate_number=certificate.number if certificate else "",
        issued_on=certificate.valid_from if certificate else None,
        revoked=bool(certificate and certificate.revoked),
    )


# --- monthly counts --------------------------------------------------------------


def monthly_counts(*, actor: Any, year: int) -> list[MonthlyCount]:
    """Certificates issued in ``year`` by the units ``actor`` may see, per unit,
    local month and item type (see ``MonthlyCount``): one aggregate query."""
    rows = (
        visible_to(Certificate.objects.all(), actor)
        .filter(year=year)
        .annotate(
            unit_name=F("unit__name"),
            month=ExtractMonth("valid_from"),
            item_type=F("report__items__item_type"),
        )
        .values("unit_id", "unit_name", "month", "item_type")
        .annotate(
            issued_count=Count("pk", distinct=True),
            revoked_count=Count("pk", distinct=True, filter=Q(revoked_at__isnull=False)),
        )
        .order_by()
    )
    counts = [
        MonthlyCount(
            unit_id=row["unit_id"],
            unit_name=row["unit_name"],
            year=year,
            month=row["month"],
            item_type=row["item_type"],
            issued=row["issued_count"],
            revoked=row["revoked_count"],
        )
        for row in rows
        if row["item_type"] is not None
    ]
    counts.sort(
        key=lambda count: (
            count.unit_name,
            count.unit_id,
            count.month,
            _ITEM_ORDER.get(count.item_type, len(_ITEM_ORDER)),
        )
    )
    return counts


# --- XLSX ------------------------------------------------------------------------


def _text_cell(sheet: Any, row: int, column: int) -> None:
    """Keep a value such as a phone number as text: Excel would drop its ``+``."""
    sheet.cell(row=row, column=column).number_format = "@"


def register_xlsx(rows: Iterable[RegisterRow]) -> bytes:
    """The register as a workbook: one row per report, headers in the active
    language, dates as Excel dates (the time reported in the unit's zone, named in
    its own column). Pass rows made with ``register_rows(..., purpose="export")``."""
    header = [
        _("No."),
        _("Name"),
        _("Citizenship"),
        _("Address"),
        _("Phone"),
        _("Date of the loss"),
        _("Place of the loss"),
        _("Documents"),
        _("Reported at"),
        _("Time zone"),
        _("Reference"),
        _("Status"),
        _("Certificate number"),
        _("Issued on"),
        _("Revoked"),
        _("Unit"),
    ]
    widths = [6, 28, 12, 40, 18, 14, 30, 40, 18, 10, 14, 24, 32, 14, 10, 28]
    workbook = Workbook()
    sheet = sheet_start(workbook.active, _("Loss report register"), header, widths)
    for number, row in enumerate(rows, start=1):
        sheet.append(
            [
                number,
                row.name,
                row.citizenship,
                row.address,
                row.phone,
                row.lost_on,
                row.lost_place,
                row.documents,
                row.reported_at.replace(tzinfo=None),  # Excel has no zones: the local time
                row.zone,
                row.reference,
                row.status_label,
                row.certificate_number,
                row.issued_on,
                _("yes") if row.revoked else "",
                row.unit_name,
            ]
        )
        line = number + 1
        _text_cell(sheet, line, 5)
        sheet.cell(row=line, column=6).number_format = _DATE_FORMAT
        sheet.cell(row=line, column=9).number_format = _DATETIME_FORMAT
        sheet.cell(row=line, column=14).number_format = _DATE_FORMAT
        for column in (4, 8):
            sheet.cell(row=line, column=column).alignment = Alignment(wrap_text=True)
    return workbook_bytes(workbook)


def monthly_counts_xlsx(counts: Iterable[MonthlyCount]) -> bytes:
    """The monthly counts as a workbook: the month as an Excel date (its first day)."""
    header = [
        _("Unit"),
        _("Month"),
        _("Document code"),
        _("Document"),
        _("Certificates issued"),
        _("Of which revoked"),
    ]
    workbook = Workbook()
    sheet = sheet_start(
        workbook.active, _("Certificates per month"), header, [32, 16, 18, 40, 12, 12]
    )
    for line, count in enumerate(counts, start=2):
        sheet.append(
            [
                count.unit_name,
                date(count.year, count.month, 1),
                count.item_type,
                count.item_label,
                count.issued,
                count.revoked,
            ]
        )
        sheet.cell(row=line, column=2).number_format = _MONTH_FORMAT
    return workbook_bytes(workbook)
