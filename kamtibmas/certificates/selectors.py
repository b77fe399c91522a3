"""Reads of loss reports and certificates."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.certificates.keys import verification_keys
from kamtibmas.certificates.models import Certificate, LossReport
from kamtibmas.certificates.verify import Verdict, verify
from kamtibmas.core.timefmt import local_today
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_nik, normalise_phone


def certificate_is_revoked(number: str) -> bool:
    return Certificate.objects.filter(number=number, revoked_at__isnull=False).exists()


def certificate_verify(text: str, *, today: date | None = None) -> Verdict:
    """The verdict on a QR text with this deployment's keys and revocations.

    The database is read only for a correctly signed text (``verify``), so a forged
    text cannot tell whether a number exists (SECURITY.md 17).
    """
    return verify(
        text,
        keys=verification_keys(),
        today=today or local_today(),
        is_revoked=certificate_is_revoked,
    )


def loss_reports_by_identifier(
    reports: QuerySet[LossReport], *, nik: str = "", phone: str = ""
) -> QuerySet[LossReport]:
    """Narrow reports to a NIK or phone number (exact, through the blind index).

    Raises ``ValidationError`` for a value that is not a NIK or phone number."""
    if nik:
        reports = reports.filter(nik_index=blind_index("nik", normalise_nik(nik)))
    if phone:
        reports = reports.filter(phone_index=blind_index("phone", normalise_phone(phone)))
    return reports


def loss_report_by_receipt(code: str) -> LossReport | None:
    """The report whose receipt code this is (typed as people type it), else ``None``.
    Callers throttle wrong codes (SECURITY.md 11)."""
    digest = receipt_digest(code)
    if digest is None:
        return None
    return (
        LossReport.objects.select_related("unit", "handling_officer")
        .filter(receipt_digest=digest)
        .first()
    )
