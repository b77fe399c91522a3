"""`kamtibmas worker` as a real process killed while it makes a report (issue 12
point 3): the report is made after all by the next worker, once; and a report whose
attempts are used up ends failed with its message instead of being tried for ever."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from kamtibmas.notifications.tests.test_worker import Deployment, Worker, wait_for

#: A Polres with its commander, and the monthly report the commander asks for.
ASK = """
from datetime import date
from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import AreaKind, AreaLevel, UnitKind
from kamtibmas.areas.services import area_create, unit_create
from kamtibmas.reports.services import report_request_unit_monthly
jabar = area_create(
    code="32", name="Jawa Barat", level=AreaLevel.PROVINCE, kind=AreaKind.PROVINSI, parent=None
)
kota = area_create(
    code="32.75", name="Kota Bekasi", level=AreaLevel.REGENCY, kind=AreaKind.KOTA, parent=jabar
)
polres = unit_create(name="Polres Metro Bekasi Kota", kind=UnitKind.POLRES, coverage=[kota])
kapolres = User.objects.create_user(username="kapolres", role=Role.COMMANDER, unit=polres)
report_request_unit_monthly(
    actor=kapolres, unit_pk=polres.pk, month=date(2025, 7, 1), language="id"
)
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database, copied by each test (migrating takes seconds)."""
    template = Deployment(tmp_path_factory.mktemp("migrated"))
    template.run("migrate", "--verbosity", "0", "--skip-checks")
    return template.database


@pytest.fixture
def deployment(tmp_path: Path, migrated: Path) -> Deployment:
    deployment = Deployment(tmp_path)
    shutil.copyfile(migrated, deployment.database)
    deployment.env["KAMTIBMAS_REPORT_STALE_SECONDS"] = "1"
    deployment.run("shell", "--no-imports", "--command", ASK)
    return deployment


def report_row(deployment: Deployment) -> tuple[str, int, str, str]:
    [row] = deployment.query("SELECT status, attempts, file, failure FROM reports_report")
    return row


def kill_mid_report(deployment: Deployment) -> None:
    """A worker that claims the report, then is killed while making it."""
    worker = deployment.start_worker(KAMTIBMAS_FAULT_PAUSE_IN_REPORT_BUILD="60")
    wait_for(lambda: report_row(deployment)[0] == "running", timeout=60)
    worker.stop(signal.SIGKILL)


def stop(worker: Worker) -> str:
    assert worker.stop(signal.SIGTERM) == 0, worker.output.read_text()
    return worker.output.read_text()


def test_a_report_whose_worker_was_killed_is_made_by_the_next_worker_once(deployment):
    kill_mid_report(deployment)
    assert report_row(deployment)[:2] == ("running", 1)

    worker = deployment.start_worker()
    wait_for(lambda: report_row(deployment)[0] == "done", timeout=60)
    log = stop(worker)

    status, attempts, file, failure = report_row(deployment)
    assert (status, attempts, failure) == ("done", 2, "")
    made = deployment.root / "media" / file
    assert made.read_bytes().startswith(b"%PDF")
    assert [path.name for path in made.parent.iterdir()] == [made.name]  # made once
    assert "queued again: its worker stopped" in log


def test_a_report_out_of_attempts_fails_visibly_and_is_not_retried(deployment):
    deployment.env["KAMTIBMAS_REPORT_MAX_ATTEMPTS"] = "1"
    kill_mid_report(deployment)

    worker = deployment.start_worker()
    wait_for(lambda: report_row(deployment)[0] == "failed", timeout=60)
    wait_for(worker.started)
    ready = "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
    assert deployment.query(ready) == [(0,)]
    log = stop(worker)

    status, attempts, file, failure = report_row(deployment)
    assert (status, attempts, file) == ("failed", 1, "")
    assert failure  # the readable message, in the requester's language
    assert "failed: its worker stopped 1 times" in log
