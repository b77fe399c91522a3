"""Background tasks of the aid app (run by ``kamtibmas worker``)."""

from __future__ import annotations

from django_tasks import task

from kamtibmas.aid import household_imports


@task()
def household_import_preview(import_id: str) -> None:
    """Check an uploaded household file and record the preview. Safe to run twice:
    the second run finds the preview done and does nothing."""
    household_imports.household_import_preview_run(import_id)


@task()
def household_import_run(import_id: str) -> None:
    """Import a previewed household file. Safe to run twice: the second run finds the
    import done and does nothing (and importing the same file again changes nothing)."""
    household_imports.household_import_run(import_id)
