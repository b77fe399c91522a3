"""The background worker: django-tasks-db's task loop and the periodic scheduler,
taking turns in one thread.

django-tasks-db's ``Worker`` claims and runs the queued tasks (its batch mode runs
everything ready, then returns); between its turns the worker delivers the outbox
messages that are ready (``outbox_deliver_ready``: a notification writes no task row),
runs the periodic jobs that are due (``kamtibmas.core.schedule``) and waits
``interval`` seconds.
``stop()`` may be called from a signal handler or another thread: the task running
at that moment finishes, then the loop ends.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from kamtibmas.core.schedule import run_due_jobs
from kamtibmas.notifications.services import outbox_deliver_ready

logger = logging.getLogger(__name__)

#: Seconds between attempts while the database is unavailable.
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)


class _TaskWorker(Worker):
    """django-tasks-db's worker whose ``running`` flag is our stop event."""

    def __init__(self, *, stop_event: threading.Event, **kwargs: Any) -> None:
        self._stop_event = stop_event
        #: Tasks that ran while the database went away: their outcome is not written yet.
        self.unrecorded: list[DBTaskResult] = []
        super().__init__(**kwargs)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DatabaseError:
            # The database went away while the task ran or while its outcome was
            # written: django-tasks-db set the outcome on this object (failed, with
            # the database's error, even when the task's own work was done) but could
            # not save it. Without this the task would stay RUNNING for ever; the
            # outcome is written once the database is back.
            self.unrecorded.append(db_task_result)
            raise

    def record_unrecorded(self) -> None:
        """Write the outcome of the tasks that ran while the database was away (only
        over RUNNING: an outcome that was written after all is kept)."""
        while self.unrecorded:
            result = self.unrecorded[0]
            DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=result.status,
                finished_at=result.finished_at,
                return_value=result.return_value,
                exception_class_path=result.exception_class_path,
                traceback=result.traceback,
            )
            logger.info(
                "Task %s ran while the database was away: recorded %s", result.pk, result.status
            )
            self.unrecorded.pop(0)

    @property
    def running(self) -> bool:
        return not self._stop_event.is_set()

    @running.setter
    def running(self, value: bool) -> None:
        if not value:
            self._stop_event.set()


class BackgroundWorker:
    def __init__(
        self,
        *,
        interval: float = 1.0,
        queue_names: tuple[str, ...] = ("default",),
        backend_name: str = "default",
        worker_id: str = "",
    ) -> None:
        self.interval = interval
        self._stop_event = threading.Event()
        self._tasks = _TaskWorker(
            stop_event=self._stop_event,
            queue_names=list(queue_names),
            interval=0,
            batch=True,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )

    @property
    def worker_id(self) -> str:
        return self._tasks.worker_id

    def stop(self) -> None:
        self._stop_event.set()

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    def run(self, *, once: bool = False) -> None:
        """Work until ``stop()``; with ``once``, run what is ready and due, then return.

        A database that goes away (a restart, a failover, the network) does not stop
        the worker: it drops its connections, waits (``RECONNECT_DELAYS``, growing) and
        goes on. What it was doing is not lost: the task it was running is recorded
        failed (with the error) once the database is back, not left running; the
        outbox sweep sends the messages of tasks that never finished (SECURITY.md 20)
        and ``reports.recover`` makes the reports whose attempt died."""
        logger.info("Worker %s started", self.worker_id)
        failures = 0
        while not self.stopping:
            try:
                self._tasks.record_unrecorded()
                self._tasks.run()
                if self.stopping:
                    break
                outbox_deliver_ready()
                run_due_jobs(timezone.now())
                close_old_connections()
            except DatabaseError as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                logger.warning(
                    "Worker %s: the database is unavailable (%s); trying again in %.1f s",
                    self.worker_id,
                    type(exc).__name__,
                    delay,
                )
                connections.close_all()
                if once:
                    raise
                self._stop_event.wait(delay)
                continue
            if failures:
                logger.info("Worker %s: the database is back", self.worker_id)
                failures = 0
            if once:
                break
            self._stop_event.wait(self.interval)
        logger.info("Worker %s stopped", self.worker_id)


def start_worker_thread(*, interval: float = 1.0) -> BackgroundWorker:
    """Run a worker in a daemon thread of this process (the demo, §9 shape 1)."""
    worker = BackgroundWorker(interval=interval)

    def work() -> None:
        try:
            worker.run()
        except Exception:
            logger.exception("The in-process worker stopped on an error")
            raise

    threading.Thread(target=work, name="kamtibmas-worker", daemon=True).start()
    return worker
