from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import valid_interval

from kamtibmas.notifications.worker import BackgroundWorker

logger = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Command(BaseCommand):
    # Supervisors restart workers and cron may start one a minute: the checks run at
    # deployment (`kamtibmas check --deploy`) and with every web server instead.
    requires_system_checks: list[str] = []
    help = (
        "Run the background worker: deliver notifications and run the other queued tasks "
        "(django-tasks, database queue), and between polls the periodic jobs of "
        "KAMTIBMAS_PERIODIC_JOBS (the notification sweep every minute, …), each at most "
        "once per period however many workers run. Run one or more next to the web "
        "server under a supervisor (systemd, …). SIGTERM or Ctrl+C stops it after the "
        "task in progress; a second signal stops it at once. With --once it runs what "
        "is ready and due and exits, for cron and tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            "--batch",
            action="store_true",
            dest="once",
            help="Run the ready tasks and the due periodic jobs, then exit.",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Seconds to wait when there is nothing to do (default: %(default)s).",
        )
        parser.add_argument(
            "--queue-name",
            default="default",
            help="Task queues to work on, separated by commas (default: %(default)s).",
        )
        parser.add_argument(
            "--worker-id", default="", help="A name unique among the workers (default: random)."
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        interval: float,
        queue_name: str,
        worker_id: str,
        **options: Any,
    ) -> None:
        if options["verbosity"] == 0:
            logging.getLogger("kamtibmas.notifications.worker").setLevel(logging.WARNING)
        elif options["verbosity"] >= 2:
            logging.getLogger("django_tasks_db").setLevel(logging.DEBUG)
        worker = BackgroundWorker(
            interval=interval, queue_names=tuple(queue_name.split(",")), worker_id=worker_id
        )
        if threading.current_thread() is not threading.main_thread():
            worker.run(once=once)
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            if worker.stopping:
                logger.warning("%s again: stopping now", signal.strsignal(signum))
                raise SystemExit(1)
            logger.warning(
                "%s: stopping after the current task (again to stop now)",
                signal.strsignal(signum),
            )
            worker.stop()

        previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
        try:
            worker.run(once=once)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
