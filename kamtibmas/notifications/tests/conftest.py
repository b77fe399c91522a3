"""Fixtures of the notifications tests: per-test outbox directories and a real HTTP
gateway on 127.0.0.1 that records what it receives."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.utils import timezone

from kamtibmas.notifications.models import OutboxMessage

T = TypeVar("T")
FILES = "kamtibmas.notifications.channels.FileChannel"
GATEWAY = "kamtibmas.notifications.channels.HttpGatewayChannel"


@pytest.fixture(autouse=True)
def outbox_dir(settings, tmp_path: Path) -> Path:
    """SMS and WhatsApp go to files under this test's own directory; email to Django's
    test backend (``django.core.mail.outbox``)."""
    settings.KAMTIBMAS_NOTIFICATION_CHANNELS = {
        "email": {"class": "kamtibmas.notifications.channels.EmailChannel"},
        "sms": {"class": FILES, "directory": str(tmp_path / "sms")},
        "whatsapp": {"class": FILES, "directory": str(tmp_path / "whatsapp")},
    }
    return tmp_path


@dataclass
class Gateway:
    """What the gateway answers (a list of statuses consumed in order, then 200)
    and what it was sent."""

    url: str
    answers: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def use_for(self, settings, channel: str = "sms") -> None:
        settings.KAMTIBMAS_NOTIFICATION_CHANNELS = {
            **settings.KAMTIBMAS_NOTIFICATION_CHANNELS,
            channel: {"class": GATEWAY, "url": self.url, "token": "gateway-secret", "timeout": 5},
        }


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                state.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": payload}
                )
                status = state.answers.pop(0) if state.answers else 200
            # Like real gateways, the answer repeats the number it was given.
            answer = json.dumps({"ok": status < 300, "to": payload.get("to")}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/messages"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def time_passes(message: OutboxMessage) -> None:
    """Make the next attempt of ``message`` due now, as if its wait had passed."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


@pytest.fixture
def concurrent_connections(transactional_db) -> None:
    """Several threads, each with its own connection, writing at the same time."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "Django's in-memory SQLite test database answers a second writer with 'table "
            "is locked' instead of waiting; test_worker.py runs concurrent workers on a "
            "SQLite file instead."
        )


def in_threads(*functions: Callable[[], T]) -> list[T]:
    """Run ``functions`` at the same time, each in its own thread and connection."""
    start = threading.Barrier(len(functions))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = functions[index]()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return [results[n] for n in range(len(functions))]
