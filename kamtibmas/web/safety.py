"""The area safety picture for staff (C5, issue 9 points 1-2): the vulnerability index
of every RW and kelurahan of a unit with each component's input and contribution,
and where the next dialogues should be, each turnable into a planned dialogue.

Who: community officers and commanders (and administrators); other staff and
residents 403, visitors the login page. A unit outside the user's scope, or an area
outside the unit, is 404 (SECURITY.md 8). Thin views: the reads are
``safety.selectors``, the one write is ``engagements.services.dialogue_plan``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import POLICE_KINDS, Area, AreaLevel, Unit
from kamtibmas.core.charts import Point, line_chart_svg
from kamtibmas.core.idempotency import (
    IdempotencyError,
    Replay,
    idempotency_claim,
    idempotency_client,
    idempotency_complete,
    idempotency_release,
    key_valid,
    request_fingerprint,
)
from kamtibmas.core.replicas import replica_reads
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.core.timefmt import local_today, resolve_zone
from kamtibmas.engagements.models import Dialogue, DialogueType
from kamtibmas.engagements.services import dialogue_plan
from kamtibmas.safety.index import Component, Part
from kamtibmas.safety.selectors import (
    AreaScore,
    dialogue_recommendations,
    period_check,
    unit_region,
)
from kamtibmas.safety.trends import (
    EFFECT_WINDOW_DAYS,
    TREND_WINDOW_DAYS,
    area_trend,
    dialogue_effects,
)
from kamtibmas.web.decorators import staff_roles_required
from kamtibmas.web.forms_dialogues import DATE_WIDGET

SAFETY_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.COMMANDER, Role.ADMIN})
DEFAULT_PERIOD_DAYS = 90
#: The most RWs the ranking table shows (a Polres has well over a thousand).
ROWS_SHOWN = 200
PLAN_TYPE_CODE = "sambang"
PLAN_START = time(9, 0)
PLAN_HOURS = 2
PLAN_IN_DAYS = 7
INVALID = 400


#: ``staff_required``, then only ``SAFETY_ROLES`` (403 else).
safety_staff_required = staff_roles_required(SAFETY_ROLES)


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("From"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=gettext_lazy("Until"), widget=DATE_WIDGET)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            try:
                period_check(start, end)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        self.add_error(field, message)
        return cleaned


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _unit(request: HttpRequest, raw: str | None) -> Unit:
    """The unit asked for (404 outside the user's scope), else the user's own, else
    the highest police unit the user sees (administrators)."""
    user = _user(request)
    units = Unit.objects.filter(kind__in=POLICE_KINDS).select_related("area")
    if raw:
        try:
            pk = int(raw)
        except ValueError as exc:
            raise Http404 from exc
        return get_visible_or_404(units, user, pk=pk)
    if user.unit is not None and user.unit.kind in POLICE_KINDS:
        return user.unit
    unit = visible_to(units, user).order_by("path").first()
    if unit is None:
        raise Http404
    return unit


def _part_input(part: Part) -> str:
    """A component's raw input in words, for the table cell."""
    counts = part.counts
    if part.component == Component.RECENT:
        n = int(counts["cases"])
        return ngettext("%(count)d case", "%(count)d cases", n) % {"count": n}
    if part.component == Component.REPEAT:
        return str(int(counts["repeats"]))
    if part.component == Component.UNRESOLVED:
        return str(int(counts["open"]))
    if part.component == Component.OVERDUE:
        return str(int(counts["overdue"]))
    if part.component == Component.INSPECTION:
        return _("%(problems)d of %(checklist)d items") % {
            "problems": counts["problems"],
            "checklist": counts["checklist"],
        }
    if part.component == Component.AID:
        return _("%(vulnerable)d of %(households)d households") % {
            "vulnerable": counts["vulnerable"],
            "households": counts["households"],
        }
    if "days" not in counts:
        return _("never")
    days = int(counts["days"])
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def _row(score: AreaScore) -> dict[str, Any]:
    return {
        "score": score,
        "cells": [
            {"input": _part_input(part), "contribution": part.contribution, "part": part}
            for part in score.index.parts
        ],
    }


def _page(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = render(request, "web/staff/safety/picture.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@safety_staff_required
@never_cache
@require_GET
@replica_reads
def picture_page(request: HttpRequest) -> HttpResponse:
    """The ranking and the recommendations for a unit and a period (default: the
    last 90 days)."""
    user = _user(request)
    unit = _unit(request, request.GET.get("unit"))
    today = local_today(unit.area)
    initial = {"period_start": today - timedelta(days=DEFAULT_PERIOD_DAYS), "period_end": today}
    asked = "period_start" in request.GET or "period_end" in request.GET
    form = PeriodForm(request.GET if asked else None, initial=initial)
    units = list(visible_to(Unit.objects.filter(kind__in=POLICE_KINDS), user).order_by("path"))
    # One per shown page: a second tap on "Plan a dialogue here" plans nothing more.
    context: dict[str, Any] = {
        "form": form,
        "unit": unit,
        "units": units,
        "plan_token": uuid.uuid4(),
    }
    if asked and not form.is_valid():
        return _page(request, context, status=INVALID)
    period = form.cleaned_data if asked else initial
    planning = dialogue_recommendations(
        actor=user,
        unit=unit,
        period_start=period["period_start"],
        period_end=period["period_end"],
    )
    picture = planning.picture
    context.update(
        {
            "planning": planning,
            "picture": picture,
            "components": [part.label for part in picture.rws[0].index.parts]
            if picture.rws
            else [],
            "rw_rows": [_row(score) for score in picture.rws[:ROWS_SHOWN]],
            "rw_total": len(picture.rws),
            "kelurahan_rows": [_row(score) for score in picture.kelurahan[:ROWS_SHOWN]],
            "kelurahan_total": len(picture.kelurahan),
            "rows_shown": ROWS_SHOWN,
        }
    )
    if not context["components"] and picture.kelurahan:
        context["components"] = [part.label for part in picture.kelurahan[0].index.parts]
    return _page(request, context)


def _plan_type() -> DialogueType:
    types = DialogueType.objects.filter(is_active=True)
    chosen = types.filter(code=PLAN_TYPE_CODE).first() or types.order_by("position", "code").first()
    if chosen is None:
        raise Http404
    return chosen


def _next_week(area: Area) -> tuple[datetime, datetime]:
    zone = ZoneInfo(resolve_zone(area).value)
    day: date = local_today(area) + timedelta(days=PLAN_IN_DAYS)
    start = datetime.combine(day, PLAN_START, tzinfo=zone)
    return start, start + timedelta(hours=PLAN_HOURS)


@safety_staff_required
@require_POST
def plan_action(request: HttpRequest) -> HttpResponse:
    """ "Plan a dialogue here": a planned dialogue in the recommended area next week,
    then its edit page to settle venue and time."""
    user = _user(request)
    unit = _unit(request, request.POST.get("unit") or None)
    try:
        area = get_visible_or_404(
            Area.objects.filter(level__gte=AreaLevel.VILLAGE),
            user,
            pk=int(request.POST.get("area", "")),
        )
        unit_region(actor=user, unit=unit, within=area)
    except (ValueError, PermissionDenied) as exc:
        raise Http404 from exc
    dialogue_type = _plan_type()
    start, end = _next_week(area)
    village = Area.objects.get(pk=area.village_id or area.pk)
    place = str(area) if area == village else f"{area}, {village}"
    back = f"{reverse('web:safety')}?unit={unit.pk}"
    # Without the page's token (an old page), or with one that is not printable ASCII
    # (a NUL: PostgreSQL cannot store it), the request is its own key.
    token = request.POST.get("token", "")[:64]
    if not key_valid(token):
        token = uuid.uuid4().hex
    try:
        claim = idempotency_claim(
            client=idempotency_client(user),
            key=f"web:safety-plan:{token}:{area.pk}",
            fingerprint=request_fingerprint(request),
        )
    except IdempotencyError:
        messages.info(request, _("This dialogue is being planned; it is planned once."))
        return redirect(back)
    if isinstance(claim, Replay):
        messages.info(request, _("This dialogue was already planned."))
        return redirect(claim.location or back)
    try:
        with transaction.atomic():
            dialogue = _planned(user, dialogue_type, area, unit, place, start, end)
            idempotency_complete(
                claim,
                status=302,
                body="",
                location=reverse("web:dialogue-edit", args=[dialogue.pk]),
            )
    except ValidationError as error:
        idempotency_release(claim)
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    except BaseException:
        idempotency_release(claim)
        raise
    messages.success(
        request,
        _("A dialogue in %(place)s is planned for next week. Set the venue and the time.")
        % {"place": place},
    )
    return redirect("web:dialogue-edit", pk=dialogue.pk)


def _planned(
    user: User,
    dialogue_type: DialogueType,
    area: Area,
    unit: Unit,
    place: str,
    start: datetime,
    end: datetime,
) -> Dialogue:
    return dialogue_plan(
        actor=user,
        type=dialogue_type,
        title=f"{dialogue_type.name} {place}",
        area=area,
        unit=unit,
        venue_name=_("To be decided"),
        planned_start=start,
        planned_end=end,
    )


# ---- trends (issue 9 point 3) --------------------------------------------------------


def _staff_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, f"web/staff/safety/{template}", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _month_label(day: date) -> str:
    """``Jul 2025`` (``Agu 2025`` in Indonesian): the month a point of a trend ends."""
    language = (translation.get_language() or "id").replace("-", "_")
    return format_date(day, "MMM yyyy", locale=language)


@safety_staff_required
@never_cache
@require_GET
@replica_reads
def area_trend_page(request: HttpRequest, area_pk: int) -> HttpResponse:
    """One RW or kelurahan: its index at the end of each of the last twelve months,
    as a chart with the table behind it."""
    user = _user(request)
    unit = _unit(request, request.GET.get("unit"))
    area = get_visible_or_404(
        Area.objects.filter(level__in=[AreaLevel.VILLAGE, AreaLevel.RW]), user, pk=area_pk
    )
    try:
        points = area_trend(actor=user, unit=unit, area=area)
    except PermissionDenied as exc:
        raise Http404 from exc
    labels = [_month_label(point.month_end) for point in points]
    chart = line_chart_svg(
        [Point(label, point.index.value) for label, point in zip(labels, points, strict=True)],
        title=_("Vulnerability index of %(area)s by month") % {"area": area},
        description=_(
            "The index at the end of each month, from 0 to 100; the table below gives "
            "each month's figures."
        ),
        chart_id="trend-chart",
    )
    context = {
        "unit": unit,
        "area": area,
        "chart": chart,
        "rows": [
            {
                "label": label,
                "index": point.index,
                "cells": [_part_input(part) for part in point.index.parts],
            }
            for label, point in zip(labels, points, strict=True)
        ],
        "components": [part.label for part in points[0].index.parts] if points else [],
        "window_days": TREND_WINDOW_DAYS,
    }
    return _staff_page(request, "trend.html", context)


@safety_staff_required
@never_cache
@require_GET
@replica_reads
def effects_page(request: HttpRequest) -> HttpResponse:
    """Cases before and after each dialogue held in the period, against the areas
    without a dialogue then; the method and its limits stated on the page."""
    user = _user(request)
    unit = _unit(request, request.GET.get("unit"))
    today = local_today(unit.area)
    initial = {"period_start": today - timedelta(days=365), "period_end": today}
    asked = "period_start" in request.GET or "period_end" in request.GET
    form = PeriodForm(request.GET if asked else None, initial=initial)
    context: dict[str, Any] = {"form": form, "unit": unit, "window_days": EFFECT_WINDOW_DAYS}
    if asked and not form.is_valid():
        return _staff_page(request, "effects.html", context, status=INVALID)
    period = form.cleaned_data if asked else initial
    context["summary"] = dialogue_effects(
        actor=user,
        unit=unit,
        period_start=period["period_start"],
        period_end=period["period_end"],
    )
    return _staff_page(request, "effects.html", context)


urlpatterns: list[URLPattern] = [
    path("staff/safety/", picture_page, name="safety"),
    path("staff/safety/plan/", plan_action, name="safety-plan"),
    path("staff/safety/areas/<int:area_pk>/", area_trend_page, name="safety-area"),
    path("staff/safety/effects/", effects_page, name="safety-effects"),
]
