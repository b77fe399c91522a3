"""Household imports from the web (issue 8 point 2): the uploaded file, its preview
and its import, run by the worker (``aid.tasks``) with ``aid.importing``.

The states: uploaded → previewing → previewed → importing → done, or failed with a
readable message at any step. Each step is claimed by a conditional update of the
status, so a task run twice does its work once (and an import run twice changes
nothing the second time anyway: ``households_import`` is idempotent).

Progress: ``households_import`` runs in one transaction, which on SQLite holds the
database's write lock until the end, so the rows read so far cannot be written to
the database where a page could see them. They go to the ``progress`` cache (a
file cache in the data directory, shared by the web server and the worker); the
database has the final count.

The file lists KK numbers. It is stored encrypted (``HouseholdImport.content``),
never under the user's file name, and emptied when the import is done or failed and
by ``household_imports_wipe_stale`` 24 hours after the upload at the latest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import time
from datetime import timedelta
from typing import Any

from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import Role, User
from kamtibmas.aid.importing import (
    ImportFileError,
    ImportReport,
    household_rows_read,
    households_import,
)
from kamtibmas.aid.models import HouseholdImport, ImportStatus
from kamtibmas.aid.services import AID_ROLES
from kamtibmas.areas.models import Area
from kamtibmas.core.scope import visible_to
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record

logger = logging.getLogger(__name__)

EXTENSIONS = (".csv", ".xlsx")
#: The largest file accepted: some 100,000 households as CSV.
MAX_BYTES = 10 * 1024 * 1024
#: How long an uploaded file is kept at most.
KEEP_FILE = timedelta(hours=24)
#: Row errors kept in a report; the rest are counted.
ERRORS_KEPT = 200
#: At most one progress write per this many seconds.
PROGRESS_EVERY = 0.5
#: Who sees every import of the units they see, not only their own.
OVERSEERS = frozenset({Role.COMMANDER, Role.ADMIN})
RUNNING = (ImportStatus.UPLOADED, ImportStatus.PREVIEWING, ImportStatus.IMPORTING)


# ---- reads ------------------------------------------------------------------------


def household_imports_visible(actor: Any) -> models.QuerySet[HouseholdImport]:
    """The imports ``actor`` may see: their own, and for commanders and
    administrators those of the units they see. Without the file's content."""
    queryset = visible_to(HouseholdImport.objects.defer("content"), actor)
    if getattr(actor, "role", None) not in OVERSEERS and not getattr(actor, "is_superuser", False):
        queryset = queryset.filter(uploaded_by=actor)
    return queryset.select_related("kelurahan")


def household_import_get(*, actor: Any, pk: Any) -> HouseholdImport:
    """One import ``actor`` may see; ``Http404`` else (whether it exists or not)."""
    found = household_imports_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _progress_key(pk: Any) -> str:
    return f"aid-import-progress:{pk}"


def household_import_progress(record: HouseholdImport) -> int:
    """Rows read so far by the running step (0 before it starts)."""
    if record.status in (ImportStatus.PREVIEWING, ImportStatus.IMPORTING):
        return int(caches["progress"].get(_progress_key(record.pk)) or 0)
    return record.rows_done


# ---- writes -----------------------------------------------------------------------


def household_import_create(
    *,
    actor: User,
    data: bytes,
    extension: str,
    kelurahan: Area | None,
    skip_invalid: bool,
    language: str,
) -> HouseholdImport:
    """Keep an uploaded file (encrypted) and queue its preview.

    ``kelurahan`` must be one the actor keeps households of (the form offers only
    those); ``households_import`` checks it again when it runs.
    """
    if not actor.is_authenticated or actor.role not in AID_ROLES:
        raise PermissionDenied(_("Only community officers and commanders register households."))
    extension = extension.lower()
    if extension not in EXTENSIONS:
        raise ImportFileError(_("Only CSV and XLSX files can be imported."))
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB: split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    from kamtibmas.aid.tasks import household_import_preview  # tasks import this module

    with transaction.atomic():
        record = HouseholdImport.objects.create(
            uploaded_by=actor,
            unit=actor.unit,
            kelurahan=kelurahan,
            extension=extension,
            content=base64.b64encode(data).decode("ascii"),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            language=language,
            skip_invalid=skip_invalid,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            subject=record,
            reason="households import: file uploaded",
            fields=HouseholdImport.personal_fields,
        )
        # The database task backend writes the task in this transaction: it commits
        # or rolls back with the upload.
        household_import_preview.enqueue(str(record.pk))
    return record


def household_import_start(*, actor: User, record: HouseholdImport) -> None:
    """Queue the import of a checked file. ``ValueError`` (a readable message) when
    it cannot be imported: not checked yet, already imported, rows refused without
    ``skip_invalid``, or its file no longer kept."""
    from kamtibmas.aid.tasks import household_import_run  # tasks import this module

    preview = record.preview or {}
    if record.status != ImportStatus.PREVIEWED:
        raise ValueError(_("This file cannot be imported now."))
    if preview.get("refused") and not record.skip_invalid:
        raise ValueError(
            _("Rows were refused: correct them and upload the file again, or upload it "
              "with “skip invalid rows”.")
        )  # fmt: skip
    with transaction.atomic():
        claimed = (
            HouseholdImport.objects.filter(
                pk=record.pk, status=ImportStatus.PREVIEWED, content__isnull=False
            )
            .exclude(created_at__lt=timezone.now() - KEEP_FILE)
            .update(status=ImportStatus.IMPORTING, rows_done=0, updated_at=timezone.now())
        )
        if not claimed:
            raise ValueError(_("The file is no longer kept: upload it again."))
        household_import_run.enqueue(str(record.pk))
    caches["progress"].delete(_progress_key(record.pk))
    record.refresh_from_db(fields=["status", "rows_done", "updated_at"])


def household_import_preview_run(pk: str) -> None:
    """The preview: check every row as the import would, write nothing."""
    _step(
        pk, claim=(ImportStatus.UPLOADED, ImportStatus.PREVIEWING), running=ImportStatus.PREVIEWING
    )


def household_import_run(pk: str) -> None:
    """The import of a previewed file: write it, record the report, empty the file."""
    _step(pk, claim=(ImportStatus.IMPORTING,), running=ImportStatus.IMPORTING)


def household_imports_wipe_stale() -> int:
    """Empty the files uploaded more than 24 hours ago (a periodic job); an import
    still waiting for them then fails with its reason. Returns how many."""
    return HouseholdImport.objects.filter(
        created_at__lt=timezone.now() - KEEP_FILE, content__isnull=False
    ).update(content=None, updated_at=timezone.now())


# ---- the worker's steps -----------------------------------------------------------


class _Progress:
    """``households_import``'s ``progress(n)``: rows counted, written to the cache at
    most every ``PROGRESS_EVERY`` seconds."""

    def __init__(self, pk: Any) -> None:
        self.key = _progress_key(pk)
        self.done = 0
        self.written_at = 0.0
        caches["progress"].set(self.key, 0, timeout=int(KEEP_FILE.total_seconds()))

    def __call__(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_EVERY:
            self.written_at = now
            caches["progress"].set(self.key, self.done, timeout=int(KEEP_FILE.total_seconds()))


def report_as_json(report: ImportReport) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "refused": report.refused,
        "errors": [
            {"row": error.row, "field": error.field, "message": error.message}
            for error in report.errors[:ERRORS_KEPT]
        ],
        "errors_total": len(report.errors),
        "ignored_columns": report.ignored_columns,
        "not_utf8_lines": report.not_utf8_lines,
        "written": report.written,
    }


def _finish(pk: Any, **values: Any) -> None:
    HouseholdImport.objects.filter(pk=pk).update(updated_at=timezone.now(), **values)
    caches["progress"].delete(_progress_key(pk))


def _step(pk: str, *, claim: tuple[ImportStatus, ...], running: ImportStatus) -> None:
    with transaction.atomic():
        claimed = HouseholdImport.objects.filter(pk=pk, status__in=claim).update(
            status=running, updated_at=timezone.now()
        )
    if not claimed:
        return  # done already, or never queued
    record = HouseholdImport.objects.select_related("uploaded_by", "kelurahan").get(pk=pk)
    dry_run = running == ImportStatus.PREVIEWING
    with translation.override(record.language):
        if not record.content:
            _finish(
                pk,
                status=ImportStatus.FAILED,
                failure=_("The file is no longer kept: upload it again."),
            )
            return
        data = base64.b64decode(record.content)
        try:
            with household_rows_read(io.BytesIO(data), record.extension) as source:
                HouseholdImport.objects.filter(pk=pk).update(rows_total=source.total)
                report = households_import(
                    actor=record.uploaded_by,
                    rows_source=source,
                    kelurahan=record.kelurahan,
                    dry_run=dry_run,
                    skip_invalid=record.skip_invalid,
                    progress=_Progress(pk),
                )
        except (ImportFileError, PermissionDenied) as exc:
            _finish(pk, status=ImportStatus.FAILED, failure=str(exc), content=None)
            return
        except Exception:
            logger.exception("Household import %s stopped on an error", pk)
            _finish(
                pk,
                status=ImportStatus.FAILED,
                failure=_("The import stopped on an unexpected error; nothing was written."),
                content=None,
            )
            raise
    result = report_as_json(report)
    if dry_run:
        _finish(pk, status=ImportStatus.PREVIEWED, preview=result, rows_done=report.rows)
    else:
        _finish(pk, status=ImportStatus.DONE, report=result, rows_done=report.rows, content=None)
