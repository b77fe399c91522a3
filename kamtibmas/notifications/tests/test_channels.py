"""Each channel against the real thing: files, Django's email machinery, a local HTTP
gateway, a closed port."""

from __future__ import annotations

import logging
import socket
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from kamtibmas.config.settings.base import notification_gateway
from kamtibmas.notifications.channels import (
    ConsoleChannel,
    DeliveryError,
    EmailChannel,
    FileChannel,
    HttpGatewayChannel,
    OutboundMessage,
    channel_for,
)

PHONE = "+6281234567890"


def outbound(channel: str = "sms", recipient: str = PHONE) -> OutboundMessage:
    return OutboundMessage(
        id=uuid.uuid4(),
        channel=channel,
        recipient=recipient,
        subject="Aspirasi ASP-12",
        body="Aspirasi Anda sudah ditindaklanjuti.",
    )


def test_the_file_channel_writes_each_message_once(tmp_path: Path):
    channel = FileChannel(code="sms", directory=tmp_path)
    message = outbound()

    channel.send(message)
    channel.send(message)

    assert [path.name for path in tmp_path.glob("*.json")] == [f"{message.id}.json"]
    assert not list(tmp_path.glob(".*.tmp"))
    assert (tmp_path / "deliveries.log").read_text().splitlines() == [
        f"{message.id} delivered",
        f"{message.id} duplicate",
    ]


def test_the_email_channel_derives_the_message_id_header(settings):
    settings.KAMTIBMAS_SITE_DOMAIN = "kamtibmas.example.id"
    message = outbound("email", "warga@example.id")

    EmailChannel(code="email").send(message)

    sent = mail.outbox[-1]
    assert sent.to == ["warga@example.id"] and sent.subject == message.subject
    assert sent.message()["Message-ID"] == f"<{message.id}@kamtibmas.example.id>"


def test_the_console_channel_masks_the_number(caplog):
    with caplog.at_level(logging.INFO, logger="kamtibmas.notifications.channels"):
        ConsoleChannel(code="sms").send(outbound())

    assert "*7890" in caplog.text and PHONE not in caplog.text


@pytest.mark.parametrize(
    ("status", "temporary"), [(500, True), (503, True), (429, True), (400, False), (401, False)]
)
def test_gateway_answers_decide_whether_to_try_again(gateway, status, temporary):
    gateway.answers = [status]
    channel = HttpGatewayChannel(code="sms", url=gateway.url)

    with pytest.raises(DeliveryError) as raised:
        channel.send(outbound())

    assert raised.value.temporary is temporary and str(status) in raised.value.reason
    assert "Authorization" not in gateway.requests[0]["headers"]


def test_an_unreachable_gateway_is_a_temporary_failure():
    with socket.socket() as probe:  # a port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = HttpGatewayChannel(code="whatsapp", url=f"http://127.0.0.1:{port}/", timeout=2)

    with pytest.raises(DeliveryError) as raised:
        channel.send(outbound("whatsapp"))

    assert raised.value.temporary


def test_channels_come_from_the_settings_of_the_moment(settings, gateway):
    settings.KAMTIBMAS_NOTIFICATION_CHANNELS = {}
    assert isinstance(channel_for("email"), EmailChannel)
    assert isinstance(channel_for("sms"), FileChannel)

    gateway.use_for(settings, "whatsapp")
    assert isinstance(channel_for("whatsapp"), HttpGatewayChannel)
    with pytest.raises(ImproperlyConfigured):
        channel_for("pigeon")


def test_gateway_urls_in_the_environment_switch_sms_and_whatsapp_to_http(monkeypatch):
    monkeypatch.setenv("KAMTIBMAS_SMS_GATEWAY_URL", "https://sms.example.id/send")
    monkeypatch.setenv("KAMTIBMAS_GATEWAY_TOKEN", "t0ken")
    monkeypatch.delenv("KAMTIBMAS_WHATSAPP_GATEWAY_URL", raising=False)
    sms = notification_gateway("KAMTIBMAS_SMS_GATEWAY_URL")
    whatsapp = notification_gateway("KAMTIBMAS_WHATSAPP_GATEWAY_URL")

    assert sms == {
        "class": "kamtibmas.notifications.channels.HttpGatewayChannel",
        "url": "https://sms.example.id/send",
        "token": "t0ken",
    }
    assert whatsapp == {"class": "kamtibmas.notifications.channels.FileChannel"}
