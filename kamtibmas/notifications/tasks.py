"""Background tasks of the notifications app (run by ``kamtibmas worker``)."""

from __future__ import annotations

from django_tasks import task

from kamtibmas.notifications.services import outbox_deliver


@task()
def deliver_message(message_id: str) -> None:
    """Deliver one outbox message. Safe to run twice: the outbox claim decides who
    sends, and a sent message is not sent again."""
    outbox_deliver(message_id=message_id)
