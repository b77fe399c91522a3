"""The public summary of aid distribution (C4, issue 8 point 5): ``/aid/`` lists the
programs of every unit whose period has started, ``/aid/<id>/`` shows one program's
``aid_public_summary``. No account needed.

What a visitor sees is counts only, as ``aid_public_summary`` gives them: households
served and items handed out, in total and per kelurahan and RW, any count of one or
two families shown as "<3". Nothing names, locates or describes a household: no
names, KK numbers, addresses, RTs or days. A program whose first day has not come
yet (in its unit's zone) is not found.

The pages are kept a few seconds for anonymous visitors (``page_cached``) under the
newest program and hand-out: a new hand-out shows on the next request.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from kamtibmas.aid.models import AidProgram, Handout
from kamtibmas.aid.selectors import SUPPRESSED, aid_public_summary
from kamtibmas.areas.models import TimeZone
from kamtibmas.core.timefmt import local_today
from kamtibmas.web.pagecache import page_cached

PROGRAMS_PER_PAGE = 25


def aid_public_version(**_kwargs: object) -> str:
    """Changes with a new program or hand-out, and with the day (a program's period
    starts); edits of a program show when the kept page expires."""
    programs = AidProgram.objects.aggregate(newest=Max("id"))["newest"]
    handouts = Handout.objects.aggregate(newest=Max("id"))["newest"]
    return f"{programs or 0}.{handouts or 0}.{local_today(TimeZone.WIT)}"


def _started(program: AidProgram) -> bool:
    return program.starts_on <= local_today(program.unit.area)


def _public_programs() -> list[AidProgram]:
    """Programs of every unit whose first day has come where the unit is, newest first.
    WIT's today is the latest date anywhere in Indonesia: a first filter in SQL."""
    candidates = AidProgram.objects.filter(starts_on__lte=local_today(TimeZone.WIT))
    return [
        program
        for program in candidates.select_related("unit__area").order_by("-starts_on", "name")
        if _started(program)
    ]


@require_safe
@page_cached(version=aid_public_version, params=("page",))
def aid_public_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_public_programs(), PROGRAMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/aid/list.html", {"page": page})


@require_safe
@page_cached(version=aid_public_version)
def aid_public_program(request: HttpRequest, pk: int) -> HttpResponse:
    program = AidProgram.objects.select_related("unit__area").filter(pk=pk).first()
    if program is None or not _started(program):
        raise Http404
    return render(
        request,
        "web/aid/program.html",
        {
            "program": program,
            "summary": aid_public_summary(program),
            "suppressed": SUPPRESSED,
        },
    )


urlpatterns: list[URLPattern] = [
    path("aid/", aid_public_list, name="aid-public-list"),
    path("aid/<int:pk>/", aid_public_program, name="aid-public-program"),
]
