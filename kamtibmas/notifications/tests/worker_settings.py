"""Settings of the worker subprocesses of the crash tests (test_worker.py,
reports/tests/test_report_worker_crash.py): production settings with claims and
sweeps measured in seconds instead of minutes, so that a killed worker's message or
report comes back within the test."""

from kamtibmas.config.settings.base import *  # noqa: F403

KAMTIBMAS_NOTIFICATION_CLAIM_SECONDS = 1
KAMTIBMAS_PERIODIC_JOBS = [
    ("notifications.deliver_due", 1, "kamtibmas.notifications.services.outbox_deliver_due"),
    ("test.record_run", 1, "kamtibmas.notifications.tests.jobs.record_run"),
    ("reports.recover", 1, "kamtibmas.reports.services.reports_recover_stale"),
]
