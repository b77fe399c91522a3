"""The PDF reports for staff (issue 10 point 3): ask for a dialogue's closing report or
a unit's monthly report, watch the worker make it, download it.

Who: community officers, commanders and administrators (``reports.services
.REPORT_ROLES``); other staff and residents 403, visitors the login page. A dialogue,
unit or report outside the user's scope is 404 (SECURITY.md 8). The list refreshes
itself while a report is being made through the ``Refresh`` header (no script: the
CSP forbids inline ones, and none is needed). Every answer is ``no-store``; a
download of a closing report is written to the audit log (``report_file_read``).
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import POLICE_KINDS, Unit
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.reports.documents import MEDIA_TYPE
from kamtibmas.reports.models import PENDING
from kamtibmas.reports.services import (
    REPORT_ROLES,
    report_file_read,
    report_filename,
    report_get,
    report_request_dialogue,
    report_request_unit_monthly,
    reports_visible,
)
from kamtibmas.web.decorators import View, staff_required

#: Reports listed on the page, newest first.
SHOWN = 50
#: Seconds between refreshes of the list while a report is being made.
REFRESH_SECONDS = 5
INVALID = 400


def reports_staff_required(view: View) -> View:
    """``staff_required``, then only ``REPORT_ROLES`` (403 else)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if getattr(user, "role", None) not in REPORT_ROLES and not user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_required(wrapper)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


class MonthlyReportForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=gettext_lazy("Unit"))
    month = forms.DateField(
        label=gettext_lazy("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


def _units(user: User) -> Any:
    return visible_to(Unit.objects.filter(kind__in=POLICE_KINDS), user).order_by("path")


def _initial(user: User, units: Any) -> dict[str, Any]:
    unit = user.unit if user.unit is not None and user.unit.kind in POLICE_KINDS else units.first()
    today = local_today(unit.area if unit is not None else None)
    month = date(today.year, today.month, 1)
    last = date(month.year - 1, 12, 1) if month.month == 1 else month.replace(month=month.month - 1)
    return {"unit": unit, "month": last}


def _page(request: HttpRequest, form: MonthlyReportForm, *, status: int = 200) -> HttpResponse:
    reports = list(reports_visible(request.user)[:SHOWN])
    pending = any(report.status in PENDING for report in reports)
    response = render(
        request,
        "web/staff/reports/list.html",
        {"reports": reports, "form": form, "pending": pending, "refresh": REFRESH_SECONDS},
        status=status,
    )
    if pending:
        response["Refresh"] = str(REFRESH_SECONDS)
    return _no_store(response)


@reports_staff_required
@never_cache
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports the user may see, their state, and the monthly report form."""
    user = _user(request)
    units = _units(user)
    return _page(request, MonthlyReportForm(units=units, initial=_initial(user, units)))


def _language() -> str:
    return translation.get_language() or "id"


@reports_staff_required
@never_cache
@require_POST
def report_request_dialogue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the closing report of a dialogue (or find the one being made)."""
    report_request_dialogue(actor=_user(request), dialogue_pk=pk, language=_language())
    messages.success(request, _("The report is being made; it appears below when ready."))
    return redirect("web:report-list")


@reports_staff_required
@never_cache
@require_POST
def report_request_unit_view(request: HttpRequest) -> HttpResponse:
    """Queue the monthly report of a unit (or find the one being made)."""
    user = _user(request)
    form = MonthlyReportForm(request.POST, units=_units(user))
    if form.is_valid():
        try:
            report_request_unit_monthly(
                actor=user,
                unit_pk=form.cleaned_data["unit"].pk,
                month=form.cleaned_data["month"],
                language=_language(),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The report is being made; it appears below when ready."))
            return redirect("web:report-list")
    return _page(request, form, status=INVALID)


@reports_staff_required
@never_cache
@require_GET
def report_download(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The PDF of a report that is ready; 404 outside the user's scope or not ready."""
    report = report_get(actor=request.user, pk=pk)
    data = report_file_read(actor=request.user, report=report)
    response = HttpResponse(data, content_type=MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report_filename(report)}"'
    return _no_store(response)


urlpatterns: list[URLPattern] = [
    path("staff/reports/", report_list, name="report-list"),
    path(
        "staff/reports/dialogue/<int:pk>/",
        report_request_dialogue_view,
        name="report-request-dialogue",
    ),
    path("staff/reports/unit/", report_request_unit_view, name="report-request-unit"),
    path("staff/reports/<uuid:pk>.pdf", report_download, name="report-download"),
]
