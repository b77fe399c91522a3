"""The loss reports started at a dialogue, for its staff page (``engagements.links``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kamtibmas.certificates.catalogue import ITEM_TYPE_BY_CODE
from kamtibmas.certificates.models import LossReport, ReportStatus
from kamtibmas.certificates.services import RECORDING_ROLES
from kamtibmas.core.scope import visible_to
from kamtibmas.engagements.links import LinkedRecord, LinkedSection
from kamtibmas.engagements.models import Dialogue


def dialogue_loss_reports(*, dialogue: Dialogue, user: Any) -> LinkedSection | None:
    """The reports recorded at ``dialogue`` that ``user`` may read, oldest first, named
    by reference and documents only (no personal data on the dialogue page); ``None``
    when there are none or the user's role does not handle loss reports."""
    if getattr(user, "role", None) not in RECORDING_ROLES:
        return None
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), user).exists():
        return None
    reports = (
        visible_to(LossReport.objects.filter(dialogue=dialogue), user)
        .prefetch_related("items")
        .select_related("certificate")
        .order_by("created_at", "id")
    )
    records = []
    for report in reports:
        documents = ", ".join(
            str(ITEM_TYPE_BY_CODE[item.item_type].label)
            for item in report.items.all()
            if item.item_type in ITEM_TYPE_BY_CODE
        )
        certificate = getattr(report, "certificate", None)
        status = str(ReportStatus(report.status).label)
        if certificate is not None:
            status = f"{status}: {certificate.number}"
        records.append(
            LinkedRecord(
                title=f"{report.reference}: {documents}",
                url=reverse("web:loss-report", args=[report.pk]),
                status=status,
            )
        )
    if not records:
        return None
    return LinkedSection(key="loss_reports", title=_("Loss reports started here"), records=records)
