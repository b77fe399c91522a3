"""The unit dashboard for leadership (issue 10 points 1-2): the period's figures next to
the previous period's, drilled down by area (``?area=``: kecamatan → kelurahan → RW),
bar charts with their tables, and each table as CSV and XLSX.

Who: as the area safety picture (``web.safety``): community officers, commanders and
administrators; other staff and residents 403, visitors the login page. A unit
outside the user's scope, and an area that is not a kecamatan, kelurahan or RW
inside the unit's coverage, 404. The exports take the page's parameters and hold
aggregate counts, shares and means only, no personal data, so they are not written
to the audit log (``dashboards.exports``). Browsers and proxies keep nothing
(``no-store``); the server keeps the figures a minute (``_dashboard``). Thin
views: the reads are ``dashboards.selectors``, the tables ``dashboards.tables``, the
files ``dashboards.exports``.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import POLICE_KINDS, Area, Unit
from kamtibmas.core.charts import Point, bar_chart_svg
from kamtibmas.core.replicas import replica_reads
from kamtibmas.core.scope import get_visible_or_404, scope_for, visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.core.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from kamtibmas.dashboards.exports import table_csv, table_xlsx
from kamtibmas.dashboards.selectors import DRILL_LEVELS, Dashboard, unit_dashboard
from kamtibmas.dashboards.tables import TABLE_NAMES, Table, dashboard_tables
from kamtibmas.web.safety import PeriodForm, _unit, safety_staff_required

DEFAULT_PERIOD_DAYS = 30
INVALID = 400
#: The tables drawn as a bar chart of their first column (this period).
CHARTED = ("areas", "category", "status", "topics", "certificates", "aid", "followups")


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


def _area(request: HttpRequest) -> Area | None:
    """The area ``?area=`` names among those the user may see (404 else); ``None``
    without it. Whether it lies inside the unit is the selector's check."""
    raw = request.GET.get("area", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_visible_or_404(
        Area.objects.filter(level__in=DRILL_LEVELS), _user(request), pk=int(raw)
    )


def _figures_key(user: User, unit: Unit, period: dict[str, date], area: Area | None) -> str:
    """What a dashboard's figures depend on: the unit, the area, the period and what the
    user may see (their scope: two officers of the same unit share the figures, an
    officer who sees less never gets a commander's)."""
    scope = scope_for(user)
    seen = (
        scope.everything,
        sorted(scope.unit_ids),
        sorted(scope_area.pk for scope_area in scope.areas),
    )
    digest = hashlib.sha256(repr(seen).encode()).hexdigest()[:32]
    return ":".join(
        [
            "dashboard",
            digest,
            str(unit.pk),
            str(area.pk if area else 0),
            period["period_start"].isoformat(),
            period["period_end"].isoformat(),
        ]
    )


def _dashboard(
    request: HttpRequest, unit: Unit, period: dict[str, date], area: Area | None
) -> tuple[Dashboard, datetime]:
    """The figures and when they were computed: kept ``KAMTIBMAS_DASHBOARD_CACHE_SECONDS``
    (the default cache: Redis when configured, shared by every process), so that a
    commander refreshing the page, or officers of one unit opening the same
    dashboard, do not each compute it again. The page says how old they are."""
    user = _user(request)
    seconds = int(settings.KAMTIBMAS_DASHBOARD_CACHE_SECONDS)
    key = _figures_key(user, unit, period, area) if seconds > 0 else ""
    if key and (kept := caches["default"].get(key)) is not None:
        return kept
    try:
        dashboard = unit_dashboard(
            actor=user,
            unit=unit,
            period_start=period["period_start"],
            period_end=period["period_end"],
            area=area,
        )
    except PermissionDenied as exc:  # an area outside the unit: as if it did not exist
        raise Http404 from exc
    computed = (dashboard, timezone.now())
    if key:
        caches["default"].set(key, computed, seconds)
    return computed


def _chart(table: Table) -> Any:
    return bar_chart_svg(
        [Point(row.label, float(row.cells[0] or 0)) for row in table.rows],
        title=table.caption,
        description=_(
            "The number for this period in each row; the table below gives both periods."
        ),
        chart_id=f"{table.name}-chart",
    )


def _empty_messages() -> dict[str, str]:
    return {
        "areas": _("No lower areas: this is the lowest level."),
        "topics": _("No outreach topics to show."),
        "aid": _("No aid handed out and no stock in either period."),
        "surveys": _("No questions to show."),
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@safety_staff_required
@never_cache
@require_GET
@replica_reads
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard of a unit (``?unit=``), optionally of one of its areas
    (``?area=``), for a period (default: the last 30 days)."""
    user = _user(request)
    unit = _unit(request, request.GET.get("unit"))
    area = _area(request)
    form, period = _period(request, unit)
    units = list(visible_to(Unit.objects.filter(kind__in=POLICE_KINDS), user).order_by("path"))
    context: dict[str, Any] = {"form": form, "unit": unit, "units": units, "area": area}
    status = 200
    if period is None:
        status = INVALID
    else:
        dashboard, computed_at = _dashboard(request, unit, period, area)
        tables = dashboard_tables(dashboard)
        unit_query = urlencode(
            {
                "unit": unit.pk,
                "period_start": period["period_start"].isoformat(),
                "period_end": period["period_end"].isoformat(),
            }
        )
        empty = _empty_messages()
        context.update(
            {
                "dashboard": dashboard,
                "computed_at": computed_at,
                "tables": [tables[name] for name in TABLE_NAMES],
                "sections": [
                    {
                        "table": tables[name],
                        "chart": _chart(tables[name])
                        if name in CHARTED and tables[name].rows
                        else None,
                        "empty": empty.get(name, ""),
                    }
                    for name in TABLE_NAMES
                ],
                "unit_query": unit_query,
                "query": unit_query + (f"&area={area.pk}" if area else ""),
                "area_links": {str(child.pk) for child in dashboard.children},
            }
        )
    response = render(request, "web/staff/dashboard/dashboard.html", context, status=status)
    return _no_store(response)


def _export(request: HttpRequest, table: str, extension: str) -> HttpResponse:
    """One table of the dashboard as a file; the same query as the page."""
    if table not in TABLE_NAMES:
        raise Http404
    unit = _unit(request, request.GET.get("unit"))
    area = _area(request)
    _form, period = _period(request, unit)
    if period is None:
        return _no_store(
            HttpResponse(_("The period is not valid."), status=INVALID, content_type="text/plain")
        )
    chosen = dashboard_tables(_dashboard(request, unit, period, area)[0])[table]
    where = f"-area-{area.pk}" if area else ""
    filename = (
        f"dashboard-{table}-{unit.pk}{where}-{period['period_start'].isoformat()}"
        f"-{period['period_end'].isoformat()}.{extension}"
    )
    if extension == "csv":
        response = HttpResponse(table_csv(chosen), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(table_xlsx(chosen), content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


@safety_staff_required
@never_cache
@require_GET
@replica_reads
def dashboard_csv(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard as CSV (UTF-8 with a byte order mark)."""
    return _export(request, table, "csv")


@safety_staff_required
@never_cache
@require_GET
@replica_reads
def dashboard_xlsx(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard as an XLSX workbook of one sheet."""
    return _export(request, table, "xlsx")


urlpatterns: list[URLPattern] = [
    path("staff/dashboard/", dashboard_page, name="dashboard"),
    path("staff/dashboard/<slug:table>.csv", dashboard_csv, name="dashboard-csv"),
    path("staff/dashboard/<slug:table>.xlsx", dashboard_xlsx, name="dashboard-xlsx"),
]
