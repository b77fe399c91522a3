"""`kamtibmas worker` through a PostgreSQL crash (issue 12 point 3; SECURITY.md 20):
two workers deliver from the outbox of a private PostgreSQL cluster that crashes
(``pg_ctl restart -m immediate``) while they send. The workers stay up, wait for the
database and go on; every message reaches its recipient once, none is lost.

The cluster is private (``core.tests.pgcluster``): crashing the shared PostgreSQL would
break every other test running beside this one. Skipped without Debian's PostgreSQL
binaries unless ``KAMTIBMAS_REQUIRE_CRASH_TESTS=1``."""

from __future__ import annotations

import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kamtibmas.core.tests import pgcluster
from kamtibmas.notifications.tests.test_worker import Deployment, Worker, wait_for

MESSAGES = 24

ENQUEUE = f"""
from django.db import transaction
from kamtibmas.notifications.services import notification_enqueue
with transaction.atomic():
    for n in range({MESSAGES}):
        notification_enqueue(
            channel="sms", recipient=f"+62812345678{{n:02d}}", subject="",
            body=f"Pesan {{n}}", dedupe_key=f"db-crash-test:{{n}}", topic="db-crash-test",
        )
"""

pytestmark = pytest.mark.slow


class PostgresDeployment(Deployment):
    """``Deployment`` of test_worker.py on a database of the private cluster."""

    def __init__(self, root: Path, cluster: pgcluster.Cluster) -> None:
        super().__init__(root)
        self.cluster = cluster
        self.env["DATABASE_URL"] = cluster.create_database("outbox")

    def statuses(self) -> dict[str, str]:
        rows = self.cluster.psql("SELECT id, status FROM notifications_outboxmessage", "outbox")
        return {
            str(uuid.UUID(stored)): status
            for stored, status in (line.split("|") for line in rows.splitlines())
        }

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.env["DATABASE_URL"], connect_timeout=10) as db:
            return db.execute(sql).fetchall()


@contextmanager
def migrated_on_private_cluster(root: Path, *setup: str) -> Iterator[PostgresDeployment]:
    """A deployment in ``root`` on a new private cluster, migrated, each of ``setup``
    run in its shell; the calling test is skipped when no cluster can be made here
    (``pgcluster.require()``)."""
    pgcluster.require()
    with pgcluster.cluster() as cluster:
        made = PostgresDeployment(root, cluster)
        made.run("migrate", "--verbosity", "0", "--skip-checks")
        for code in setup:
            made.run("shell", "--no-imports", "--command", code)
        yield made


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[PostgresDeployment]:
    with migrated_on_private_cluster(tmp_path, ENQUEUE) as made:
        yield made


def test_workers_ride_out_a_database_crash_and_send_everything_once(deployment):
    ids = set(deployment.statuses())
    assert len(ids) == MESSAGES
    # Each send takes a moment, so the crash lands while the workers are sending.
    workers: list[Worker] = [
        deployment.start_worker(KAMTIBMAS_FAULT_PAUSE_AFTER_SEND="0.15") for _ in range(2)
    ]
    try:
        wait_for(lambda: deployment.delivered_more_than(3), timeout=60)
        deployment.cluster.restart("immediate")
        wait_for(lambda: set(deployment.statuses().values()) == {"sent"}, timeout=90)
        for worker in workers:
            assert worker.process.poll() is None, worker.output.read_text()
    finally:
        codes = [worker.stop(signal.SIGTERM) for worker in workers]
    assert codes == [0, 0], [worker.output.read_text() for worker in workers]

    files = {path.stem for path in deployment.deliveries.parent.glob("*.json")}
    delivered = Counter(message for message, event in deployment.log() if event == "delivered")
    assert files == ids
    assert set(delivered) == ids and set(delivered.values()) == {1}  # once each
    assert any("database" in worker.output.read_text().lower() for worker in workers), (
        "no worker noticed the crash"
    )
