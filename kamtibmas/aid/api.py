"""REST endpoints of aid distribution (C4) under ``/api/v1/aid``.

Each endpoint parses its input, fetches the program or household within the
caller's scope (404 outside it), calls one service of ``aid.services`` and
serialises the result with ``aid.schemas``. Creates honour ``Idempotency-Key``; a
hand-out requires it, because phones that hand out offline sync with it: a retry
after a lost answer gets the first answer again, and never a second package.

Who may call: community officers, commanders and administrators (``AID_ROLES``);
other staff roles get 403. Programs are scoped by their unit, households by their
area. Ids that a body or query names (an item, a household) answer 422 with the
field's path when they are unknown or outside the caller's scope.

Every answer that shows a household's personal data (head, address, notes, an
unmasked KK) or a recipient's name writes READ audit rows.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import Field, field_validator

from kamtibmas.accounts.models import User
from kamtibmas.aid import services
from kamtibmas.aid.cards import card_url
from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.models import AidItem, AidLocation, AidProgram, Handout, Household, StockEntry
from kamtibmas.aid.schemas import (
    AidCardIn,
    AidCardOut,
    AidEligibilityOut,
    AidHandoutCreateIn,
    AidHandoutOut,
    AidHandoutPageOut,
    AidHouseholdCreateIn,
    AidHouseholdOut,
    AidHouseholdPageOut,
    AidLedgerPageOut,
    AidProgramCreateIn,
    AidProgramOut,
    AidProgramPageOut,
    AidStockIn,
    AidStockWriteOut,
)
from kamtibmas.api.areas import area_by_reference, area_with_neighbourhood
from kamtibmas.api.errors import ApiError
from kamtibmas.api.idempotency import HEADER, IDEMPOTENT, idempotent
from kamtibmas.api.operations import operation
from kamtibmas.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kamtibmas.api.schemas import MAX_ID, StrictInput, StrictQuery
from kamtibmas.areas.models import Unit
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.engagements.models import Dialogue
from kamtibmas.privacy.identifiers import normalise_kk
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record, audit_record_many

router = Router(tags=["Aid distribution"])

PROGRAM = "/programs/{int:program_id}"
HOUSEHOLD = "/households/{int:household_id}"

#: The hand-out's ``Idempotency-Key`` is required: the same header, documented so.
IDEMPOTENCY_REQUIRED: dict[str, Any] = {
    "parameters": [
        {
            **IDEMPOTENT["parameters"][0],
            "required": True,
            "description": IDEMPOTENT["parameters"][0]["description"]
            + " Required here: a phone that handed out offline syncs with it, so a retry "
            "after a lost answer never records a second package.",
        }
    ]
}


def _actor(request: HttpRequest) -> User:
    actor: User = request.auth  # type: ignore[attr-defined]
    if actor.role not in services.AID_ROLES:
        raise PermissionDenied(_("Aid distribution is for community officers and commanders."))
    return actor


def _refused(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# Programs -----------------------------------------------------------------------------


def _programs(actor: User) -> QuerySet[AidProgram]:
    return visible_to(
        AidProgram.objects.select_related("unit__area").prefetch_related(
            "areas", "dialogues", "items", "locations"
        ),
        actor,
    )


def _program(request: HttpRequest, program_id: int) -> AidProgram:
    actor = _actor(request)
    return get_visible_or_404(_programs(actor), actor, pk=program_id)


def _program_unit(actor: User, pk: int | None) -> Unit:
    if pk is None:
        if actor.unit is not None:
            return actor.unit
        raise _refused("unit", _("Choose the unit that runs the program."), "unit_required")
    found = visible_to(Unit.objects.select_related("area"), actor).filter(pk=pk).first()
    if found is None:
        raise _refused("unit", _("Choose one of your units."), "unit_scope")
    return found


def _dialogues(actor: User, ids: list[int]) -> list[Dialogue]:
    found = list(visible_to(Dialogue.objects.all(), actor).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise _refused(
            "dialogues", _("Some of these dialogues are outside your units."), "dialogue_scope"
        )
    return found


@router.post(
    "/programs",
    description="A program with its items, locations and eligibility rules, run by one of "
    "your units for the residents of some areas.",
    **operation(
        "AidProgramCreate", "Create an aid program", ok=201, schema=AidProgramOut, idempotent=True
    ),
)
@idempotent
def create_program(
    request: HttpRequest, payload: AidProgramCreateIn, response: HttpResponse
) -> Status[AidProgramOut]:
    actor = _actor(request)
    with transaction.atomic():
        program = services.aid_program_create(
            actor=actor,
            unit=_program_unit(actor, payload.unit),
            name=payload.name,
            sponsor=payload.sponsor,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            areas=[
                area_by_reference(reference, field=f"areas.{index}")
                for index, reference in enumerate(payload.areas)
            ],
            items=[item.model_dump() for item in payload.items],
            locations=payload.locations,
            dialogues=_dialogues(actor, payload.dialogues),
            packages_per_household=payload.packages_per_household,
            min_days_between=payload.min_days_between,
            max_per_day_per_location=payload.max_per_day_per_location,
        )
    response.headers["Location"] = reverse(
        "api-v1:AidProgramGet", kwargs={"program_id": program.pk}
    )
    return Status(201, AidProgramOut.from_orm(_program(request, program.pk)))


class AidPageQuery(StrictQuery):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, min_length=1, max_length=200)


@router.get(
    "/programs",
    **operation(
        "AidProgramList",
        "Aid programs of your units, newest first, a page at a time",
        schema=AidProgramPageOut,
    ),
)
def list_programs(request: HttpRequest, query: Query[AidPageQuery]) -> dict[str, Any]:
    programs = _programs(_actor(request)).order_by("-created_at", "-pk")
    page = keyset_page(programs, field="created_at", cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    PROGRAM,
    description="With its items, locations, rules and the stock balance of every item at "
    "every location (from the ledger).",
    **operation("AidProgramGet", "One aid program", schema=AidProgramOut),
)
def get_program(request: HttpRequest, program_id: int) -> AidProgram:
    return _program(request, program_id)


# Stock --------------------------------------------------------------------------------


def _item(program: AidProgram, pk: int, field: str = "item") -> AidItem:
    found = AidItem.objects.filter(program=program, pk=pk).first()
    if found is None:
        raise _refused(field, _("This program has no such item."), "unknown_item")
    return found


def _location(program: AidProgram, pk: int, field: str = "location") -> AidLocation:
    found = AidLocation.objects.filter(program=program, pk=pk).first()
    if found is None:
        raise _refused(field, _("This program has no such location."), "unknown_location")
    return found


@router.post(
    PROGRAM + "/stock",
    description="One line (two for a move) appended to the program's ledger. Entries are "
    "never changed: correct a mistake with `adjusted` and its reason. Stock that would go "
    "below zero is refused (422 with the balance left).",
    **operation(
        "AidStockCreate",
        "Record stock received, moved, damaged or counted",
        ok=201,
        schema=AidStockWriteOut,
        idempotent=True,
    ),
)
@idempotent
def create_stock_entry(
    request: HttpRequest, program_id: int, payload: AidStockIn
) -> Status[AidStockWriteOut]:
    actor = _actor(request)
    program = _program(request, program_id)
    item = _item(program, payload.item)
    location = _location(program, payload.location)
    with transaction.atomic():
        entries: list[StockEntry]
        if payload.kind == "received":
            entries = [
                services.stock_receive(
                    actor=actor,
                    item=item,
                    location=location,
                    quantity=payload.quantity,
                    reason=payload.reason,
                )
            ]
        elif payload.kind == "moved":
            assert payload.target is not None  # the schema requires it for a move
            entries = services.stock_move(
                actor=actor,
                item=item,
                source=location,
                target=_location(program, payload.target, "target"),
                quantity=payload.quantity,
                reason=payload.reason,
            )
        else:
            entries = [
                services.stock_correct(
                    actor=actor,
                    item=item,
                    location=location,
                    kind=Kind(payload.kind),
                    quantity=payload.quantity,
                    reason=payload.reason,
                )
            ]
    balances = services.stock_balances(program)
    touched = sorted({(entry.item_id, entry.location_id) for entry in entries})
    created = StockEntry.objects.select_related("recorded_by", "program__unit__area").filter(
        pk__in=[entry.pk for entry in entries]
    )
    return Status(
        201,
        AidStockWriteOut.from_orm(
            {
                "entries": list(created.order_by("pk")),
                "balances": [
                    {"item_id": i, "location_id": loc, "quantity": balances.get((i, loc), 0)}
                    for i, loc in touched
                ],
            }
        ),
    )


class AidLedgerQuery(AidPageQuery):
    item: int | None = Field(None, ge=1, le=MAX_ID, description="Only this item.")
    location: int | None = Field(None, ge=1, le=MAX_ID, description="Only this location.")


@router.get(
    PROGRAM + "/ledger",
    description="Every entry of the program's stock ledger, newest first. No personal data.",
    **operation(
        "AidLedgerList", "The stock ledger of a program, a page at a time", schema=AidLedgerPageOut
    ),
)
def list_ledger(request: HttpRequest, program_id: int, query: Query[AidLedgerQuery]) -> Any:
    program = _program(request, program_id)
    entries = (
        StockEntry.objects.filter(program=program)
        .select_related("recorded_by", "program__unit__area")
        .order_by("-created_at", "-pk")
    )
    if query.item is not None:
        entries = entries.filter(item_id=query.item)
    if query.location is not None:
        entries = entries.filter(location_id=query.location)
    page = keyset_page(entries, field="created_at", cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


# Households ---------------------------------------------------------------------------


def _households(actor: User) -> QuerySet[Household]:
    return visible_to(Household.objects.select_related("area"), actor)


def _household_out(
    actor: User, households: list[Household], *, unmasked: bool, reason: str
) -> list[AidHouseholdOut]:
    """The households as ``actor`` sees them, each read audited with the fields shown."""
    for household in households:
        shown = [
            name
            for name in household.registered_fields
            if getattr(household, name) not in (None, "") and (unmasked or name != "kk_number")
        ]
        audit_record(
            actor=actor, action=AuditAction.READ, subject=household, reason=reason, fields=shown
        )
    return [
        AidHouseholdOut.from_orm(household, context={"unmasked": unmasked})
        for household in households
    ]


@router.post(
    "/households",
    description="Register a family by its KK number, in an area of your units (the "
    "kelurahan, or its RW and RT). A KK is registered once: again is 422 on `kk_number`.",
    **operation(
        "AidHouseholdCreate",
        "Register a household",
        ok=201,
        schema=AidHouseholdOut,
        idempotent=True,
    ),
)
@idempotent
def create_household(
    request: HttpRequest, payload: AidHouseholdCreateIn, response: HttpResponse
) -> Status[AidHouseholdOut]:
    actor = _actor(request)
    with transaction.atomic():
        household = services.household_register(
            actor=actor,
            kk_number=payload.kk_number,
            head_name=payload.head_name,
            area=area_with_neighbourhood(area=payload.area, rw=payload.rw, rt=payload.rt),
            members=payload.members,
            children=payload.children,
            address=payload.address,
            vulnerability=payload.vulnerability,
        )
    response.headers["Location"] = reverse(
        "api-v1:AidHouseholdGet", kwargs={"household_id": household.pk}
    )
    # The answer shows what the caller just sent; the service audited the creation.
    household = get_visible_or_404(_households(actor), actor, pk=household.pk)
    return Status(201, AidHouseholdOut.from_orm(household, context={"unmasked": True}))


class AidHouseholdSearchIn(StrictInput):
    kk: str = Field(
        min_length=1,
        max_length=32,
        description="The KK number (exact): at most one household, its KK shown in full.",
    )

    @field_validator("kk")
    @classmethod
    def _kk(cls, value: str) -> str:
        try:
            return normalise_kk(value)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from exc


@router.get(
    "/households",
    description="Households in the areas of your units, newest first (KK numbers masked; "
    "to find one family by its KK, `POST /households/search`). Personal data: one audit "
    "row per household shown.",
    **operation("AidHouseholdList", "Households, a page at a time", schema=AidHouseholdPageOut),
)
def list_households(request: HttpRequest, query: Query[AidPageQuery]) -> dict[str, Any]:
    actor = _actor(request)
    with transaction.atomic():
        page = keyset_page(
            _households(actor).order_by("-created_at", "-pk"),
            field="created_at",
            cursor=query.cursor,
            limit=query.limit,
        )
        items = _household_out(actor, page.items, unmasked=False, reason="API: household list")
        return {"items": items, "next_cursor": page.next_cursor}


@router.post(
    "/households/search",
    description="The one family with this KK number, its KK shown in full, as a page of "
    "at most one (empty outside your areas). The KK travels in the body, never in the "
    "URL. Personal data: the read is audited.",
    **operation(
        "AidHouseholdSearch", "Find a household by its KK number", schema=AidHouseholdPageOut
    ),
)
def search_households(request: HttpRequest, payload: AidHouseholdSearchIn) -> dict[str, Any]:
    actor = _actor(request)
    with transaction.atomic():
        found = services.household_by_kk(payload.kk)
        visible = found is not None and _households(actor).filter(pk=found.pk).exists()
        households = [found] if found is not None and visible else []
        items = _household_out(actor, households, unmasked=True, reason="API: KK lookup")
        return {"items": items, "next_cursor": None}


@router.get(
    HOUSEHOLD,
    description="The KK number is masked. Personal data: the read is audited.",
    **operation("AidHouseholdGet", "One household", schema=AidHouseholdOut),
)
def get_household(request: HttpRequest, household_id: int) -> AidHouseholdOut:
    actor = _actor(request)
    household = get_visible_or_404(_households(actor), actor, pk=household_id)
    with transaction.atomic():
        [shown] = _household_out(actor, [household], unmasked=False, reason="API: household")
        return shown


@router.post(
    HOUSEHOLD + "/card",
    description="The household card's code and the address its QR holds, made on first "
    "use; `replace` makes a new one for a lost card. Audited.",
    **operation("AidHouseholdCard", "A household's card", schema=AidCardOut),
)
def household_card(request: HttpRequest, household_id: int, payload: AidCardIn) -> AidCardOut:
    actor = _actor(request)
    household = get_visible_or_404(_households(actor), actor, pk=household_id)
    code = services.household_card_issue(actor=actor, household=household, replace=payload.replace)
    return AidCardOut(
        household_id=household.pk, code=services.card_code_printed(code), url=card_url(code)
    )


# Eligibility and hand-outs ------------------------------------------------------------


def _household_ref(actor: User, pk: int) -> Household:
    found = _households(actor).filter(pk=pk).first()
    if found is None:
        raise _refused(
            "household", _("There is no such household in your areas."), "unknown_household"
        )
    return found


class AidEligibilityQuery(StrictQuery):
    household: int = Field(ge=1, le=MAX_ID)
    location: int = Field(ge=1, le=MAX_ID, description="Where it would be handed out.")
    children_present: int = Field(0, ge=0, le=99)


@router.get(
    PROGRAM + "/eligibility",
    description="Every rule of the program checked now, with the reasons in words when "
    "refused, and what the household would receive (item id → quantity).",
    **operation(
        "AidEligibilityGet",
        "May this household receive now, and what",
        schema=AidEligibilityOut,
    ),
)
def get_eligibility(
    request: HttpRequest, program_id: int, query: Query[AidEligibilityQuery]
) -> dict[str, Any]:
    actor = _actor(request)
    program = _program(request, program_id)
    verdict = services.aid_eligibility(
        program=program,
        household=_household_ref(actor, query.household),
        location=_location(program, query.location),
        children_present=query.children_present,
    )
    return {
        "eligible": verdict.eligible,
        "reasons": verdict.reasons,
        "round": verdict.round,
        "quantities": {str(item): quantity for item, quantity in verdict.quantities.items()},
    }


def _handed_at_check(payload: AidHandoutCreateIn) -> None:
    if payload.handed_at is not None:
        services.handed_at_check(payload.handed_at)


def _handouts(program: AidProgram) -> QuerySet[Handout]:
    return (
        Handout.objects.filter(program=program)
        .select_related("program__unit__area", "location", "officer", "confirmation")
        .defer("confirmation__image")
        .prefetch_related("entries")
    )


@router.post(
    PROGRAM + "/handouts",
    description="Hand the program's items to a household: every rule is checked (422 "
    "`not_eligible` with the reason in words, e.g. a second package) and the items leave "
    "the location's stock (422 when there is not enough). `Idempotency-Key` is required.",
    **operation(
        "AidHandoutCreate",
        "Record a hand-out",
        ok=201,
        schema=AidHandoutOut,
        extra=IDEMPOTENCY_REQUIRED,
    ),
)
@idempotent
def create_handout(
    request: HttpRequest, program_id: int, payload: AidHandoutCreateIn
) -> Status[AidHandoutOut]:
    if request.headers.get(HEADER) is None:
        raise ApiError(
            400,
            code="idempotency_key_required",
            detail=_("Send an Idempotency-Key header (a UUID per hand-out) with every hand-out."),
        )
    actor = _actor(request)
    program = _program(request, program_id)
    _handed_at_check(payload)
    household = _household_ref(actor, payload.household)
    location = _location(program, payload.location)
    confirmation = None
    if payload.confirmation is not None:
        confirmation = services.confirmation_from_text(
            payload.confirmation.kind, payload.confirmation.data
        )
    dialogue = None
    if payload.dialogue is not None:
        dialogue = program.dialogues.filter(pk=payload.dialogue).first()
        if dialogue is None:
            raise _refused(
                "dialogue",
                _("This program is not handed out at that dialogue."),
                "unknown_dialogue",
            )
    try:
        with transaction.atomic():
            handout = services.aid_handout_record(
                actor=actor,
                program=program,
                household=household,
                location=location,
                recipient_name=payload.recipient_name,
                children_present=payload.children_present,
                dialogue=dialogue,
                at=payload.handed_at,
                confirmation=confirmation,
            )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        # The service refuses on eligibility with a list of reasons, whose code a list
        # of messages does not keep.
        raise ValidationError(
            [ValidationError(message, code="not_eligible") for message in exc.messages]
        ) from exc
    return Status(201, AidHandoutOut.from_orm(_handouts(program).get(pk=handout.pk)))


class AidHandoutQuery(AidPageQuery):
    location: int | None = Field(None, ge=1, le=MAX_ID, description="Only at this location.")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Only to this household.")


@router.get(
    PROGRAM + "/handouts",
    description="The program's hand-outs, newest first. The only personal data is the "
    "recipient's name: one audit row per hand-out shown.",
    **operation(
        "AidHandoutList", "Hand-outs of a program, a page at a time", schema=AidHandoutPageOut
    ),
)
def list_handouts(
    request: HttpRequest, program_id: int, query: Query[AidHandoutQuery]
) -> dict[str, Any]:
    actor = _actor(request)
    handouts = _handouts(_program(request, program_id)).order_by("-handed_at", "-pk")
    if query.location is not None:
        handouts = handouts.filter(location_id=query.location)
    if query.household is not None:
        handouts = handouts.filter(household_id=query.household)
    page = keyset_page(handouts, field="handed_at", cursor=query.cursor, limit=query.limit)
    with transaction.atomic():
        audit_record_many(
            actor=actor,
            action=AuditAction.READ,
            subjects=page.items,
            reason="API: aid hand-out list",
            fields=["recipient_name"],
        )
    return {"items": page.items, "next_cursor": page.next_cursor}
