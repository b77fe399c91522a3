"""Notices a second through one ``kamtibmas worker`` (docs/deploy/capacity.md).

A scratch database (``benchenv``) gets COUNT SMS notices in the outbox, each with its
delivery task, as an intake writes them; then ``kamtibmas worker --once`` (a process of
its own, as in production) claims every task and delivers each notice through the
file channel (no gateway configured: one file a notice in the data directory). The
time of that run, less the time of the same command with nothing to do (process
start, Django set-up), is the worker's own cost per notice: claim, decrypt, hand to
the channel, record as sent. A real gateway's answer time comes on top of it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kamtibmas \\
        .venv/bin/python bench/bench_worker.py [--count 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from benchenv import bench_django, machine


def worker_once() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kamtibmas", "worker", "--once"],
        env=dict(os.environ),
        check=True,
        capture_output=True,
        timeout=600,
    )
    return time.perf_counter() - started


def enqueue(count: int, round_number: int) -> None:
    from django.db import transaction

    from kamtibmas.notifications.services import notification_enqueue

    with transaction.atomic():
        for n in range(count):
            notification_enqueue(
                channel="sms",
                recipient="+6281234567890",
                subject="",
                body=f"Laporan ASP-BENCH-{round_number}-{n} telah diterima dan sedang ditangani.",
                dedupe_key=f"bench:{round_number}:{n}:sms",
                topic="bench",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    with bench_django() as described:
        from kamtibmas.notifications.models import OutboxMessage, OutboxStatus

        print(f"# One worker's notices a second\n\n{machine()}\n{described}\n")
        worker_once()  # the periodic jobs' first run, and their slots taken
        idle, busy = [], []
        for round_number in range(arguments.rounds):
            idle.append(worker_once())
            enqueue(arguments.count, round_number)
            busy.append(worker_once())
        sent = OutboxMessage.objects.filter(topic="bench", status=OutboxStatus.SENT).count()
        assert sent == arguments.count * arguments.rounds, sent
        idle_s, busy_s = statistics.median(idle), statistics.median(busy)
        per_notice = (busy_s - idle_s) / arguments.count
        print(
            f"| figure | median of {arguments.rounds} |\n| --- | --- |\n"
            f"| `worker --once`, nothing to do | {idle_s:.2f} s |\n"
            f"| `worker --once`, {arguments.count:,} notices | {busy_s:.2f} s |\n"
            f"| the worker's cost per notice | {per_notice * 1000:.2f} ms = "
            f"{1 / per_notice:,.0f} notices a second |"
        )


if __name__ == "__main__":
    main()
