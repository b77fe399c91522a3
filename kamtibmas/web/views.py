"""Thin views for the public portal and the staff area."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from kamtibmas import __version__
from kamtibmas.accounts.models import User
from kamtibmas.aspirations.selectors import InboxFilters, aspiration_list, overdue_q
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.selectors import dialogue_upcoming, follow_ups_of, follow_ups_overdue
from kamtibmas.web.decorators import is_staff_member, staff_required
from kamtibmas.web.pagecache import page_cached


@require_GET
@page_cached()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


# When the database last answered /healthz in this process (monotonic seconds).
_database_answered = -math.inf


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """§6: 200 ``{"status": "ok", ...}`` when the database answers, 503 otherwise.

    A database that answered within KAMTIBMAS_PAGE_VERSION_SECONDS is not asked
    again: probes come every few seconds from each balancer, and on PostgreSQL the
    question cost the probe half its speed (§9 P2). A failure is never remembered."""
    global _database_answered
    now = time.monotonic()
    if now - _database_answered >= settings.KAMTIBMAS_PAGE_VERSION_SECONDS:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            _database_answered = -math.inf
            return JsonResponse(
                {"status": "error", "database": "unavailable", "version": __version__},
                status=503,
            )
        _database_answered = now
    return JsonResponse({"status": "ok", "database": connection.vendor, "version": __version__})


@login_required
@require_GET
def after_login(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands without a ``next``: staff to their area, residents home."""
    return redirect("web:staff-home" if is_staff_member(request.user) else "web:home")


@staff_required
@never_cache
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """The officer's day: next dialogues, own follow-ups, what is overdue in scope, and
    how many aspirations are open and overdue."""
    user = request.user
    assert isinstance(user, User)  # staff_required
    cases = aspiration_list(user=user, filters=InboxFilters(status="open")).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=overdue_q(timezone.now()))
    )
    return render(
        request,
        "web/staff_home.html",
        {
            "upcoming": dialogue_upcoming(user=user),
            "my_follow_ups": list(follow_ups_of(user=user)[:20]),
            "overdue": list(follow_ups_overdue(user=user)[:20]),
            "today": local_today(user.unit.area if user.unit is not None else None),
            "open_cases": cases["open"],
            "overdue_cases": cases["overdue"],
        },
    )
