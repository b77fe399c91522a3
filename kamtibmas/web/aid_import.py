"""The household import pages (issue 8 point 2, the web side): upload a CSV or XLSX
file, watch the worker check it (a progress bar), read the preview, import, read the
report.

Thin views over ``aid.household_imports``: an import is found through
``household_import_get`` (its uploader, and the commanders and administrators who see
its unit; anyone else 404); the work is done by the worker (``aid.tasks``). Who:
``AID_ROLES``, as on the other aid pages (residents 403). Every answer is
``no-store``: the reports name rows of a file of KK numbers.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamtibmas.accounts.models import User
from kamtibmas.aid.household_imports import (
    RUNNING,
    household_import_create,
    household_import_get,
    household_import_progress,
    household_import_start,
    household_imports_visible,
)
from kamtibmas.aid.importing import ALIASES, ImportFileError
from kamtibmas.aid.models import HouseholdImport, ImportStatus
from kamtibmas.areas.models import Area, AreaLevel
from kamtibmas.core.scope import visible_to
from kamtibmas.web.aid_staff import aid_page, aid_staff_required, no_store, staff_user
from kamtibmas.web.forms_aid_import import HouseholdImportForm

INVALID = 400
#: Earlier imports listed under the form.
RECENT = 10


def _form(request: HttpRequest, user: User) -> HouseholdImportForm:
    villages = visible_to(Area.objects.filter(level=AreaLevel.VILLAGE), user).order_by("name")
    if request.method == "POST":
        return HouseholdImportForm(request.POST, request.FILES, villages=villages)
    return HouseholdImportForm(villages=villages)


@aid_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """The upload form; a valid upload is kept and its preview queued."""
    user = staff_user(request)
    form = _form(request, user)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                record = household_import_create(
                    actor=user,
                    data=form.cleaned_data["file"].read(),
                    extension=form.extension,
                    kelurahan=form.cleaned_data["kelurahan"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                    language=translation.get_language() or "id",
                )
            except ImportFileError as error:
                form.add_error("file", str(error))
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                return redirect("web:aid-import", record.pk)
        status = INVALID
    recent = household_imports_visible(user).filter(uploaded_by=user)[:RECENT]
    return aid_page(request, "import_upload.html", {"form": form, "recent": recent}, status=status)


def _errors(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The report's row errors, each with the file's column name (``no_kk``…)."""
    return [
        {**error, "column": ALIASES.get(error["field"], (error["field"],))[0]}
        for error in (report or {}).get("errors", [])
    ]


def _state(record: HouseholdImport) -> dict[str, Any]:
    return {
        "status": record.status,
        "label": ImportStatus(record.status).label,
        "running": record.status in RUNNING,
        "rows_total": record.rows_total,
        "rows_done": household_import_progress(record),
    }


@aid_staff_required
@never_cache
@require_GET
def import_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Progress while the worker reads the file; then the preview and the "import
    now" button; then the report."""
    record = household_import_get(actor=request.user, pk=pk)
    preview = record.preview or {}
    return aid_page(
        request,
        "import_status.html",
        {
            "record": record,
            "state": _state(record),
            "preview": record.preview,
            "preview_errors": _errors(record.preview),
            "report": record.report,
            "report_errors": _errors(record.report),
            "may_start": record.status == ImportStatus.PREVIEWED
            and (not preview.get("refused") or record.skip_invalid),
        },
    )


@aid_staff_required
@never_cache
@require_GET
def import_status(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The state and progress, for the page's progress bar."""
    record = household_import_get(actor=request.user, pk=pk)
    return no_store(JsonResponse(_state(record)))


@aid_staff_required
@never_cache
@require_POST
def import_start(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Queue the import of a previewed file."""
    record = household_import_get(actor=request.user, pk=pk)
    try:
        household_import_start(actor=staff_user(request), record=record)
    except ValueError as error:
        messages.error(request, str(error))
    return redirect("web:aid-import", record.pk)


IMPORT = "staff/aid/households/import/"

urlpatterns: list[URLPattern] = [
    path(IMPORT, import_upload, name="aid-import-upload"),
    path(f"{IMPORT}<uuid:pk>/", import_page, name="aid-import"),
    path(f"{IMPORT}<uuid:pk>/status.json", import_status, name="aid-import-status"),
    path(f"{IMPORT}<uuid:pk>/start/", import_start, name="aid-import-start"),
]
