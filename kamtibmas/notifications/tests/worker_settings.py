"""Settings of the worker subprocesses of the crash tests (test_worker.py,
test_worker_database_crash.py, reports/tests/test_report_worker_crash.py and
test_report_worker_database_crash.py): production settings with claims and
sweeps measured in seconds instead of minutes, so that a killed worker's message or
report comes back within the test."""

import os
from pathlib import Path

from kamtibmas.config.settings.base import *  # noqa: F403

# The triage model trained from the shipped corpus, kept where the test settings keep
# it (kamtibmas.config.settings.test): an aspiration submitted in a subprocess does not
# train it again (some 20 s).
KAMTIBMAS_TRIAGE_CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kamtibmas" / "triage"
)

KAMTIBMAS_NOTIFICATION_CLAIM_SECONDS = 1
KAMTIBMAS_PERIODIC_JOBS = [
    ("notifications.deliver_due", 1, "kamtibmas.notifications.services.outbox_deliver_due"),
    ("test.record_run", 1, "kamtibmas.notifications.tests.jobs.record_run"),
    ("reports.recover", 1, "kamtibmas.reports.services.reports_recover_stale"),
    ("aspirations.sla_sweep", 1, "kamtibmas.aspirations.services.aspirations_sla_sweep"),
]
