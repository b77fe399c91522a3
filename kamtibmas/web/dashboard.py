"""The unit dashboard for leadership (issue 10 points 1-2): the period's figures next to
the previous period's, bar charts with their tables, and each table as CSV.

Who: as the area safety picture (``web.safety``): community officers, commanders and
administrators; other staff and residents 403, visitors the login page; a unit outside
the user's scope 404. The exports hold aggregate counts, shares and means only, no
personal data, so they are not written to the audit log. Nothing is cached
(``no-store``). Thin views: the reads are ``dashboards.selectors`` and the tables
``dashboards.tables``.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import POLICE_KINDS, Unit
from kamtibmas.core.charts import Point, bar_chart_svg
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.dashboards.selectors import unit_dashboard
from kamtibmas.dashboards.tables import TABLE_NAMES, Table, dashboard_tables
from kamtibmas.web.safety import PeriodForm, _unit, safety_staff_required

DEFAULT_PERIOD_DAYS = 30
INVALID = 400
#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _period(request: HttpRequest, unit: Unit) -> tuple[PeriodForm, dict[str, date] | None]:
    """The form and the period asked for (default: the last 30 days up to today);
    ``None`` when the form is invalid."""
    today = local_today(unit.area)
    initial = {"period_start": today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), "period_end": today}
    asked = "period_start" in request.GET or "period_end" in request.GET
    form = PeriodForm(request.GET if asked else None, initial=initial)
    if not asked:
        return form, initial
    return form, form.cleaned_data if form.is_valid() else None


def _chart(table: Table, *, title: str) -> Any:
    return bar_chart_svg(
        [Point(row.label, float(row.cells[0] or 0)) for row in table.rows],
        title=title,
        description=_(
            "The number for this period in each row; the table below gives both periods."
        ),
        chart_id=f"{table.name}-chart",
    )


@safety_staff_required
@never_cache
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard of a unit (``?unit=``) for a period (default: the last 30 days)."""
    user = _user(request)
    unit = _unit(request, request.GET.get("unit"))
    form, period = _period(request, unit)
    units = list(visible_to(Unit.objects.filter(kind__in=POLICE_KINDS), user).order_by("path"))
    context: dict[str, Any] = {"form": form, "unit": unit, "units": units}
    status = 200
    if period is None:
        status = INVALID
    else:
        dashboard = unit_dashboard(
            actor=user,
            unit=unit,
            period_start=period["period_start"],
            period_end=period["period_end"],
        )
        tables = dashboard_tables(dashboard)
        context.update(
            {
                "dashboard": dashboard,
                "tables": [tables[name] for name in TABLE_NAMES],
                "query": f"unit={unit.pk}&period_start={period['period_start'].isoformat()}"
                f"&period_end={period['period_end'].isoformat()}",
                "charts": {
                    "category": _chart(
                        tables["category"], title=_("Aspirations received by category")
                    ),
                    "status": _chart(
                        tables["status"], title=_("Aspirations received, by their status now")
                    ),
                },
            }
        )
    response = render(request, "web/staff/dashboard/dashboard.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@safety_staff_required
@never_cache
@require_GET
def dashboard_csv(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard as CSV (UTF-8 with a byte order mark, for
    spreadsheets); the same query as the page."""
    if table not in TABLE_NAMES:
        raise Http404
    user = _user(request)
    unit = _unit(request, request.GET.get("unit"))
    _form, period = _period(request, unit)
    if period is None:
        response = HttpResponse(
            _("The period is not valid."), status=INVALID, content_type="text/plain"
        )
        response["Cache-Control"] = "private, no-store"
        return response
    dashboard = unit_dashboard(
        actor=user, unit=unit, period_start=period["period_start"], period_end=period["period_end"]
    )
    chosen = dashboard_tables(dashboard)[table]
    filename = (
        f"dashboard-{table}-{unit.pk}-{period['period_start'].isoformat()}"
        f"-{period['period_end'].isoformat()}.csv"
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_cell(column) for column in chosen.columns])
    for row in chosen.rows:
        writer.writerow([_cell(row.label), *(_cell(cell) for cell in row.cells)])
    return response


urlpatterns: list[URLPattern] = [
    path("staff/dashboard/", dashboard_page, name="dashboard"),
    path("staff/dashboard/<slug:table>.csv", dashboard_csv, name="dashboard-csv"),
]
