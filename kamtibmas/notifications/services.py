"""Every write of the notifications app: the transactional outbox.

A caller writes a message with ``notification_enqueue`` in the same transaction as the
change it reports; the message commits or rolls back with it. Every worker (``kamtibmas
worker``) delivers the messages that are ready at each turn of its loop
(``outbox_deliver_ready``: ``outbox_deliver`` for each), and ``outbox_deliver_due``
sweeps up the messages whose attempts ran out while a worker died. With a task queue
outside the database, a delivery task is queued after the commit.
Delivery is at least once; the channels deduplicate by message id
(docs/decisions/008-background-work-and-notifications.md).
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from kamtibmas.core.rows import row_insert
from kamtibmas.notifications.backoff import retry_delay
from kamtibmas.notifications.channels import DeliveryError, OutboundMessage, channel_for
from kamtibmas.notifications.models import (
    OPEN_STATUSES,
    ChannelCode,
    OutboxMessage,
    OutboxStatus,
)
from kamtibmas.privacy.identifiers import mask_identifier
from kamtibmas.privacy.redaction import redact

logger = logging.getLogger(__name__)

#: How many messages one sweep delivers at most; the next sweep takes the rest.
SWEEP_BATCH = 200
ERROR_LENGTH = 1000


def _max_attempts() -> int:
    return int(settings.KAMTIBMAS_NOTIFICATION_MAX_ATTEMPTS)


def _in_callers_transaction() -> bool:
    connection = transaction.get_connection(router.db_for_write(OutboxMessage))
    # The atomic blocks Django's TestCase wraps around a test are not a caller's
    # transaction (Django's own durable=True check skips them the same way).
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _queue_delivery(*, message_id: str, run_after: datetime | None = None) -> None:
    from kamtibmas.notifications.tasks import deliver_message  # tasks import services

    task = deliver_message.using(run_after=run_after) if run_after else deliver_message
    task.enqueue(message_id)


def _tasks_in_this_database() -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def _wake_worker(*, message_id: str, run_after: datetime | None = None) -> None:
    """See that a worker delivers a message the current transaction writes.

    With the database task backend nothing more is written: every worker looks for the
    messages ready in the outbox at each turn of its loop (``outbox_deliver_ready``,
    through the partial index of open messages by due time), when it would have found
    a task row; the message's row is the change's only extra write (§9 P3: a task row
    was one INSERT and four index entries more in every submit). A queue outside the
    database gets a delivery task when the transaction has committed; a task lost in
    between is picked up by the periodic sweep.
    """
    if _tasks_in_this_database():
        return
    transaction.on_commit(
        partial(_queue_delivery, message_id=message_id, run_after=run_after), robust=True
    )


def notification_enqueue(
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    dedupe_key: str,
    topic: str = "",
) -> OutboxMessage:
    """Put a message in the outbox. Call inside the caller's ``transaction.atomic()``.

    ``dedupe_key`` names the business event ("aspiration:12:status:3:sms"): enqueueing
    the same key again returns the existing message and sends nothing more.
    ``recipient`` (address or E.164 number) and ``body`` are stored encrypted; keep
    personal data out of ``subject`` and ``topic``. Delivery is queued when the
    transaction commits; a rollback leaves neither message nor task.
    """
    if not _in_callers_transaction():
        raise RuntimeError(
            "notification_enqueue() must run inside the transaction of the change it "
            "reports (transaction.atomic()), so that the message commits or rolls back "
            "with it."
        )
    code = ChannelCode(channel)
    if not recipient.strip():
        raise ValueError("A notification needs a recipient.")
    if not dedupe_key.strip():
        raise ValueError("A notification needs a dedupe_key.")
    message = OutboxMessage(
        channel=code,
        recipient=recipient.strip(),
        subject=subject,
        body=body,
        topic=topic,
        dedupe_key=dedupe_key,
    )
    # A duplicate key writes nothing and leaves the caller's transaction usable (on
    # PostgreSQL the INSERT waits for a concurrent transaction with the same key to
    # commit, and then sees its row).
    if not row_insert(message, on_conflict_skip=True):
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise IntegrityError(f"Outbox message {dedupe_key!r} conflicts with another row.")
        return existing
    _wake_worker(message_id=str(message.pk))
    return message


def _claim(*, message_id: uuid.UUID | str, now: datetime) -> OutboxMessage | None:
    """Take ``message_id`` for delivery until ``now`` + the claim period, counting an
    attempt; ``None`` if it is sent, dead, not due, or another worker has it."""
    claimable = OutboxMessage.objects.claimable(now, max_attempts=_max_attempts()).filter(
        pk=message_id
    )
    token = uuid.uuid4()
    claim = {
        "claimed_until": now + timedelta(seconds=settings.KAMTIBMAS_NOTIFICATION_CLAIM_SECONDS),
        "claim_token": token,
        "attempts": F("attempts") + 1,
    }
    connection = connections[claimable.db]
    with transaction.atomic(using=claimable.db):
        if connection.features.has_select_for_update_skip_locked:
            # Skip a row another worker is claiming right now rather than wait for it.
            if not list(claimable.select_for_update(skip_locked=True).values_list("pk")):
                return None
            OutboxMessage.objects.filter(pk=message_id).update(**claim)
        # SQLite has no row locks: the condition in the UPDATE is the claim.
        elif not claimable.update(**claim):
            return None
    return OutboxMessage.objects.get(pk=message_id, claim_token=token)


def _scrub(text: str, recipient: str) -> str:
    """An error text fit for the admin list: no recipient, no identifiers."""
    if recipient:
        text = text.replace(recipient, mask_identifier(recipient))
    return redact(text)[:ERROR_LENGTH]


def _record_sent(message: OutboxMessage) -> None:
    # Whoever's claim this is now: the channel accepted the message, so it is sent.
    OutboxMessage.objects.filter(pk=message.pk).exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), claimed_until=None, claim_token=None
    )


def _record_failure(message: OutboxMessage, *, reason: str, temporary: bool) -> None:
    now = timezone.now()
    changes: dict[str, object] = {
        "last_error": _scrub(reason, message.recipient),
        "claimed_until": None,
        "claim_token": None,
    }
    next_attempt_at: datetime | None = None
    if temporary and message.attempts < _max_attempts():
        next_attempt_at = now + retry_delay(message.attempts)
        changes.update(status=OutboxStatus.FAILED, next_attempt_at=next_attempt_at)
    else:
        changes["status"] = OutboxStatus.DEAD
    with transaction.atomic():
        recorded = (
            OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token)
            .exclude(status=OutboxStatus.SENT)
            .update(**changes)
        )
        if recorded and next_attempt_at is not None:
            _wake_worker(message_id=str(message.pk), run_after=next_attempt_at)
    logger.warning(
        "Notification %s via %s failed (attempt %d, %s): %s",
        message.pk,
        message.channel,
        message.attempts,
        "will retry" if next_attempt_at else "gave up",
        changes["last_error"],
    )


def outbox_deliver(*, message_id: uuid.UUID | str) -> OutboxMessage | None:
    """Deliver one message if it is due and nobody else is delivering it.

    Safe to call any number of times, from any number of workers: only the holder of
    the claim sends, a sent message is never sent again by the outbox, and a send
    repeated after a crash carries the same message id for the channel to drop.
    Returns the message as recorded afterwards, or ``None`` when there was nothing
    to do.
    """
    message = _claim(message_id=message_id, now=timezone.now())
    if message is None:
        return None
    outbound = OutboundMessage(
        id=message.pk,
        channel=message.channel,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
    )
    try:
        channel_for(message.channel).send(outbound)
    except DeliveryError as exc:
        _record_failure(message, reason=exc.reason, temporary=exc.temporary)
    except Exception as exc:
        # A bug or a misconfiguration: record it for the admin, then let the task fail
        # with its traceback. The message is retried like after a temporary failure.
        _record_failure(message, reason=f"{type(exc).__name__}: {exc}", temporary=True)
        raise
    else:
        if settings.KAMTIBMAS_FAULT_PAUSE_AFTER_SEND:
            time.sleep(settings.KAMTIBMAS_FAULT_PAUSE_AFTER_SEND)
        _record_sent(message)
    return OutboxMessage.objects.get(pk=message.pk)


def outbox_deliver_due() -> int:
    """Deliver open messages whose time has come (the worker's periodic sweep): those
    whose task was lost, retries, and those a dead worker held. Gives up on messages
    that ran out of attempts while their worker died. Returns how many were sent."""
    now = timezone.now()
    exhausted = (
        OutboxMessage.objects.filter(status__in=OPEN_STATUSES, attempts__gte=_max_attempts())
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            status=OutboxStatus.DEAD,
            claimed_until=None,
            claim_token=None,
            last_error="No attempts left: the last ones ended without a result "
            "(the worker stopped during delivery).",
        )
    )
    if exhausted:
        logger.warning("%d notifications gave up after interrupted deliveries", exhausted)
    return outbox_deliver_ready()


def outbox_deliver_ready() -> int:
    """Deliver the open messages due now that no live claim holds, oldest due first (at
    most ``SWEEP_BATCH``; the next call takes the rest): what every worker does at each
    turn of its loop. One indexed query when nothing is ready. Returns how many were
    sent."""
    now = timezone.now()
    due = list(
        OutboxMessage.objects.claimable(now, max_attempts=_max_attempts())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for message_id in due:
        message = outbox_deliver(message_id=message_id)
        sent += message is not None and message.status == OutboxStatus.SENT
    return sent


def outbox_retry(*, message_id: uuid.UUID | str) -> OutboxMessage:
    """Try a message again now (an administrator's "retry now"). A dead message gets
    its attempts back; a sent message is left as it is."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status == OutboxStatus.SENT:
            return message
        changes: dict[str, object] = {"next_attempt_at": timezone.now()}
        if message.status == OutboxStatus.DEAD:
            changes.update(status=OutboxStatus.PENDING, attempts=0)
        OutboxMessage.objects.filter(pk=message.pk).update(**changes)
        _wake_worker(message_id=str(message.pk))
    return OutboxMessage.objects.get(pk=message.pk)
