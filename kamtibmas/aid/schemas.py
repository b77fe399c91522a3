"""Request and response schemas of the aid distribution API (``aid.api``).

Schemas only parse and present: which programs and households a caller sees is
decided by the scope, what may change by ``aid.services``. Request bodies refuse
unknown fields. Every class is prefixed ``Aid``: Ninja names OpenAPI components by
class name, and the names must be unique across the whole document.

KK numbers are masked (``************0011``) in every answer except the two where
the caller has just sent the full number: the registration of the household and the
exact lookup ``POST /aid/households/search`` (context ``unmasked``). Echoing back what
the caller typed reveals nothing; everywhere else a list or a hand-out screen needs
only the last digits to tell families apart. Times are in the offset of the
program's unit (``+07:00`` WIB, …).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, ValidationInfo, field_validator

from kamtibmas.aid.models import AidProgram, Handout, Household, StockEntry
from kamtibmas.aid.services import stock_balances
from kamtibmas.api.schemas import (
    AreaOut,
    AreaReference,
    CalendarDay,
    ClientTime,
    Id,
    Neighbourhood,
    StrictInput,
    UnitOut,
    UserOut,
)
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.privacy.identifiers import mask_identifier

#: Quantities a single stock movement may carry (far above any real delivery).
QUANTITY_MAX = 1_000_000
ProgramText = Annotated[str, Field(max_length=160)]
LocationName = Annotated[str, Field(min_length=1, max_length=120)]


def in_program_zone(value: datetime | None, program: AidProgram) -> datetime | None:
    """``value`` as the wall-clock time of the program's unit (WIB when it has none)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(resolve_zone(program.unit.area).value))


def _filled(value: str) -> str:
    if not value.strip():
        raise ValueError(_("This field may not be blank."))
    return value


def _distinct(names: list[str]) -> list[str]:
    folded = [" ".join(name.split()).casefold() for name in names]
    if len(set(folded)) != len(folded):
        raise ValueError(_("Each name may appear only once."))
    return names


# Input --------------------------------------------------------------------------------


class AidItemIn(StrictInput):
    name: str = Field(min_length=1, max_length=120, description="e.g. `Paket sembako`.")
    contents: str = Field("", max_length=255, description="e.g. `beras 5 kg, minyak 1 l`.")
    measure: str = Field("paket", min_length=1, max_length=20, description="Counted in.")
    per_household: int = Field(1, ge=1, le=100, description="Handed to a household each time.")
    per_child: bool = Field(
        False, description="Children's snacks: one per child present (at most the KK's children)."
    )

    check_name = field_validator("name", "measure")(_filled)


class AidProgramCreateIn(StrictInput):
    name: ProgramText
    sponsor: ProgramText = ""
    unit: Id | None = Field(
        None, description="The unit that runs the program: one of yours, default your own."
    )
    starts_on: CalendarDay = Field(description="First day of hand-outs.")
    ends_on: CalendarDay = Field(description="Last day of hand-outs.")
    areas: list[AreaReference] = Field(
        max_length=50, description="Area ids or codes whose residents may receive."
    )
    items: list[AidItemIn] = Field(max_length=20)
    locations: list[LocationName] = Field(
        max_length=50, description="Names of the places stock is kept or handed out."
    )
    dialogues: list[Id] = Field(
        default_factory=list, max_length=20, description="Dialogue ids of your units."
    )
    packages_per_household: int = Field(1, ge=1, le=100)
    min_days_between: int | None = Field(None, ge=1, le=3650)
    max_per_day_per_location: int | None = Field(None, ge=1, le=100_000)

    check_name = field_validator("name")(_filled)

    @field_validator("locations")
    @classmethod
    def _locations(cls, value: list[str]) -> list[str]:
        for name in value:
            _filled(name)
        return _distinct(value)

    @field_validator("items")
    @classmethod
    def _items(cls, value: list[AidItemIn]) -> list[AidItemIn]:
        _distinct([item.name for item in value])
        return value


StockKind = Literal["received", "moved", "damaged", "adjusted"]


class AidStockIn(StrictInput):
    kind: StockKind = Field(
        description="`received` (delivered), `moved` (from `location` to `target`), "
        "`damaged` (lost or spoilt) or `adjusted` (a count found more, or less: signed)."
    )
    item: Id
    location: Id = Field(
        description="Where it arrived, was damaged or counted; for a move, where it left."
    )
    target: Id | None = Field(
        None, validate_default=True, description="Moves only: where the stock went."
    )
    quantity: int = Field(
        ge=-QUANTITY_MAX,
        le=QUANTITY_MAX,
        description="Positive, except for `adjusted`: any number but zero.",
    )
    reason: str = Field("", max_length=255, description="Required for `damaged` and `adjusted`.")

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("kind") == "adjusted":
            if value == 0:
                raise ValueError(_("Enter a quantity other than zero."))
        elif value <= 0:
            raise ValueError(_("Enter a quantity of at least 1."))
        return value

    @field_validator("target")
    @classmethod
    def _target(cls, value: int | None, info: ValidationInfo) -> int | None:
        moving = info.data.get("kind") == "moved"
        if moving and value is None:
            raise ValueError(_("Say where the stock is moved to."))
        if not moving and value is not None:
            raise ValueError(_("Only a move has a target."))
        return value


class AidHouseholdCreateIn(StrictInput):
    kk_number: str = Field(
        max_length=32, description="16 digits; spaces, dots and dashes are ignored."
    )
    head_name: str = Field(max_length=120)
    area: AreaReference = Field(description="Area id or code: the kelurahan, or its RW or RT.")
    rw: Neighbourhood | None = Field(None, description="RW number within the kelurahan.")
    rt: Neighbourhood | None = Field(None, description="RT number within that RW.")
    members: int = Field(ge=1, le=99)
    children: int = Field(0, ge=0, le=99, description="Counted among the members.")
    address: str = Field("", max_length=500)
    vulnerability: str = Field("", max_length=2000, description="Vulnerability notes.")


class AidConfirmationIn(StrictInput):
    kind: Literal["signature", "photo"]
    data: str = Field(
        min_length=1,
        max_length=2_000_000,
        description="The picture (JPEG, PNG or WebP; a signature pad's PNG) in base64, with "
        "or without its `data:image/…;base64,` prefix. Redrawn as a JPEG of at most 800 px "
        "without metadata and kept encrypted.",
    )


class AidCardIn(StrictInput):
    replace: bool = Field(
        False, description="Make a new code (a lost card): the old card finds nothing any more."
    )


class AidCardOut(Schema):
    household_id: int
    code: str = Field(description="As printed under the QR, e.g. `ABCDE-23456`.")
    url: str = Field(description="What the card's QR holds: the staff page of the card.")


class AidHandoutCreateIn(StrictInput):
    household: Id
    location: Id = Field(description="A location of the program: the stock it is taken from.")
    recipient_name: str = Field(min_length=1, max_length=120, description="Who received it.")
    children_present: int = Field(0, ge=0, le=99)
    dialogue: Id | None = Field(None, description="A dialogue of the program, if at one.")
    handed_at: ClientTime | None = Field(
        None,
        description="When it really happened (an offline phone syncing later); default now. "
        "At most 5 minutes ahead of the server's clock (phone clocks drift) and at most 7 "
        "days old: Idempotency-Keys are kept 7 days, so an older sync could no longer be "
        "recognised as a retry, and the day's stock and limits have long been settled.",
    )
    confirmation: AidConfirmationIn | None = Field(
        None, description="The recipient's signature or a photo of the hand-out, if taken."
    )

    check_name = field_validator("recipient_name")(_filled)


# Output -------------------------------------------------------------------------------


class AidItemOut(Schema):
    id: int
    name: str
    contents: str
    measure: str
    per_household: int
    per_child: bool


class AidLocationOut(Schema):
    id: int
    name: str
    dialogue_id: int | None


class AidBalanceOut(Schema):
    item_id: int
    location_id: int
    quantity: int = Field(description="The sum of the ledger's entries.")


class AidProgramSummaryOut(Schema):
    id: int
    name: str
    sponsor: str
    unit: UnitOut
    starts_on: date
    ends_on: date
    created_at: datetime

    @staticmethod
    def resolve_created_at(obj: AidProgram) -> datetime | None:
        return in_program_zone(obj.created_at, obj)


class AidProgramOut(AidProgramSummaryOut):
    areas: list[AreaOut]
    dialogue_ids: list[int]
    packages_per_household: int
    min_days_between: int | None
    max_per_day_per_location: int | None
    items: list[AidItemOut]
    locations: list[AidLocationOut]
    balances: list[AidBalanceOut] = Field(
        description="Every item and location with entries in the ledger."
    )

    @staticmethod
    def resolve_areas(obj: AidProgram) -> list[Any]:
        return list(obj.areas.all())

    @staticmethod
    def resolve_dialogue_ids(obj: AidProgram) -> list[int]:
        return [dialogue.pk for dialogue in obj.dialogues.all()]

    @staticmethod
    def resolve_items(obj: AidProgram) -> list[Any]:
        return list(obj.items.all())

    @staticmethod
    def resolve_locations(obj: AidProgram) -> list[Any]:
        return list(obj.locations.all())

    @staticmethod
    def resolve_balances(obj: AidProgram) -> list[dict[str, int]]:
        return [
            {"item_id": item, "location_id": location, "quantity": quantity}
            for (item, location), quantity in sorted(stock_balances(obj).items())
        ]


class AidProgramPageOut(Schema):
    items: list[AidProgramSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class AidStockEntryOut(Schema):
    id: int
    item_id: int
    location_id: int
    kind: str = Field(
        description="`received`, `handed_out`, `moved_out`, `moved_in`, `damaged`, `adjusted`."
    )
    quantity: int
    delta: int = Field(description="What it adds to (or takes from) the balance.")
    reason: str
    handout_id: int | None
    transfer: UUID | None = Field(description="Shared by the two entries of a move.")
    recorded_by: UserOut
    created_at: datetime

    @staticmethod
    def resolve_created_at(obj: StockEntry) -> datetime | None:
        return in_program_zone(obj.created_at, obj.program)


class AidStockWriteOut(Schema):
    entries: list[AidStockEntryOut] = Field(description="Two for a move, else one.")
    balances: list[AidBalanceOut] = Field(description="The new balances of those locations.")


class AidLedgerPageOut(Schema):
    items: list[AidStockEntryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


def _unmasked(context: dict[str, Any] | None) -> bool:
    return bool((context or {}).get("unmasked"))


class AidHouseholdOut(Schema):
    id: int
    kk_number: str = Field(
        description="Masked (`************0011`) except in the answers to its registration "
        "and to the exact lookup `POST /households/search`, where the caller sent it."
    )
    head_name: str
    address: str | None
    area: AreaOut = Field(description="As deep as known: RT, RW or kelurahan.")
    members: int
    children: int
    vulnerability: str | None = Field(description="Vulnerability notes.")
    created_at: datetime

    @staticmethod
    def resolve_kk_number(obj: Household | AidHouseholdOut, context: dict[str, Any] | None) -> str:
        if isinstance(obj, AidHouseholdOut):
            # Already presented with its context: Ninja validates the answer again
            # without it, which would mask what the caller may see in full.
            return obj.kk_number
        return obj.kk_number if _unmasked(context) else mask_identifier(obj.kk_number)

    @staticmethod
    def resolve_created_at(obj: Household | AidHouseholdOut) -> datetime:
        if isinstance(obj, AidHouseholdOut):
            return obj.created_at
        return obj.created_at.astimezone(ZoneInfo(obj.area.timezone))


class AidHouseholdPageOut(Schema):
    items: list[AidHouseholdOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class AidEligibilityOut(Schema):
    eligible: bool
    reasons: list[str] = Field(description="Why not, in your language; empty when eligible.")
    round: int = Field(description="1 for the household's first package of the program, …")
    quantities: dict[str, int] = Field(
        description="Item id → what the household would receive now."
    )


class AidQuantityOut(Schema):
    item_id: int
    quantity: int


class AidHandoutOut(Schema):
    id: int
    program_id: int
    household_id: int
    round: int
    location: AidLocationOut
    dialogue_id: int | None
    handed_at: datetime = Field(description="In the program unit's offset.")
    local_day: date
    officer: UserOut
    recipient_name: str
    children_present: int
    items: list[AidQuantityOut] = Field(description="What was taken from the stock.")
    confirmation: Literal["signature", "photo"] | None = Field(
        description="The kind of the recipient's confirmation kept, if any (the picture "
        "itself is not served by the API)."
    )

    @staticmethod
    def resolve_confirmation(obj: Handout) -> str | None:
        return obj.confirmation.kind if hasattr(obj, "confirmation") else None

    @staticmethod
    def resolve_handed_at(obj: Handout) -> datetime | None:
        return in_program_zone(obj.handed_at, obj.program)

    @staticmethod
    def resolve_items(obj: Handout) -> list[dict[str, int]]:
        return [
            {"item_id": entry.item_id, "quantity": entry.quantity} for entry in obj.entries.all()
        ]


class AidHandoutPageOut(Schema):
    items: list[AidHandoutOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
