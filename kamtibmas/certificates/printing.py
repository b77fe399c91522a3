"""From an issued certificate to what it prints, and its PDF.

The PDF is not stored: it is drawn again from the certificate row and its report,
which are frozen once issued (``services.loss_report_update`` refuses issued
reports), so every download of a certificate is the same document. The fixed
wording is Indonesian whatever the reader's language (``document``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Unit
from kamtibmas.certificates.catalogue import ITEM_TYPE_BY_CODE
from kamtibmas.certificates.document import PrintedCertificate, PrintedItem
from kamtibmas.certificates.models import (
    PRINTED_RELIGION,
    PRINTED_SEX,
    Certificate,
    Citizenship,
    LossReport,
)
from kamtibmas.certificates.pdf import render_certificate_pdf
from kamtibmas.certificates.qr import verify_url
from kamtibmas.certificates.services import ISSUING_ROLES, certificate_settings_for
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import format_local, format_local_date, resolve_zone
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record

PRINTED_CITIZENSHIP: dict[str, str] = {Citizenship.WNI: "Indonesia", Citizenship.WNA: "Asing (WNA)"}
LANGUAGE = "id"  # the letter is always Indonesian


def _day(value: date | None) -> str:
    """ "25 Mei 1990": the long date without the weekday, as letters print birth dates."""
    if value is None:
        return ""
    return format_local_date(value, language=LANGUAGE).split(", ", 1)[-1]


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _default_letterhead(unit: Unit) -> tuple[str, ...]:
    chain = Unit.objects.filter(
        pk__in=[int(pk) for pk in unit.path.strip("/").split("/") if pk]
    ).order_by("path")
    return ("KEPOLISIAN NEGARA REPUBLIK INDONESIA", *(u.name.upper() for u in chain))


def _items(report: LossReport) -> tuple[PrintedItem, ...]:
    printed = []
    for item in report.items.all():
        kind = ITEM_TYPE_BY_CODE[item.item_type]
        details = item.details
        printed.append(
            PrintedItem(
                label=kind.printed_label,
                details=tuple(
                    (field.printed_label, details[field.code])
                    for field in kind.fields
                    if details.get(field.code)
                ),
            )
        )
    return tuple(printed)


def _lost_when(report: LossReport, zone: ZoneInfo, abbreviation: str) -> str:
    if report.lost_time is None:
        return format_local_date(report.lost_on, language=LANGUAGE)
    moment = datetime.combine(report.lost_on, report.lost_time, tzinfo=zone)
    text = format_local(moment, zone=abbreviation, language=LANGUAGE)
    date_part, clock = text.split(" pukul ", 1)
    return f"{date_part} sekitar pukul {clock}"


def certificate_printed(certificate: Certificate) -> PrintedCertificate:
    """Everything the certificate prints, from the stored rows."""
    report = certificate.report
    unit = certificate.unit
    zone = resolve_zone(unit.area)
    settings = certificate_settings_for(unit)
    birth = ", ".join(part for part in (report.birth_place or "", _day(report.birth_date)) if part)
    reporter = (
        ("Nama", report.name or ""),
        ("NIK", report.nik or ""),
        ("Tempat/Tgl. Lahir", birth),
        ("Jenis Kelamin", PRINTED_SEX.get(report.sex or "", "")),
        ("Agama", PRINTED_RELIGION.get(report.religion or "", "")),
        ("Kewarganegaraan", PRINTED_CITIZENSHIP.get(report.citizenship or "", "")),
        ("Pekerjaan", report.occupation or ""),
        ("Alamat", report.address or ""),
        ("No. Telepon", _phone(report.phone or "")),
    )
    phone = f"Telp. {unit.phone}" if unit.phone else ""
    contact = " · ".join(part for part in (unit.address, phone) if part)
    place = settings.place or (unit.area.name if unit.area else unit.name)
    reported = certificate.issued_at
    if report.submitted_at is not None and report.submitted_at < reported:
        reported = report.submitted_at
    return PrintedCertificate(
        letterhead=_lines(settings.letterhead) or _default_letterhead(unit),
        letterhead_address=contact,
        number=certificate.number,
        reporter=reporter,
        items=_items(report),
        lost_when=_lost_when(report, ZoneInfo(zone.value), zone.label),
        lost_where=report.lost_place,
        reported_at=format_local(reported, zone=zone.label, language=LANGUAGE),
        reported_place=report.unit.name,
        valid_until=_day(certificate.valid_until),
        validity_days=(certificate.valid_until - certificate.valid_from).days + 1,
        place_and_date=f"{place}, {_day(certificate.valid_from)}",
        signer_title=_lines(settings.signer_title) or (f"a.n. KEPALA {unit.name.upper()}",),
        officer_name=certificate.officer_name.upper(),
        officer_rank=certificate.officer_rank.upper(),
        officer_nrp=certificate.officer_nrp,
        verify_url=verify_url(django_settings.PUBLIC_URL, certificate.qr_text),
    )


def _phone(e164: str) -> str:
    """+6281234567890 → 0812-3456-7890, as Indonesians write it."""
    if not e164.startswith("+62"):
        return e164
    local = "0" + e164[3:]
    return "-".join(local[i : i + 4] for i in range(0, len(local), 4))


def certificate_pdf(certificate: Certificate) -> bytes:
    return render_certificate_pdf(certificate_printed(certificate))


PDF_MEDIA_TYPE = "application/pdf"
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def certificate_filename(certificate: Certificate) -> str:
    """``SKTLK-1-VIII-2025-Sek.Bks.Sel.pdf``: the number, safe in any file system."""
    return f"{_FILENAME_UNSAFE.sub('-', certificate.number).strip('-') or 'sktlk'}.pdf"


def certificate_pdf_export(*, actor: User, certificate: Certificate, channel: str) -> bytes:
    """The PDF for a desk officer or commander of the issuing unit, audited as an
    export of the reporter's personal data (it prints the NIK and the address)."""
    if (
        actor.role not in ISSUING_ROLES
        or not visible_to(Certificate.objects.filter(pk=certificate.pk), actor).exists()
    ):
        raise PermissionDenied(_("Only desk officers and commanders may do this."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            subject=certificate.report,
            reason=f"certificate PDF ({channel})",
            fields=LossReport.personal_fields,
        )
    return certificate_pdf(certificate)
