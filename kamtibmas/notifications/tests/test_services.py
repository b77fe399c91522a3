"""The outbox services against the real database, real files and a real HTTP gateway."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kamtibmas.accounts.models import User
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus
from kamtibmas.notifications.services import (
    notification_enqueue,
    outbox_deliver,
    outbox_deliver_due,
    outbox_deliver_ready,
    outbox_retry,
)
from kamtibmas.notifications.tests.conftest import in_threads, time_passes

PHONE = "+6281234567890"


def enqueue(key: str = "aspiration:12:received", **changes: str) -> OutboxMessage:
    fields = {
        "channel": "sms",
        "recipient": PHONE,
        "subject": "",
        "body": "Aspirasi Anda ASP-12 sudah diterima.",
        "dedupe_key": key,
        "topic": "aspiration:12",
        **changes,
    }
    return notification_enqueue(**fields)


def delivered_lines(directory: Path) -> list[str]:
    log = directory / "deliveries.log"
    return log.read_text().splitlines() if log.exists() else []


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="transaction"):
        enqueue()

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_message_and_no_task():
    with pytest.raises(Rollback), transaction.atomic():
        User.objects.create_user(username="warga.baru", password="x" * 12)
        enqueue()
        raise Rollback

    assert not User.objects.filter(username="warga.baru").exists()
    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_delivered_once_by_the_worker(outbox_dir):
    with transaction.atomic():
        User.objects.create_user(username="warga.baru", password="x" * 12)
        message = enqueue()
    # The message's row is the only write: the worker finds it ready in the outbox.
    assert not DBTaskResult.objects.exists()

    call_command("worker", "--once", verbosity=0)
    call_command("worker", "--once", verbosity=0)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)
    assert message.sent_at is not None
    written = json.loads((outbox_dir / "sms" / f"{message.pk}.json").read_text())
    assert written["to"] == PHONE and written["text"] == message.body
    assert delivered_lines(outbox_dir / "sms") == [f"{message.pk} delivered"]


@pytest.mark.django_db
def test_the_same_event_enqueued_twice_is_one_message():
    with transaction.atomic():
        first = enqueue()
        second = enqueue(body="A different text for the same event.")

    assert first.pk == second.pk
    assert OutboxMessage.objects.get().body == "Aspirasi Anda ASP-12 sudah diterima."
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_with_a_queue_outside_the_database_the_task_waits_for_the_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue()
        enqueue(body="A different text for the same event.")

    assert len(callbacks) == 1
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    "changes", [{"channel": "pigeon"}, {"recipient": "  "}, {"dedupe_key": ""}]
)
@pytest.mark.django_db
def test_a_message_without_a_channel_recipient_or_key_is_refused(changes):
    with pytest.raises(ValueError), transaction.atomic():
        enqueue(**changes)
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_recipient_and_body_are_encrypted_at_rest():
    with transaction.atomic():
        message = enqueue()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT recipient, body FROM notifications_outboxmessage WHERE id = %s",
            [OutboxMessage._meta.pk.get_db_prep_value(message.pk, connection)],
        )
        stored = cursor.fetchone()
    assert PHONE not in stored[0] and "ASP-12" not in stored[1]


@pytest.mark.django_db
def test_a_temporary_failure_is_retried_later_with_the_same_idempotency_key(
    settings, gateway, django_capture_on_commit_callbacks
):
    gateway.use_for(settings)
    gateway.answers = [500]
    with transaction.atomic():
        message = enqueue()

    with django_capture_on_commit_callbacks(execute=True):
        outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    wait = message.next_attempt_at - timezone.now()
    assert message.status == OutboxStatus.FAILED and message.attempts == 1
    assert timedelta(seconds=45) < wait <= timedelta(seconds=72)
    assert "500" in message.last_error and PHONE not in message.last_error
    assert not DBTaskResult.objects.exists()

    assert outbox_deliver(message_id=message.pk) is None  # not yet due
    assert outbox_deliver_ready() == 0  # the workers' turn leaves it until then
    assert len(gateway.requests) == 1

    time_passes(message)
    assert outbox_deliver_due() == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    keys = {request["headers"]["Idempotency-Key"] for request in gateway.requests}
    assert keys == {str(message.pk)} and len(gateway.requests) == 2
    sent = gateway.requests[-1]
    assert sent["json"] == {"reference": str(message.pk), "to": PHONE, "text": message.body}
    assert sent["headers"]["Authorization"] == "Bearer gateway-secret"


@pytest.mark.django_db
def test_a_permanent_failure_gives_up_at_once(settings, gateway):
    gateway.use_for(settings)
    gateway.answers = [400]
    with transaction.atomic():
        message = enqueue()

    outbox_deliver(message_id=message.pk)
    time_passes(message)
    outbox_deliver_due()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 1)
    assert "400" in message.last_error and PHONE not in message.last_error
    assert len(gateway.requests) == 1


@pytest.mark.django_db
def test_temporary_failures_give_up_after_the_last_attempt_with_growing_waits(settings, gateway):
    settings.KAMTIBMAS_NOTIFICATION_MAX_ATTEMPTS = 4
    gateway.use_for(settings)
    gateway.answers = [503] * 10
    with transaction.atomic():
        message = enqueue()

    waits = []
    for _attempt in range(5):
        outbox_deliver(message_id=message.pk)
        message.refresh_from_db()
        waits.append((message.next_attempt_at - timezone.now()).total_seconds())
        time_passes(message)

    assert (message.status, message.attempts, len(gateway.requests)) == (OutboxStatus.DEAD, 4, 4)
    for attempt, wait in enumerate(waits[:3], start=1):
        nominal = 60 * 2 ** (attempt - 1)
        assert 0.75 * nominal < wait <= 1.2 * nominal


# The worker checks its database connection between tasks, as after a request, which
# would close one held open by a test transaction: these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_retry_puts_a_dead_message_back_and_it_is_delivered(settings, gateway):
    gateway.use_for(settings)
    gateway.answers = [422]
    with transaction.atomic():
        message = enqueue()
    call_command("worker", "--once", verbosity=0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD

    retried = outbox_retry(message_id=message.pk)
    assert (retried.status, retried.attempts) == (OutboxStatus.PENDING, 0)

    call_command("worker", "--once", verbosity=0)

    message.refresh_from_db()
    assert (message.status, message.attempts, len(gateway.requests)) == (OutboxStatus.SENT, 1, 2)


@pytest.mark.django_db
def test_a_sent_message_is_never_sent_again_by_the_outbox(outbox_dir):
    with transaction.atomic():
        message = enqueue(channel="whatsapp")
    outbox_deliver(message_id=message.pk)

    assert outbox_deliver(message_id=message.pk) is None
    assert outbox_retry(message_id=message.pk).status == OutboxStatus.SENT
    assert outbox_deliver_due() == 0
    assert delivered_lines(outbox_dir / "whatsapp") == [f"{message.pk} delivered"]


@pytest.mark.django_db
def test_a_message_held_by_a_worker_waits_for_its_claim_to_expire(outbox_dir):
    with transaction.atomic():
        message = enqueue()
    in_a_minute = timezone.now() + timedelta(minutes=1)
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=in_a_minute, attempts=1)

    assert outbox_deliver(message_id=message.pk) is None
    assert outbox_deliver_due() == 0

    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now())
    assert outbox_deliver_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)


@pytest.mark.django_db
def test_the_sweep_gives_up_on_a_message_whose_deliveries_kept_stopping_the_worker(settings):
    settings.KAMTIBMAS_NOTIFICATION_MAX_ATTEMPTS = 3
    with transaction.atomic():
        message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=3, claimed_until=timezone.now() - timedelta(seconds=1)
    )

    assert outbox_deliver_due() == 0

    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and "stopped" in message.last_error


@pytest.mark.django_db
def test_a_broken_channel_is_recorded_for_the_admin_and_raised(settings):
    settings.KAMTIBMAS_NOTIFICATION_CHANNELS = {
        "sms": {"class": "kamtibmas.notifications.channels.HttpGatewayChannel", "url": "ftp://x"}
    }
    with transaction.atomic():
        message = enqueue()

    with pytest.raises(Exception, match="http"):
        outbox_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and "ImproperlyConfigured" in message.last_error


def test_two_workers_delivering_one_message_at_the_same_time_send_it_once(
    concurrent_connections, settings, gateway
):
    gateway.use_for(settings)
    with transaction.atomic():
        message = enqueue()

    results = in_threads(
        partial(outbox_deliver, message_id=message.pk),
        partial(outbox_deliver, message_id=message.pk),
    )

    assert sorted(result is None for result in results) == [False, True]
    assert len(gateway.requests) == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_the_same_event_from_two_concurrent_transactions_is_one_message(concurrent_connections):
    first_written = threading.Event()

    def first() -> OutboxMessage:
        with transaction.atomic():
            message = enqueue()
            first_written.set()
            time.sleep(0.3)  # the second transaction tries its INSERT meanwhile
        return message

    def second() -> OutboxMessage:
        first_written.wait(10)
        with transaction.atomic():
            return enqueue(body="Written by the second transaction.")

    one, other = in_threads(first, second)

    assert one == other
    assert OutboxMessage.objects.get().body == "Aspirasi Anda ASP-12 sudah diterima."
    assert not DBTaskResult.objects.exists()
