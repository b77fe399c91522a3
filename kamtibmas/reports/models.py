"""A PDF report asked for by a staff member and made by the worker (``reports.tasks``).

Every write goes through ``reports.services``. The file is kept by Django's default
storage under a random name (never served as a media URL): only
``web.reports`` hands it out, to staff who may see its subject.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    DIALOGUE_CLOSING = "dialogue_closing", _("Dialogue closing report")
    UNIT_MONTHLY = "unit_monthly", _("Monthly unit report")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting for the worker")
    RUNNING = "running", _("being made")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


#: A report still to be made: asking again for its subject returns it.
PENDING = (ReportStatus.QUEUED, ReportStatus.RUNNING)


def report_path(instance: models.Model, filename: str) -> str:
    """A generated name only: it says nothing about the report's subject."""
    return f"reports/{secrets.token_hex(16)}.pdf"


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    # The subject: a dialogue (its organising unit in ``unit``), or a unit and a month.
    dialogue = models.ForeignKey(
        "engagements.Dialogue",
        verbose_name=_("dialogue"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    unit = models.ForeignKey(
        "areas.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    #: The first day of the month of a monthly report.
    month = models.DateField(_("month"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    failure = models.TextField(_("why it failed"), blank=True)
    #: The language the report is written in: the requester's at the time of asking.
    language = models.CharField(max_length=10, default="id")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(upload_to=report_path, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: How many times a worker started making it (a worker that dies mid-way leaves it
    #: ``running``; ``reports_recover_stale`` queues it again, up to a limit).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind="dialogue_closing", dialogue__isnull=False, month__isnull=True
                )
                | models.Q(kind="unit_monthly", dialogue__isnull=True, month__isnull=False),
                name="report_subject_matches_kind",
            ),
            # One report in the making per subject (``reports.services``).
            models.UniqueConstraint(
                fields=["dialogue"],
                condition=models.Q(kind="dialogue_closing", status__in=["queued", "running"]),
                name="report_one_pending_per_dialogue",
            ),
            models.UniqueConstraint(
                fields=["unit", "month"],
                condition=models.Q(kind="unit_monthly", status__in=["queued", "running"]),
                name="report_one_pending_per_unit_month",
            ),
        ]

    def __str__(self) -> str:
        subject = self.month.strftime("%Y-%m") if self.month else str(self.dialogue_id)
        return f"{self.get_kind_display()} {subject}"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING
