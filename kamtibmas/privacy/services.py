"""Writes of the privacy app: the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from kamtibmas.privacy.models import AuditAction, AuditEntry


def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    subject: models.Model,
    reason: str,
    fields: Iterable[str] = (),
) -> AuditEntry:
    """Record that ``actor`` read/exported/changed personal data of ``subject``.

    Call it in the same transaction as the access it records, from the service or
    selector that performs the access, so the two can never drift apart.
    """
    if not reason.strip():
        raise ValueError("An audit entry needs a reason.")
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_unit_id=getattr(user, "unit_id", None),
        action=AuditAction(action),
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        fields=sorted(set(fields)),
        reason=reason[:255],
    )


def audit_record_many(
    *,
    actor: Any,
    action: AuditAction | str,
    subjects: Iterable[models.Model],
    reason: str,
    fields: Iterable[str] = (),
) -> list[AuditEntry]:
    """``audit_record`` for each of ``subjects`` (one row each), in one bulk insert.

    For a list or an export that shows many records at once: the trail still says
    which records were seen, at the cost of one query rather than one per record.
    """
    if not reason.strip():
        raise ValueError("An audit entry needs a reason.")
    user = actor if getattr(actor, "is_authenticated", False) else None
    names = sorted(set(fields))
    entries = [
        AuditEntry(
            actor=user,
            actor_unit_id=getattr(user, "unit_id", None),
            action=AuditAction(action),
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            fields=names,
            reason=reason[:255],
        )
        for subject in subjects
    ]
    if not entries:
        return []
    return AuditEntry.objects.bulk_create(entries, batch_size=500)


def audit_record_retention(
    *,
    category: str,
    model_label: str,
    action: AuditAction | str,
    count: int,
    fields: Iterable[str],
    days: int,
) -> AuditEntry:
    """Record that the retention sweep deleted or anonymised ``count`` rows of
    ``model_label`` under ``category``: counts only, never which person.

    Call it in the transaction of the batch it records, so that no row changes
    without its audit entry.
    """
    action = AuditAction(action)
    done = "deleted" if action == AuditAction.DELETE else "anonymised"
    return AuditEntry.objects.create(
        actor=None,
        actor_unit=None,
        action=action,
        subject_type=model_label.lower(),
        subject_id=f"retention:{category}"[:64],
        fields=sorted(set(fields)),
        reason=f"Retention {category} ({days} days): {count} rows {done}"[:255],
    )
