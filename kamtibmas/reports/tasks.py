"""Background tasks of the reports app (run by ``kamtibmas worker``)."""

from __future__ import annotations

from django_tasks import task

from kamtibmas.reports import services


@task()
def report_build(report_id: str) -> None:
    """Make and keep the PDF of a report. Safe to run twice: the second run finds the
    report no longer queued and does nothing."""
    services.report_build_run(report_id)
