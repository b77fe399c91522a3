"""`kamtibmas worker` making reports through PostgreSQL restarts (issue 12 point 3):
one worker process, on a private PostgreSQL cluster crashed (``pg_ctl restart -m
immediate``) first while the worker makes a report, then while it waits for work.
The worker is never restarted. Afterwards the first report is done once, with one
PDF (an attempt the crash killed is queued again by ``reports.recover`` and made by
the same worker); no task is left ready or running; the worker is alive and makes a
report asked for after the crash, and its SLA sweep escalates an overdue case.

The cluster is private (``core.tests.pgcluster``), never the shared PostgreSQL.
Skipped without Debian's PostgreSQL binaries unless ``KAMTIBMAS_REQUIRE_CRASH_TESTS=1``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kamtibmas.notifications.tests.test_worker import wait_for
from kamtibmas.notifications.tests.test_worker_database_crash import (
    PostgresDeployment,
    migrated_on_private_cluster,
)
from kamtibmas.reports.tests.test_report_worker_crash import ASK, stop

pytestmark = pytest.mark.slow

#: Seconds the worker pauses in each report after its claim: the crash lands there.
PAUSE = "2"

#: After the crash: the next month's report, and a case past its deadline for the
#: SLA sweep (``aspirations.sla_sweep``, every second in the worker's settings).
ASK_AGAIN = """
from datetime import date, timedelta
from django.utils import timezone
from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, AreaKind, AreaLevel
from kamtibmas.areas.services import area_create
from kamtibmas.aspirations.models import Aspiration, Privacy, Source
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.reports.services import report_request_unit_monthly
kapolres = User.objects.get(username="kapolres")
report_request_unit_monthly(
    actor=kapolres, unit_pk=kapolres.unit_id, month=date(2025, 8, 1), language="id"
)
selatan = area_create(
    code="32.75.04", name="Bekasi Selatan", level=AreaLevel.DISTRICT,
    kind=AreaKind.KECAMATAN, parent=Area.objects.get(code="32.75"),
)
kayuringin = area_create(
    code="32.75.04.1005", name="Kayuringin Jaya", level=AreaLevel.VILLAGE,
    kind=AreaKind.KELURAHAN, parent=selatan,
)
case = aspiration_submit(
    text="Lampu jalan di depan pasar mati sejak seminggu, warga minta diperbaiki.",
    area=kayuringin, privacy=Privacy.PUBLIC, source=Source.DESK, actor=kapolres,
).aspiration
Aspiration.objects.filter(pk=case.pk).update(resolve_by=timezone.now() - timedelta(hours=1))
"""

REPORTS = "SELECT status, attempts, file, failure FROM reports_report ORDER BY month"
TASKS = "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
ESCALATED = "SELECT COUNT(*) FROM aspirations_aspiration WHERE escalated_at IS NOT NULL"


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[PostgresDeployment]:
    with migrated_on_private_cluster(tmp_path, ASK) as made:
        made.env["KAMTIBMAS_REPORT_STALE_SECONDS"] = "1"
        yield made


def statuses(deployment: PostgresDeployment) -> list[str]:
    return [status for status, *_rest in deployment.query(REPORTS)]


def tasks(deployment: PostgresDeployment) -> dict[str, int]:
    return dict(deployment.query(TASKS))


def settled(deployment: PostgresDeployment) -> bool:
    """Every report done and every task's outcome recorded."""
    return set(statuses(deployment)) == {"done"} and not {"READY", "RUNNING"} & set(
        tasks(deployment)
    )


def test_a_report_worker_rides_out_database_crashes_mid_report_and_idle(deployment):
    worker = deployment.start_worker(KAMTIBMAS_FAULT_PAUSE_IN_REPORT_BUILD=PAUSE)

    def until(condition: Callable[[], bool], timeout: float = 30) -> None:
        try:
            wait_for(condition, timeout)
        except AssertionError:
            state = f"reports {deployment.query(REPORTS)}, tasks {tasks(deployment)}"
            raise AssertionError(f"timed out: {state}\n{worker.output.read_text()}") from None
        assert worker.process.poll() is None, worker.output.read_text()

    try:
        # The crash lands while the worker holds the report (claimed, in the pause).
        until(lambda: statuses(deployment) == ["running"])
        deployment.cluster.restart("immediate")
        until(lambda: settled(deployment))

        # The crash lands while the worker waits for work; then more work comes.
        deployment.cluster.restart("immediate")
        deployment.run("shell", "--no-imports", "--command", ASK_AGAIN)
        until(lambda: settled(deployment) and len(statuses(deployment)) == 2)
        until(lambda: deployment.query(ESCALATED) == [(1,)], timeout=10)
    finally:
        log = stop(worker)  # the same process throughout, stopped cleanly (0)

    reports = deployment.query(REPORTS)
    for status, _attempts, file, failure in reports:
        assert (status, failure) == ("done", "")
        assert (deployment.root / "media" / file).read_bytes().startswith(b"%PDF")
    # One PDF a report: the killed attempt stored nothing.
    media = (deployment.root / "media").rglob("*")
    stored = sorted(path.name for path in media if path.is_file())
    assert stored == sorted(Path(file).name for _status, _attempts, file, _f in reports)
    # The crash killed the first attempt (the worker lost its connection in the
    # pause): reports.recover queued the report again and the same worker made it.
    assert [attempts for _status, attempts, *_rest in reports] == [2, 1]
    assert "the database is unavailable" in log
    assert "queued again: its worker stopped" in log
    # The killed attempt's task is recorded failed once the database is back, not
    # left running; the two that made the reports succeeded.
    assert tasks(deployment) == {"FAILED": 1, "SUCCESSFUL": 2}
    assert "ran while the database was away: recorded FAILED" in log
