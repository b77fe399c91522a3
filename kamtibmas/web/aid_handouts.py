"""The hand-outs of a program, for the officers who answer for them (issue 8 points 4
and 5): who received what, where, when, from which officer, and the recipient's
signature or photo.

Personal data: the head of the household and the recipient's name are shown, so every
page audits a READ of the households and hand-outs it lists; a signature or photo is
served only through ``confirmation_image`` (one READ each), never as a file with an
address of its own. Same protections as the other aid pages: ``AID_ROLES``, another
unit's program 404, ``no-store``.
"""

from __future__ import annotations

import base64

from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kamtibmas.aid.models import AidLocation, Handout, HandoutConfirmation, StockEntry
from kamtibmas.aid.offline import household_place
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record, audit_record_many
from kamtibmas.web.aid_staff import aid_page, aid_staff_required, no_store, program_of

PER_PAGE = 50


@aid_staff_required
@never_cache
@require_GET
def handout_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The program's hand-outs, newest first, ``?location=`` one of its locations."""
    program = program_of(request, pk)
    locations = list(AidLocation.objects.filter(program=program))
    handouts = (
        Handout.objects.filter(program=program)
        .select_related("household__area__parent", "location", "officer", "confirmation")
        .defer("confirmation__image")
        .order_by("-handed_at", "-pk")
    )
    chosen = request.GET.get("location", "")
    location = next((place for place in locations if str(place.pk) == chosen), None)
    if location is not None:
        handouts = handouts.filter(location=location)
    page = Paginator(handouts, PER_PAGE).get_page(request.GET.get("page"))
    shown: list[Handout] = list(page.object_list)
    received: dict[int, list[tuple[int, int]]] = {}
    for handout_id, item_id, quantity in StockEntry.objects.filter(handout__in=shown).values_list(
        "handout_id", "item_id", "quantity"
    ):
        received.setdefault(handout_id, []).append((item_id, quantity))
    items = {item.pk: item for item in program.items.all()}
    rows = [
        {
            "handout": handout,
            "place": household_place(handout.household.area),
            "confirmation": handout.confirmation if hasattr(handout, "confirmation") else None,
            "received": [
                (items[item_id], quantity) for item_id, quantity in received.get(handout.pk, [])
            ],
        }
        for handout in shown
    ]
    with transaction.atomic():
        audit_record_many(
            actor=request.user,
            action=AuditAction.READ,
            subjects=[handout.household for handout in shown],
            reason="aid: hand-outs listed",
            fields=["head_name"],
        )
        audit_record_many(
            actor=request.user,
            action=AuditAction.READ,
            subjects=shown,
            reason="aid: hand-outs listed",
            fields=["recipient_name"],
        )
    context = {
        "program": program,
        "locations": locations,
        "location": location,
        "page": page,
        "rows": rows,
    }
    return aid_page(request, "handouts.html", context)


@aid_staff_required
@never_cache
@require_GET
def confirmation_image(request: HttpRequest, pk: int, handout_pk: int) -> HttpResponse:
    """The recipient's signature or photo of one hand-out, as the JPEG kept."""
    program = program_of(request, pk)
    confirmation = HandoutConfirmation.objects.filter(
        handout__program=program, handout_id=handout_pk
    ).first()
    if confirmation is None:
        raise Http404
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            subject=confirmation,
            reason="aid: recipient's confirmation shown",
            fields=["image"],
        )
    response = HttpResponse(base64.b64decode(confirmation.image), content_type="image/jpeg")
    return no_store(response)


urlpatterns: list[URLPattern] = [
    path("staff/aid/<int:pk>/handouts/", handout_list, name="aid-handouts"),
    path(
        "staff/aid/<int:pk>/handouts/<int:handout_pk>/confirmation.jpg",
        confirmation_image,
        name="aid-confirmation",
    ),
]
