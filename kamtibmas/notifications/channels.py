"""Delivery channels: how an outbox message leaves the system.

Delivery is at least once: a worker that dies after a channel accepted a message but
before the outbox recorded it delivers it again. Each channel therefore passes the
message id on, so that the far end can recognise the repeat: the file name (files),
the Message-ID header (email), the Idempotency-Key header (HTTP gateways).

A channel raises ``DeliveryError`` when it could not deliver; ``temporary`` says
whether trying later may help. Channels are configured by
``settings.KAMTIBMAS_NOTIFICATION_CHANNELS``, read on every call.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import smtplib
import urllib.error
import urllib.request
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from kamtibmas.privacy.identifiers import mask_identifier

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS: dict[str, dict[str, Any]] = {
    "email": {"class": "kamtibmas.notifications.channels.EmailChannel"},
    "sms": {"class": "kamtibmas.notifications.channels.FileChannel"},
    "whatsapp": {"class": "kamtibmas.notifications.channels.FileChannel"},
}


@dataclass(frozen=True)
class OutboundMessage:
    id: uuid.UUID
    channel: str
    recipient: str
    subject: str
    body: str


class DeliveryError(Exception):
    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


class Channel(ABC):
    """Delivers the messages of one channel code. Options from the settings arrive as
    keyword arguments."""

    code: str

    def __init__(self, *, code: str) -> None:
        self.code = code

    @abstractmethod
    def send(self, message: OutboundMessage) -> None:
        """Return once the far end has accepted ``message``; raise ``DeliveryError``
        otherwise. Must tolerate being called again with the same message."""


class EmailChannel(Channel):
    """Django's configured email backend. The Message-ID is derived from the message
    id, so a repeated delivery carries the same Message-ID as the first."""

    def __init__(self, *, code: str, from_email: str = "", message_id_domain: str = "") -> None:
        super().__init__(code=code)
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL
        self.message_id_domain = (
            message_id_domain or settings.KAMTIBMAS_SITE_DOMAIN or "kamtibmas.localhost"
        )

    def send(self, message: OutboundMessage) -> None:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=self.from_email,
            to=[message.recipient],
            headers={"Message-ID": f"<{message.id}@{self.message_id_domain}>"},
        )
        try:
            email.send(fail_silently=False)
        except ValueError as exc:  # an address the email package cannot encode
            raise DeliveryError(str(exc), temporary=False) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            raise DeliveryError(f"Recipient refused: {codes}", temporary=not permanent) from exc
        except OSError as exc:  # smtplib.SMTPException is an OSError
            code = getattr(exc, "smtp_code", None)
            permanent = isinstance(code, int) and code >= 500
            raise DeliveryError(f"{type(exc).__name__}: {exc}", temporary=not permanent) from exc


class FileChannel(Channel):
    """For development and the demo: one JSON file per message in
    ``<KAMTIBMAS_DATA_DIR>/outbox/<channel>/<message id>.json``, and one line per
    delivery in ``deliveries.log`` beside them.

    The file appears complete or not at all (written aside, then hard-linked into
    place, which fails if the name exists), so an existing file means "delivered
    before" and the repeat is dropped, and logged as a duplicate.
    """

    def __init__(self, *, code: str, directory: str | Path | None = None) -> None:
        super().__init__(code=code)
        self.directory = Path(directory) if directory else settings.DATA_DIR / "outbox" / code

    def send(self, message: OutboundMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{message.id}.json"
        if final.exists():
            self._log(message, "duplicate")
            return
        content = json.dumps(
            {
                "id": str(message.id),
                "channel": message.channel,
                "to": message.recipient,
                "subject": message.subject,
                "text": message.body,
            },
            ensure_ascii=False,
            indent=2,
        ).encode("utf-8")
        aside = self.directory / f".{message.id}.{uuid.uuid4().hex}.tmp"
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(aside, final)
            except FileExistsError:
                self._log(message, "duplicate")
                return
        finally:
            aside.unlink(missing_ok=True)
        self._log(message, "delivered")

    def _log(self, message: OutboundMessage, event: str) -> None:
        line = f"{message.id} {event}\n".encode()
        descriptor = os.open(
            self.directory / "deliveries.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)


class ConsoleChannel(Channel):
    """Logs one line per message; the recipient appears masked."""

    def send(self, message: OutboundMessage) -> None:
        logger.info(
            "Notification %s via %s to %s: %s",
            message.id,
            message.channel,
            mask_identifier(message.recipient),
            message.subject or message.body[:60],
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a gateway that redirects is misconfigured: report the 3xx


class HttpGatewayChannel(Channel):
    """An SMS or WhatsApp gateway that takes ``POST {"reference", "to", "text"}`` as
    JSON with an ``Idempotency-Key`` header (the message id) and an optional bearer
    token. 5xx, 408, 429 and network failures are temporary; other answers outside
    2xx are permanent."""

    TEMPORARY_STATUSES: ClassVar[frozenset[int]] = frozenset({408, 425, 429})

    def __init__(self, *, code: str, url: str, token: str = "", timeout: float = 10) -> None:
        super().__init__(code=code)
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured(f"Notification channel {code}: not an http(s) URL.")
        self.url = url
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: OutboundMessage) -> None:
        payload = {"reference": str(message.id), "to": message.recipient, "text": message.body}
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": str(message.id),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            answer = exc.read(300).decode("utf-8", "replace")
            temporary = exc.code >= 500 or exc.code in self.TEMPORARY_STATUSES
            raise DeliveryError(
                f"Gateway answered {exc.code}: {answer}", temporary=temporary
            ) from exc
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out…
            raise DeliveryError(f"Gateway unreachable: {exc}", temporary=True) from exc


def channel_for(code: str) -> Channel:
    """The channel configured for ``code`` now (settings are read on every call)."""
    configured = getattr(settings, "KAMTIBMAS_NOTIFICATION_CHANNELS", {})
    options = dict(configured.get(code) or DEFAULT_CHANNELS.get(code) or {})
    if "class" not in options:
        raise ImproperlyConfigured(f"No notification channel is configured for {code!r}.")
    channel_class = import_string(options.pop("class"))
    if not (isinstance(channel_class, type) and issubclass(channel_class, Channel)):
        raise ImproperlyConfigured(f"Notification channel {code!r} is not a Channel.")
    return channel_class(code=code, **options)
