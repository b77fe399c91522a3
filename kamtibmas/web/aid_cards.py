"""Household cards on the staff side (``aid.cards``): printing a program's cards, and
the page a card's QR opens.

The card page is what an officer's phone camera opens when it scans a card: for a
signed-in officer of the household's unit it names the household and offers the
hand-out at each location of the programs running for its area today; anybody else
finds nothing (404; residents 403, visitors the login page). Both are audited: the
print as an export, the card page as a read of the head's name.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kamtibmas.aid.cards import cards_pdf, household_cards
from kamtibmas.aid.models import AidLocation, AidProgram, Household
from kamtibmas.aid.offline import household_place
from kamtibmas.aid.services import household_by_card
from kamtibmas.areas.models import Area, within_q
from kamtibmas.certificates.printing import PDF_MEDIA_TYPE
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record
from kamtibmas.web.aid_staff import (
    aid_page,
    aid_staff_required,
    area_param,
    no_store,
    program_of,
    staff_user,
)

INVALID = 400


@aid_staff_required
@never_cache
@require_GET
def cards_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The cards of the program's households, ``?area=`` an RW or RT of it."""
    user = staff_user(request)
    program = program_of(request, pk)
    area = area_param(request, program)
    try:
        cards = household_cards(actor=user, program=program, area=area)
    except ValueError as error:
        response = HttpResponse(str(error), status=INVALID, content_type="text/plain")
        return no_store(response)
    data = cards_pdf(cards, unit_name=program.unit.name)
    response = HttpResponse(data, content_type=PDF_MEDIA_TYPE)
    suffix = f"-area-{area.pk}" if area is not None else ""
    response["Content-Disposition"] = f'attachment; filename="household-cards-{pk}{suffix}.pdf"'
    return no_store(response)


def _programs_for(household: Household, request: HttpRequest) -> list[AidProgram]:
    """The programs the officer may see that run today (the household's calendar day)
    for the household's area."""
    today = local_today(household.area)
    programs = visible_to(
        AidProgram.objects.filter(starts_on__lte=today, ends_on__gte=today).prefetch_related(
            "areas", "locations"
        ),
        staff_user(request),
    )
    own = Area.objects.filter(pk=household.area_id)
    return [
        program for program in programs if own.filter(within_q(list(program.areas.all()))).exists()
    ]


@aid_staff_required
@never_cache
@require_GET
def card_page(request: HttpRequest, code: str) -> HttpResponse:
    """What a scanned card opens: the household and where it can receive today."""
    user = staff_user(request)
    try:
        household = household_by_card(code)
    except ValidationError as error:
        raise Http404 from error
    if (
        household is None
        or not visible_to(Household.objects.filter(pk=household.pk), user).exists()
    ):
        raise Http404
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            subject=household,
            reason="aid: household card scanned",
            fields=["head_name"],
        )
    programs = _programs_for(household, request)
    locations: list[tuple[AidProgram, AidLocation]] = [
        (program, location) for program in programs for location in program.locations.all()
    ]
    context = {
        "household": household,
        "place": household_place(household.area),
        "code": household.card_code,
        "locations": locations,
    }
    return aid_page(request, "card.html", context)


urlpatterns: list[URLPattern] = [
    path("staff/aid/<int:pk>/cards.pdf", cards_file, name="aid-cards"),
    path("staff/aid/card/<str:code>/", card_page, name="aid-card"),
]
