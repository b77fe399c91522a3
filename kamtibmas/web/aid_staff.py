"""The officer's aid pages (C4, issue 8 point 4, online): the programs of the unit, a
program's stock and reconciliation, the hand-out at a location from a phone, stock
movements and the two workbooks.

Thin views: programs are found through ``aid.selectors.aid_program_get`` (another
unit's program is 404 on every URL here), households through ``visible_to``; every
write is one call of ``aid.services``. Who: ``AID_ROLES`` (community officers,
commanders, administrators); other staff 403, residents 403, visitors the login page.

Personal data: a household is found by its KK number sent by POST (never in an
address) through the blind index, or by the head's name and RT: names are encrypted,
so the name search decrypts the households of the program's areas that the officer
may see, at most ``NAME_SEARCH_CAP`` of them, and audits the ones it shows. The
hand-out page audits a READ of the household it shows. Every page here is
``no-store``.

A double tap on "confirm" records one hand-out: each shown form carries a token, used
as an idempotency key (``core.idempotency``); the second request replays the first
answer.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kamtibmas.accounts.models import User
from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.models import AidItem, AidLocation, AidProgram, Household
from kamtibmas.aid.offline import household_place, program_households
from kamtibmas.aid.reports import distribution_xlsx, reconciliation_xlsx
from kamtibmas.aid.selectors import (
    aid_distribution_summary,
    aid_program_get,
    aid_reconciliation,
)
from kamtibmas.aid.services import (
    AID_ROLES,
    Eligibility,
    aid_eligibility,
    aid_handout_record,
    household_by_card,
    household_by_kk,
    stock_balances,
    stock_correct,
    stock_move,
    stock_receive,
)
from kamtibmas.areas.models import Area, AreaLevel, within_q
from kamtibmas.core.idempotency import (
    IdempotencyError,
    Replay,
    idempotency_claim,
    idempotency_client,
    idempotency_complete,
    idempotency_release,
    request_fingerprint,
)
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.core.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from kamtibmas.privacy.identifiers import mask_identifier
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record, audit_record_many
from kamtibmas.web.decorators import staff_roles_required
from kamtibmas.web.forms_aid import HandoutForm, KkSearchForm, NameSearchForm, StockForm

INVALID = 400
#: The most households a name search decrypts; beyond it the officer narrows by RT.
NAME_SEARCH_CAP = 2_000
#: The most matches a name search shows.
NAME_SEARCH_SHOWN = 20
SHOWN_FIELDS = ["kk_number", "head_name"]


#: ``staff_required``, then only ``AID_ROLES`` (403 else).
aid_staff_required = staff_roles_required(AID_ROLES)


def staff_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def aid_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return no_store(render(request, f"web/staff/aid/{template}", context, status=status))


def program_of(request: HttpRequest, pk: int) -> AidProgram:
    return aid_program_get(actor=request.user, pk=pk)


def location_of(program: AidProgram, pk: int) -> AidLocation:
    location = AidLocation.objects.filter(program=program, pk=pk).select_related("dialogue").first()
    if location is None:
        raise Http404
    return location


def _balance_rows(program: AidProgram) -> tuple[list[AidItem], list[AidLocation], list[Any]]:
    """(items, locations, rows): one row per location, one balance per item."""
    items = list(AidItem.objects.filter(program=program))
    locations = list(AidLocation.objects.filter(program=program))
    balances = stock_balances(program)
    rows = [
        {
            "location": location,
            "balances": [balances.get((item.pk, location.pk), 0) for item in items],
        }
        for location in locations
    ]
    return items, locations, rows


# ---- programs -----------------------------------------------------------------------


@aid_staff_required
@never_cache
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    """The programs of the officer's units, newest first."""
    programs = visible_to(AidProgram.objects.select_related("unit"), staff_user(request))
    return aid_page(request, "list.html", {"programs": list(programs)})


@aid_staff_required
@never_cache
@require_GET
def program_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Items, locations, the balance of each item at each location and the
    reconciliation, discrepancies flagged."""
    user = staff_user(request)
    program = program_of(request, pk)
    items, _locations, rows = _balance_rows(program)
    reconciliation = aid_reconciliation(actor=user, program=program)
    return aid_page(
        request,
        "program.html",
        {
            "program": program,
            "items": items,
            "rows": rows,
            "reconciliation": reconciliation,
            "discrepancies": sum(1 for row in reconciliation if not row.agrees),
            "areas": neighbourhoods(program, user),
        },
    )


# ---- the hand-out -------------------------------------------------------------------


def _program_areas(program: AidProgram) -> list[Area]:
    return list(program.areas.all())


def neighbourhoods(program: AidProgram, user: User) -> models.QuerySet[Area]:
    """The RW and RT of the program's areas, for narrowing a name search."""
    return visible_to(
        Area.objects.filter(within_q(_program_areas(program)), level__gte=AreaLevel.RW), user
    ).order_by("code")


def area_param(request: HttpRequest, program: AidProgram) -> Area | None:
    """The RW or RT of the program that ``?area=`` names, ``None`` when it names none;
    ``Http404`` for anything else (another area, not a number)."""
    raw = request.GET.get("area", "")
    if not raw:
        return None
    area = neighbourhoods(program, staff_user(request)).filter(pk=int(raw) if raw.isdigit() else 0)
    found = area.first()
    if found is None:
        raise Http404
    return found


def _name_search(
    program: AidProgram, user: User, form: NameSearchForm
) -> tuple[list[Household], bool]:
    """(matches, too_many): households whose head's name contains the words typed.
    Names are encrypted, so this decrypts a bounded set in Python."""
    households = program_households(program, user)
    area = form.cleaned_data["area"]
    if area is not None:
        households = households.filter(within_q([area], "area__"))
    candidates = list(households.order_by("pk")[: NAME_SEARCH_CAP + 1])
    if len(candidates) > NAME_SEARCH_CAP:
        return [], True
    words = form.cleaned_data["name"].casefold().split()
    matches = [
        household
        for household in candidates
        if all(word in household.head_name.casefold() for word in words)
    ]
    return matches[:NAME_SEARCH_SHOWN], False


def _handout_context(
    request: HttpRequest,
    program: AidProgram,
    location: AidLocation,
    **extra: Any,
) -> dict[str, Any]:
    user = staff_user(request)
    items, _locations, rows = _balance_rows(program)
    here = next(row for row in rows if row["location"].pk == location.pk)
    context: dict[str, Any] = {
        "program": program,
        "location": location,
        "stock": list(zip(items, here["balances"], strict=True)),
        "kk_form": KkSearchForm(),
        "name_form": NameSearchForm(areas=neighbourhoods(program, user)),
        "household": None,
        "matches": None,
    }
    context.update(extra)
    return context


def _shown_household(
    request: HttpRequest,
    program: AidProgram,
    location: AidLocation,
    household: Household,
    form: HandoutForm | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """The household, its eligibility and the confirmation form; audited."""
    user = staff_user(request)
    verdict: Eligibility = aid_eligibility(
        program=program,
        household=household,
        location=location,
        children_present=household.children,
    )
    items = {item.pk: item for item in AidItem.objects.filter(program=program)}
    if form is None:
        form = HandoutForm(
            initial={
                "household": household.pk,
                "token": uuid.uuid4(),
                "recipient_name": household.head_name,
                "children_present": household.children,
            }
        )
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            subject=household,
            reason="aid hand-out: household shown",
            fields=SHOWN_FIELDS,
        )
    context = _handout_context(
        request,
        program,
        location,
        household=household,
        masked_kk=mask_identifier(household.kk_number),
        place=household_place(household.area),
        verdict=verdict,
        receives=[(items[pk], quantity) for pk, quantity in verdict.quantities.items()],
        form=form,
    )
    return aid_page(request, "handout.html", context, status=status)


def handout_dialogue(program: AidProgram, location: AidLocation) -> Any:
    if location.dialogue_id and program.dialogues.filter(pk=location.dialogue_id).exists():
        return location.dialogue
    return None


def _record(
    request: HttpRequest, program: AidProgram, location: AidLocation, household: Household
) -> HttpResponse:
    """Record the hand-out once, however many times the form is sent."""
    user = staff_user(request)
    form = HandoutForm(request.POST, request.FILES)
    here = reverse("web:aid-handout", args=[program.pk, location.pk])
    if not form.is_valid():
        return _shown_household(request, program, location, household, form, status=INVALID)
    data = form.cleaned_data
    try:
        claim = idempotency_claim(
            client=idempotency_client(user),
            key=f"web:aid-handout:{data['token']}",
            fingerprint=request_fingerprint(request),
        )
    except IdempotencyError:
        messages.info(request, _("This hand-out is being recorded; it is recorded once."))
        return redirect(here)
    if isinstance(claim, Replay):
        messages.info(request, _("This hand-out was already recorded."))
        return redirect(claim.location or here)
    try:
        with transaction.atomic():
            aid_handout_record(
                actor=user,
                program=program,
                household=household,
                location=location,
                recipient_name=data["recipient_name"] or "",
                children_present=data["children_present"] or 0,
                dialogue=handout_dialogue(program, location),
                confirmation=data["confirmation"],
            )
            idempotency_complete(claim, status=303, body="", location=here)
    except ValidationError as error:
        idempotency_release(claim)
        form.service_error(error)
        messages.error(request, _("Nothing was recorded. See the reason below."))
        return _shown_household(request, program, location, household, form, status=INVALID)
    except BaseException:
        idempotency_release(claim)
        raise
    messages.success(
        request,
        _("Hand-out recorded for the household with KK %(kk)s.")
        % {"kk": mask_identifier(household.kk_number)},
    )
    return redirect(here)


def _card_shown(
    request: HttpRequest, program: AidProgram, location: AidLocation, code: str
) -> HttpResponse:
    """The household of a scanned card (``?card=``), or the search with the reason."""
    kk_form = KkSearchForm({"kk": code})
    if kk_form.is_valid():
        try:
            found = household_by_card(code)
        except ValidationError as error:
            kk_form.add_error("kk", error)
        else:
            if (
                found is not None
                and visible_to(Household.objects.filter(pk=found.pk), staff_user(request)).exists()
            ):
                return _shown_household(request, program, location, found)
            kk_form.add_error("kk", _("No household with this card in your area."))
    context = _handout_context(request, program, location, kk_form=kk_form)
    return aid_page(request, "handout.html", context, status=INVALID)


@aid_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def handout_page(request: HttpRequest, pk: int, location_pk: int) -> HttpResponse:
    """Find the household (KK or name and RT), see whether it may receive and what,
    confirm. ``step`` says which of the forms was sent."""
    user = staff_user(request)
    program = program_of(request, pk)
    location = location_of(program, location_pk)
    if request.method != "POST":
        if "card" in request.GET:
            return _card_shown(request, program, location, request.GET["card"])
        return aid_page(request, "handout.html", _handout_context(request, program, location))
    step = request.POST.get("step", "")
    if step == "kk":
        kk_form = KkSearchForm(request.POST)
        if kk_form.is_valid():
            typed = kk_form.cleaned_data["kk"]
            try:
                found = (
                    household_by_card(typed)
                    if any(char.isalpha() for char in typed)
                    else household_by_kk(typed)
                )
            except ValidationError as error:
                kk_form.add_error("kk", error)
            else:
                if (
                    found is not None
                    and visible_to(Household.objects.filter(pk=found.pk), user).exists()
                ):
                    return _shown_household(request, program, location, found)
                kk_form.add_error("kk", _("No household with this KK number in your area."))
        context = _handout_context(request, program, location, kk_form=kk_form)
        return aid_page(request, "handout.html", context, status=INVALID)
    if step == "name":
        name_form = NameSearchForm(request.POST, areas=neighbourhoods(program, user))
        if not name_form.is_valid():
            context = _handout_context(request, program, location, name_form=name_form)
            return aid_page(request, "handout.html", context, status=INVALID)
        matches, too_many = _name_search(program, user, name_form)
        if too_many:
            name_form.add_error(
                "area", _("Too many households to search by name: choose the RT/RW.")
            )
        with transaction.atomic():
            audit_record_many(
                actor=user,
                action=AuditAction.READ,
                subjects=matches,
                reason="aid hand-out: name search",
                fields=["head_name"],
            )
        context = _handout_context(
            request,
            program,
            location,
            name_form=name_form,
            matches=[(household, household_place(household.area)) for household in matches],
        )
        return aid_page(request, "handout.html", context, status=INVALID if too_many else 200)
    if step in ("choose", "record"):
        raw = request.POST.get("household", "")
        if not raw.isdigit():
            raise Http404
        household = get_visible_or_404(
            Household.objects.select_related("area__parent"), user, pk=int(raw)
        )
        if step == "choose":
            return _shown_household(request, program, location, household)
        return _record(request, program, location, household)
    raise Http404


# ---- stock --------------------------------------------------------------------------


def _stock_form(program: AidProgram, data: Any = None) -> StockForm:
    return StockForm(
        data,
        items=AidItem.objects.filter(program=program),
        locations=AidLocation.objects.filter(program=program),
    )


def _stock_write(user: User, data: dict[str, Any]) -> None:
    movement = data["movement"]
    common = {"actor": user, "item": data["item"], "quantity": data["quantity"]}
    if movement == "received":
        stock_receive(location=data["location"], reason=data["reason"], **common)
    elif movement == "moved":
        stock_move(source=data["location"], target=data["target"], reason=data["reason"], **common)
    else:
        stock_correct(
            location=data["location"], kind=Kind(movement), reason=data["reason"], **common
        )


@aid_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def stock_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Stock received, moved, damaged or counted again; the ledger refuses what
    would take a balance below zero."""
    user = staff_user(request)
    program = program_of(request, pk)
    form = _stock_form(program, request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                _stock_write(user, form.cleaned_data)
            except ValidationError as error:
                form.service_error(error)
            else:
                messages.success(request, _("Recorded in the stock ledger."))
                return redirect("web:aid-stock", program.pk)
        messages.error(request, _("Nothing was recorded. See the message next to the form."))
        status = INVALID
    items, _locations, rows = _balance_rows(program)
    return aid_page(
        request,
        "stock.html",
        {"program": program, "form": form, "items": items, "rows": rows},
        status=status,
    )


# ---- workbooks ----------------------------------------------------------------------


def _workbook(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return no_store(response)


@aid_staff_required
@never_cache
@require_GET
def distribution_xlsx_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Counts by RW/RT and by day and location; no names or KK numbers."""
    program = program_of(request, pk)
    summary = aid_distribution_summary(actor=request.user, program=program)
    return _workbook(distribution_xlsx(summary), f"aid-distribution-{program.pk}.xlsx")


@aid_staff_required
@never_cache
@require_GET
def reconciliation_xlsx_file(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_of(request, pk)
    rows = aid_reconciliation(actor=request.user, program=program)
    return _workbook(reconciliation_xlsx(rows), f"aid-reconciliation-{program.pk}.xlsx")


ONE = "staff/aid/<int:pk>/"

urlpatterns: list[URLPattern] = [
    path("staff/aid/", program_list, name="aid-list"),
    path(ONE, program_page, name="aid-program"),
    path(f"{ONE}locations/<int:location_pk>/handout/", handout_page, name="aid-handout"),
    path(f"{ONE}stock/", stock_page, name="aid-stock"),
    path(f"{ONE}distribution.xlsx", distribution_xlsx_file, name="aid-distribution-xlsx"),
    path(f"{ONE}reconciliation.xlsx", reconciliation_xlsx_file, name="aid-reconciliation-xlsx"),
]
