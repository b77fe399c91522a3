"""`kamtibmas worker` as a real process on a file SQLite database (SECURITY.md 20): a
worker killed between a channel's acceptance and the outbox's record loses nothing,
and the recipient gets every message exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

MESSAGES = 5
KILLS = 2
PAUSE_AFTER_SEND = "0.3"

ENQUEUE = f"""
from django.db import transaction
from kamtibmas.notifications.services import notification_enqueue
with transaction.atomic():
    for n in range({MESSAGES}):
        notification_enqueue(
            channel="sms", recipient=f"+62812345678{{n:02d}}", subject="",
            body=f"Pesan {{n}}", dedupe_key=f"crash-test:{{n}}", topic="crash-test",
        )
"""


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    output: Path

    def started(self) -> bool:
        return b" started" in self.output.read_bytes()

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(10)


class Deployment:
    """A data directory with its own SQLite database, and the commands to run on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.database = root / "kamtibmas.sqlite3"
        self.deliveries = root / "outbox" / "sms" / "deliveries.log"
        self.workers = 0
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KAMTIBMAS_")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="kamtibmas.notifications.tests.worker_settings",
            DATABASE_URL=f"sqlite:///{self.database}",
            KAMTIBMAS_DATA_DIR=str(root),
        )

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "kamtibmas", *args]

    def run(self, *args: str) -> None:
        subprocess.run(
            self.command(*args), env=self.env, check=True, capture_output=True, timeout=60
        )

    def start_worker(self, **env: str) -> Worker:
        self.workers += 1
        output = self.root / f"worker-{self.workers}.log"
        with output.open("wb") as handle:
            process = subprocess.Popen(
                self.command("worker", "--interval", "0.05"),
                env={**self.env, **env},
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        return Worker(process, output)

    def log(self) -> list[tuple[str, str]]:
        """(message id, "delivered" or "duplicate") for each send the channel saw."""
        if not self.deliveries.exists():
            return []
        lines = self.deliveries.read_text().splitlines()
        return [(message, event) for message, event in (line.split() for line in lines)]

    def job_runs(self) -> int:
        """How many times the periodic job test.record_run ran (tests/jobs.py)."""
        log = self.root / "job-runs.log"
        return len(log.read_text().splitlines()) if log.exists() else 0

    def job_ran_more_than(self, count: int) -> bool:
        return self.job_runs() > count

    def delivered_more_than(self, count: int) -> bool:
        return len(self.log()) > count

    def delivered_new_since(self, count: int) -> bool:
        """Whether a message was delivered for the first time after the first ``count``
        events (a repeat the channel dropped is not one)."""
        return any(event == "delivered" for _message, event in self.log()[count:])

    def statuses(self) -> dict[str, str]:
        return {
            str(uuid.UUID(stored)): status
            for stored, status in self.query("SELECT id, status FROM notifications_outboxmessage")
        }

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database, timeout=20) as db:
            return db.execute(sql).fetchall()


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    deployment = Deployment(tmp_path)
    deployment.run("migrate", "--verbosity", "0", "--skip-checks")
    deployment.run("shell", "--no-imports", "--command", ENQUEUE)
    return deployment


def test_workers_killed_mid_delivery_lose_nothing_and_send_nothing_twice(deployment):
    """Kill workers while a message is sent but not yet recorded, then let two workers
    finish side by side; they also run a periodic job each second."""
    ids = set(deployment.statuses())
    assert len(ids) == MESSAGES

    interrupted: list[str] = []
    for _kill in range(KILLS):
        seen = len(deployment.log())
        worker = deployment.start_worker(KAMTIBMAS_FAULT_PAUSE_AFTER_SEND=PAUSE_AFTER_SEND)
        # A new worker first sends again the message a kill left unrecorded (its claim
        # has run out), then goes on: wait for a first delivery, not that repeat.
        wait_for(partial(deployment.delivered_new_since, seen))
        worker.stop(signal.SIGKILL)
        statuses = deployment.statuses()
        interrupted += [
            message
            for message, event in deployment.log()[seen:]
            if event == "delivered" and statuses[message] != "sent"
        ]
    assert len(interrupted) == KILLS  # each kill landed between the send and its record

    workers = [deployment.start_worker(), deployment.start_worker()]
    wait_for(lambda: set(deployment.statuses().values()) == {"sent"})
    wait_for(lambda: all(worker.started() for worker in workers))
    # Two schedulers side by side for at least one whole slot.
    wait_for(partial(deployment.job_ran_more_than, deployment.job_runs() + 1))
    for worker in workers:
        assert worker.stop(signal.SIGTERM) == 0, worker.output.read_text()
        assert " stopped" in worker.output.read_text()

    files = {path.stem for path in deployment.deliveries.parent.glob("*.json")}
    delivered = Counter(message for message, event in deployment.log() if event == "delivered")
    repeated = Counter(message for message, event in deployment.log() if event == "duplicate")
    assert files == ids
    assert set(delivered) == ids and set(delivered.values()) == {1}
    # The outbox sent again exactly the messages whose record a kill prevented; the
    # channel recognised each repeat by its message id and dropped it.
    assert repeated == Counter(interrupted)
    # Each run of the periodic job had a slot of its own, whichever worker ran it.
    runs = deployment.job_runs()
    slots = deployment.query(
        "SELECT slot_start FROM notifications_periodicjobrun WHERE job = 'test.record_run'"
    )
    assert runs >= 2 and runs == len(slots) == len(set(slots))
