"""Records the core keeps for every app: the ``Idempotency-Key`` ledger
(``core.idempotency``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedTextField


class IdempotencyState(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In flight")
    DONE = "done", _("Done")


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a client sent, and the first answer given to it.

    ``(client, key)`` is unique: the database, not the code, decides which of two
    concurrent first requests runs. ``claim`` names the request holding an in-flight
    key; only that request may complete it (``core.idempotency``). Times are kept to
    the UTC day, and ``locked_at`` only while in flight, because the ledger may also
    hold calls about anonymous reports (SECURITY.md 14).
    """

    # "user:<id>" for calls with an API token, "" for calls without (keyed by the key).
    client = models.CharField(max_length=64, blank=True)
    key = models.CharField(max_length=255)
    # SHA-256 of method, path, query and canonical body.
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(
        max_length=10, choices=IdempotencyState.choices, default=IdempotencyState.IN_FLIGHT
    )
    claim = models.CharField(max_length=32)
    locked_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The answer as sent, byte for byte; encrypted, as it may hold personal data or a
    # receipt code.
    body = EncryptedTextField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.client or '-'}:{self.key}"


class ReferenceVersion(models.Model):
    """One row: a random stamp that changes, in the same transaction, whenever
    reference data changes (areas, units and their coverage, routing rules, SLA
    settings). Each process keeps what it read from those tables under the stamp it
    read with (``core.reference``); a new stamp empties that memory."""

    stamp = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("reference data version")

    def __str__(self) -> str:
        return self.stamp
