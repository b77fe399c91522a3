"""Periodic jobs, run by every ``kamtibmas worker`` between task polls.

A job is declared in ``settings.KAMTIBMAS_PERIODIC_JOBS`` as ``(name, every, path)``:
``path`` names a callable without arguments, run once in every period of ``every``
seconds. Periods ("slots") are aligned to the Unix epoch in UTC, so all workers agree
on them: a 60-second job has one slot per minute, a daily one a slot per UTC day.

However many workers run, a job runs at most once per slot: the first worker to
insert the (job, slot) row into the database runs it, the others find the row and
skip. A worker that dies during a job does not get it re-run in the same slot; the
next slot runs it again, so jobs must be sweeps that catch up (they are).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Slot claims older than this are deleted as workers go.
KEEP_RUNS = timedelta(days=7)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: int
    path: str

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError(f"Periodic job {self.name}: 'every' must be at least 1 second.")

    def slot_start(self, now: datetime) -> datetime:
        """The start of the period that contains ``now``."""
        elapsed = int((now - _EPOCH).total_seconds())
        return _EPOCH + timedelta(seconds=elapsed - elapsed % self.every)

    def function(self) -> Callable[[], Any]:
        function: Callable[[], Any] = import_string(self.path)
        return function


def periodic_jobs() -> list[PeriodicJob]:
    """The jobs configured now (``settings.KAMTIBMAS_PERIODIC_JOBS``)."""
    return [
        job if isinstance(job, PeriodicJob) else PeriodicJob(*job)
        for job in getattr(settings, "KAMTIBMAS_PERIODIC_JOBS", [])
    ]


def run_due_jobs(now: datetime | None = None) -> list[str]:
    """Run each job whose current slot no worker has claimed yet; return their names.

    A job that raises is logged and its error kept with its run; the others still run.
    """
    from kamtibmas.notifications.models import PeriodicJobRun  # the worker's tables

    now = now or timezone.now()
    ran: list[str] = []
    for job in periodic_jobs():
        try:
            with transaction.atomic():
                run = PeriodicJobRun.objects.create(job=job.name, slot_start=job.slot_start(now))
        except IntegrityError:
            continue  # another worker has this slot
        ran.append(job.name)
        error = ""
        try:
            job.function()()
        except Exception as exc:
            logger.exception("Periodic job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"[:1000]
        PeriodicJobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=error)
    if ran:
        PeriodicJobRun.objects.filter(slot_start__lt=now - KEEP_RUNS).delete()
    return ran
