"""The outbox: messages written in the transaction of the change they report, delivered
afterwards by the worker (docs/decisions/008-background-work-and-notifications.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedCharField, EncryptedTextField


class ChannelCode(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


OPEN_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED)


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def claimable(self, now: datetime, *, max_attempts: int) -> OutboxMessageQuerySet:
        """Messages a worker may take now: open, due, not owned by a live claim, and
        with attempts left."""
        return self.filter(
            models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now),
            status__in=OPEN_STATUSES,
            next_attempt_at__lte=now,
            attempts__lt=max_attempts,
        )


class OutboxMessage(models.Model):
    """One message to one recipient through one channel.

    ``id`` travels with the message to the channel (file name, Message-ID,
    Idempotency-Key), which is how a redelivery after a crash is recognised there.
    ``attempts`` counts claims, so a message whose delivery keeps killing the worker
    also runs out of attempts.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=ChannelCode.choices)
    recipient = EncryptedCharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = EncryptedTextField(_("body"))
    topic = models.CharField(
        _("topic"), max_length=100, blank=True, help_text=_("What the message is about.")
    )
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at"]
        indexes = [
            # The worker's sweep: open messages by due time.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "failed"]),
                name="notifications_outbox_due",
            ),
            models.Index(fields=["-created_at"], name="notifications_outbox_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.id} ({self.get_status_display()})"


class PeriodicJobRun(models.Model):
    """The claim of one period ("slot") of a periodic job by one worker
    (``kamtibmas.core.schedule``): the unique constraint lets only one worker have it."""

    job = models.CharField(_("job"), max_length=100)
    slot_start = models.DateTimeField(_("period start"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        ordering = ["-slot_start", "job"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "slot_start"], name="notifications_one_run_per_slot"
            )
        ]
        indexes = [models.Index(fields=["slot_start"], name="notifications_jobrun_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot_start:%Y-%m-%d %H:%M:%S}"
