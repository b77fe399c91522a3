"""Settings of the worker subprocesses of test_worker.py: production settings with a
claim and a sweep measured in seconds instead of minutes, so that a killed worker's
message comes back within the test."""

from kamtibmas.config.settings.base import *  # noqa: F403

KAMTIBMAS_NOTIFICATION_CLAIM_SECONDS = 1
KAMTIBMAS_PERIODIC_JOBS = [
    ("notifications.deliver_due", 1, "kamtibmas.notifications.services.outbox_deliver_due"),
    ("test.record_run", 1, "kamtibmas.notifications.tests.jobs.record_run"),
]
