"""A periodic job for the worker subprocesses of test_worker.py: one line per run."""

import os

from django.conf import settings


def record_run() -> None:
    with open(settings.DATA_DIR / "job-runs.log", "a") as log:
        log.write(f"{os.getpid()}\n")
