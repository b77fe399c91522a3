"""The outbox in the admin: failures visible to administrators, numbers masked in the
list, "retry now" through the service, and nothing for other roles."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from kamtibmas.notifications.models import OutboxMessage, OutboxStatus
from kamtibmas.notifications.services import notification_enqueue, outbox_deliver
from kamtibmas.notifications.tests.conftest import time_passes
from kamtibmas.privacy.models import AuditEntry

PHONE = "+6281234567890"
CHANGELIST = reverse("admin:notifications_outboxmessage_changelist")


@pytest.fixture
def dead_message(settings, gateway) -> OutboxMessage:
    settings.KAMTIBMAS_NOTIFICATION_MAX_ATTEMPTS = 2
    gateway.use_for(settings)
    gateway.answers = [502, 502]
    with transaction.atomic():
        message = notification_enqueue(
            channel="sms",
            recipient=PHONE,
            subject="",
            body="Aspirasi Anda sudah diterima.",
            dedupe_key="aspiration:12:received",
            topic="aspiration:12",
        )
    outbox_deliver(message_id=message.pk)
    time_passes(message)
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    return message


def test_an_admin_sees_dead_messages_with_their_error_and_a_masked_number(
    client, bekasi, dead_message
):
    client.force_login(bekasi.admin)

    response = client.get(CHANGELIST, {"status__exact": "dead", "channel__exact": "sms"})

    page = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [dead_message]
    assert "Gateway answered 502" in page and "aspiration:12" in page
    assert "*7890" in page and PHONE not in page
    assert not response.context["cl"].model_admin.has_add_permission(response.wsgi_request)


def test_opening_a_message_shows_the_number_and_is_audited(client, bekasi, dead_message):
    client.force_login(bekasi.admin)
    url = reverse("admin:notifications_outboxmessage_change", args=[dead_message.pk])

    response = client.get(url)

    assert response.status_code == 200 and PHONE in response.content.decode()
    entry = AuditEntry.objects.get(subject_id=str(dead_message.pk))
    assert entry.actor == bekasi.admin and entry.fields == ["body", "recipient"]


def test_retry_now_sends_a_dead_message_again(client, bekasi, dead_message, gateway):
    client.force_login(bekasi.admin)

    response = client.post(
        CHANGELIST,
        {"action": "retry_now", "_selected_action": [str(dead_message.pk)]},
        follow=True,
    )
    outbox_deliver(message_id=dead_message.pk)

    assert response.status_code == 200
    assert "1 pesan akan segera dikirim ulang." in response.content.decode()  # Indonesian first
    dead_message.refresh_from_db()
    assert dead_message.status == OutboxStatus.SENT and len(gateway.requests) == 3


@pytest.mark.parametrize("who", ["commander_polres", "officer_selatan"])
def test_other_roles_cannot_see_the_outbox(client, bekasi, dead_message, who):
    client.force_login(getattr(bekasi, who))

    assert client.get(CHANGELIST).status_code == 403


def test_the_outbox_is_searchable_by_topic_and_message_id(client, bekasi, dead_message):
    client.force_login(bekasi.admin)

    for term in ("aspiration:12", str(dead_message.pk), "nothing-like-it"):
        response = client.get(CHANGELIST, {"q": term})
        assert response.status_code == 200
        expected = [] if term == "nothing-like-it" else [dead_message]
        assert list(response.context["cl"].result_list) == expected
