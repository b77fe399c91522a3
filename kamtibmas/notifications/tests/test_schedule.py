"""Periodic jobs (kamtibmas.core.schedule): once per slot, however many workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from kamtibmas.core.schedule import PeriodicJob, run_due_jobs
from kamtibmas.notifications.models import PeriodicJobRun
from kamtibmas.notifications.tests.conftest import in_threads

RUNS: list[str] = []
HERE = "kamtibmas.notifications.tests.test_schedule"
NOW = datetime(2025, 7, 31, 19, 30, 10, tzinfo=UTC)


def count_run() -> None:
    RUNS.append(threading.current_thread().name)


def fail() -> None:
    raise RuntimeError("the sweep broke")


@pytest.fixture(autouse=True)
def jobs(settings) -> None:
    RUNS.clear()
    settings.KAMTIBMAS_PERIODIC_JOBS = [("test.count", 60, f"{HERE}.count_run")]


def test_slots_are_aligned_periods():
    job = PeriodicJob(name="sweep", every=300, path=f"{HERE}.count_run")

    assert job.slot_start(NOW) == datetime(2025, 7, 31, 19, 30, tzinfo=UTC)
    assert job.slot_start(NOW + timedelta(minutes=4, seconds=49)) == job.slot_start(NOW)
    next_slot = job.slot_start(NOW) + timedelta(minutes=5)
    assert job.slot_start(NOW + timedelta(minutes=4, seconds=50)) == next_slot
    with pytest.raises(ValueError):
        PeriodicJob(name="busy", every=0, path=f"{HERE}.count_run")


@pytest.mark.django_db
def test_a_job_runs_once_per_slot():
    assert run_due_jobs(NOW) == ["test.count"]
    assert run_due_jobs(NOW + timedelta(seconds=45)) == []
    assert run_due_jobs(NOW + timedelta(seconds=50)) == ["test.count"]

    assert len(RUNS) == 2
    assert PeriodicJobRun.objects.filter(finished_at__isnull=False, error="").count() == 2


def test_two_schedulers_at_the_same_moment_run_a_job_once(concurrent_connections):
    ran = in_threads(partial(run_due_jobs, NOW), partial(run_due_jobs, NOW))

    assert sorted(ran) == [[], ["test.count"]] and len(RUNS) == 1
    assert PeriodicJobRun.objects.count() == 1


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_others_still_run(settings):
    settings.KAMTIBMAS_PERIODIC_JOBS = [
        ("test.fail", 60, f"{HERE}.fail"),
        PeriodicJob(name="test.count", every=60, path=f"{HERE}.count_run"),
    ]

    assert run_due_jobs(NOW) == ["test.fail", "test.count"]

    assert PeriodicJobRun.objects.get(job="test.fail").error == "RuntimeError: the sweep broke"
    assert len(RUNS) == 1


@pytest.mark.django_db
def test_old_slot_claims_are_pruned():
    run_due_jobs(NOW)
    run_due_jobs(NOW + timedelta(days=8))

    assert list(PeriodicJobRun.objects.values_list("slot_start", flat=True)) == [
        datetime(2025, 8, 8, 19, 30, tzinfo=UTC)
    ]
