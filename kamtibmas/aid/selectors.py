"""Reads of aid distribution (C4): reconciliation of the stock ledger and the
distribution counts, for staff (scoped) and for the public portal (no personal data).

Staff reads go through ``core.scope``: a program outside the reader's scope is not
found (``Http404``), never "forbidden". None of the reads here show a household's
name, KK number or address; the only personal read is ``aid_recipients``, which is
staff-only and writes one audit row per household it shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from kamtibmas.aid import ledger
from kamtibmas.aid.ledger import Kind, Movement
from kamtibmas.aid.models import AidItem, AidLocation, AidProgram, Handout, StockEntry
from kamtibmas.aid.services import AID_ROLES, stock_balances
from kamtibmas.areas.models import Area, AreaLevel
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.engagements.models import Dialogue
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record_many

#: Public counts below this are shown as ``SUPPRESSED`` (see ``aid_public_summary``).
PUBLIC_MINIMUM = 3
SUPPRESSED = "<3"


def aid_program_get(*, actor: Any, pk: int) -> AidProgram:
    """One program the actor may see; ``Http404`` otherwise (another unit, a resident)."""
    return get_visible_or_404(AidProgram.objects.select_related("unit"), actor, pk=pk)


def _visible_program(actor: Any, program: AidProgram) -> AidProgram:
    return aid_program_get(actor=actor, pk=program.pk)


# --- reconciliation ----------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    """One ledger entry behind a discrepancy, as the report shows it."""

    id: int
    kind: str
    quantity: int
    delta: int
    item: str
    location: str
    handout_id: int | None
    recorded_by: str
    created_at: datetime
    reason: str


@dataclass(frozen=True)
class Discrepancy:
    """Hand-out ``handout_id`` should have taken ``expected`` from the ledger and the
    entries record ``recorded``; ``handout_id`` is None for a hand-out entry that
    belongs to no hand-out."""

    handout_id: int | None
    expected: int
    recorded: int
    entries: tuple[EntryLine, ...]

    @property
    def explanation(self) -> str:
        if self.handout_id is None:
            return _("Handed out in the ledger without a recorded hand-out.")
        if not self.entries:
            return _("Hand-out #%(id)d took nothing from the ledger; it should take %(n)d.") % {
                "id": self.handout_id,
                "n": self.expected,
            }
        return _("Hand-out #%(id)d took %(recorded)d from the ledger; it should take %(n)d.") % {
            "id": self.handout_id,
            "recorded": self.recorded,
            "n": self.expected,
        }


@dataclass(frozen=True)
class ReconciliationRow:
    """One item at one location: the movements by kind, what should remain
    (``ledger.reconcile``), the ledger's balance (``SUM(delta)``), and what the
    hand-outs recorded at this location imply was handed out."""

    item_id: int
    item: str
    measure: str
    location_id: int
    location: str
    received: int
    handed_out: int
    moved_out: int
    moved_in: int
    damaged: int
    adjusted: int
    expected: int
    balance: int
    handed_out_by_handouts: int
    discrepancies: tuple[Discrepancy, ...] = field(default=())

    @property
    def balance_agrees(self) -> bool:
        return self.expected == self.balance

    @property
    def handouts_agree(self) -> bool:
        return self.handed_out == self.handed_out_by_handouts and not self.discrepancies

    @property
    def agrees(self) -> bool:
        return self.balance_agrees and self.handouts_agree


def _implied(item: AidItem, *, children_present: int, children: int) -> int:
    """What one hand-out takes of ``item``: as ``services.aid_eligibility`` computes
    it (for a per-child item, the children present but never more than the KK's)."""
    return min(children_present, children) if item.per_child else item.per_household


def aid_reconciliation(*, actor: Any, program: AidProgram) -> list[ReconciliationRow]:
    """Every (item, location) of ``program`` that has entries or hand-outs, ordered by
    item and location. ``Http404`` for a program outside the actor's scope.

    Two checks per row: the balance (``SUM(delta)``) equals received − handed out −
    moved out + moved in − damaged ± adjusted; and the quantity handed out in the
    ledger equals what the program's hand-outs at that location imply. Every
    hand-out whose entries differ from what it implies, and every hand-out entry
    that belongs to no hand-out, is listed with its entries. A ledger written only
    through ``aid.services`` has no discrepancy (unless a household's number of
    children is lowered after its snacks were handed out)."""
    program = _visible_program(actor, program)
    items = {item.pk: item for item in AidItem.objects.filter(program=program)}
    locations = {loc.pk: loc for loc in AidLocation.objects.filter(program=program)}
    entries = list(
        StockEntry.objects.filter(program=program)
        .select_related("recorded_by")
        .order_by("created_at", "id")
    )
    sums = ledger.reconcile(
        Movement(entry.item_id, entry.location_id, Kind(entry.kind), entry.quantity)
        for entry in entries
    )
    balances = stock_balances(program)

    by_handout: dict[int, list[StockEntry]] = defaultdict(list)
    orphans: list[StockEntry] = []
    for entry in entries:
        if entry.handout_id is not None:
            by_handout[entry.handout_id].append(entry)
        elif entry.kind == Kind.HANDED_OUT:
            orphans.append(entry)

    implied: dict[ledger.Key, int] = defaultdict(int)
    discrepancies: dict[ledger.Key, list[Discrepancy]] = defaultdict(list)
    handouts = Handout.objects.filter(program=program).values_list(
        "pk", "location_id", "children_present", "household__children"
    )
    for handout_id, location_id, present, children in handouts.order_by("handed_at", "pk"):
        own = by_handout.pop(handout_id, [])
        for item in items.values():
            key = (item.pk, location_id)
            expected = _implied(item, children_present=present, children=children)
            implied[key] += expected
            mine = [entry for entry in own if entry.item_id == item.pk]
            recorded = sum(
                entry.quantity
                for entry in mine
                if entry.kind == Kind.HANDED_OUT and entry.location_id == location_id
            )
            misplaced = any(
                entry.kind != Kind.HANDED_OUT or entry.location_id != location_id for entry in mine
            )
            if recorded != expected or misplaced:
                discrepancies[key].append(
                    Discrepancy(
                        handout_id=handout_id,
                        expected=expected,
                        recorded=recorded,
                        entries=tuple(_line(entry, items, locations) for entry in mine),
                    )
                )
    for entry in orphans:
        discrepancies[(entry.item_id, entry.location_id)].append(
            Discrepancy(
                handout_id=None,
                expected=0,
                recorded=entry.quantity,
                entries=(_line(entry, items, locations),),
            )
        )

    keys = sorted(set(sums) | set(implied) | set(balances), key=lambda key: key)
    rows = []
    for key in keys:
        item, location = items[key[0]], locations[key[1]]
        counted = sums.get(key, ledger.Reconciliation())
        rows.append(
            ReconciliationRow(
                item_id=item.pk,
                item=item.name,
                measure=item.measure,
                location_id=location.pk,
                location=location.name,
                received=counted.received,
                handed_out=counted.handed_out,
                moved_out=counted.moved_out,
                moved_in=counted.moved_in,
                damaged=counted.damaged,
                adjusted=counted.adjusted,
                expected=counted.expected,
                balance=balances.get(key, 0),
                handed_out_by_handouts=implied.get(key, 0),
                discrepancies=tuple(discrepancies.get(key, ())),
            )
        )
    return rows


def _line(
    entry: StockEntry, items: dict[int, AidItem], locations: dict[int, AidLocation]
) -> EntryLine:
    return EntryLine(
        id=entry.pk,
        kind=entry.kind,
        quantity=entry.quantity,
        delta=entry.delta,
        item=items[entry.item_id].name,
        location=locations[entry.location_id].name,
        handout_id=entry.handout_id,
        recorded_by=entry.recorded_by.display_name,
        created_at=entry.created_at,
        reason=entry.reason,
    )


# --- distribution counts -----------------------------------------------------------------


@dataclass(frozen=True)
class ItemColumn:
    id: int
    name: str
    measure: str
    per_child: bool


@dataclass(frozen=True)
class AreaLine:
    """Households served and quantities handed out, by where the households live.
    ``rw``/``rt`` are empty when the household's address is known less deeply."""

    kelurahan: str
    rw: str
    rt: str
    households: int
    quantities: dict[int, int]  # item id → quantity


@dataclass(frozen=True)
class DayLine:
    day: date
    location: str
    households: int
    quantities: dict[int, int]


@dataclass(frozen=True)
class DistributionSummary:
    """Counts only: no names, KK numbers or addresses."""

    program: str
    sponsor: str
    starts_on: date
    ends_on: date
    dialogue: str
    items: tuple[ItemColumn, ...]
    handouts: int
    households: int
    quantities: dict[int, int]
    by_area: tuple[AreaLine, ...]
    by_day: tuple[DayLine, ...]

    @property
    def children_snacks(self) -> int:
        """What the per-child items (children's snacks) add up to."""
        return sum(self.quantities.get(item.id, 0) for item in self.items if item.per_child)


@dataclass(frozen=True)
class _Served:
    """One hand-out, reduced to what the counts need."""

    household: int
    area: int
    day: date
    location: str
    quantities: dict[int, int]


def _served(handouts: Any) -> list[_Served]:
    rows = list(
        handouts.values_list(
            "pk", "household_id", "household__area_id", "local_day", "location__name"
        )
    )
    quantities: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    taken = StockEntry.objects.filter(
        handout__in=handouts.values("pk"), kind=Kind.HANDED_OUT
    ).values_list("handout_id", "item_id", "quantity")
    for handout_id, item_id, quantity in taken:
        quantities[handout_id][item_id] += quantity
    return [
        _Served(household, area, day, location, dict(quantities[pk]))
        for pk, household, area, day, location in rows
    ]


@dataclass(frozen=True)
class _Place:
    kelurahan: str
    rw: str
    rt: str


def _places(area_ids: set[int]) -> dict[int, _Place]:
    """Where each area lies, as kelurahan / RW / RT names (empty where less deep)."""
    places = {}
    for area in Area.objects.filter(pk__in=area_ids).select_related("village", "rw"):
        if area.level == AreaLevel.RT:
            place = _Place(
                area.village.name if area.village else "",
                area.rw.name if area.rw else "",
                area.name,
            )
        elif area.level == AreaLevel.RW:
            place = _Place(area.village.name if area.village else "", area.name, "")
        else:
            place = _Place(area.name, "", "")
        places[area.pk] = place
    return places


def _add(target: dict[int, int], quantities: dict[int, int]) -> None:
    for item, quantity in quantities.items():
        target[item] = target.get(item, 0) + quantity


def _grouped(served: list[_Served], key: Any) -> dict[Any, tuple[set[int], dict[int, int]]]:
    groups: dict[Any, tuple[set[int], dict[int, int]]] = {}
    for one in served:
        households, quantities = groups.setdefault(key(one), (set(), {}))
        households.add(one.household)
        _add(quantities, one.quantities)
    return groups


def aid_distribution_summary(
    *, actor: Any, program: AidProgram, dialogue: Dialogue | None = None
) -> DistributionSummary:
    """Households served and quantities handed out in ``program`` (at ``dialogue``
    when given: the hand-outs recorded at it, or at a location of it when the
    hand-out names no dialogue), in total, by RW and RT, and by day and location.
    A household served twice counts once in each count of households. ``Http404``
    for a program or dialogue outside the actor's scope."""
    program = _visible_program(actor, program)
    handouts = Handout.objects.filter(program=program)
    title = ""
    if dialogue is not None:
        dialogue = get_visible_or_404(Dialogue.objects.all(), actor, pk=dialogue.pk)
        title = dialogue.title
        handouts = handouts.filter(
            Q(dialogue=dialogue) | Q(dialogue__isnull=True, location__dialogue=dialogue)
        )
    served = _served(handouts)
    places = _places({one.area for one in served})
    quantities: dict[int, int] = {}
    for one in served:
        _add(quantities, one.quantities)

    def place_key(one: _Served) -> tuple[str, str, str]:
        place = places[one.area]
        return (place.kelurahan, place.rw, place.rt)

    by_area = tuple(
        AreaLine(kelurahan, rw, rt, len(households), quantities)
        for (kelurahan, rw, rt), (households, quantities) in sorted(
            _grouped(served, place_key).items()
        )
    )
    by_day = tuple(
        DayLine(day, location, len(households), quantities)
        for (day, location), (households, quantities) in sorted(
            _grouped(served, lambda one: (one.day, one.location)).items()
        )
    )
    return DistributionSummary(
        program=program.name,
        sponsor=program.sponsor,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        dialogue=title,
        items=tuple(
            ItemColumn(item.pk, item.name, item.measure, item.per_child)
            for item in AidItem.objects.filter(program=program)
        ),
        handouts=len(served),
        households=len({one.household for one in served}),
        quantities=quantities,
        by_area=by_area,
        by_day=by_day,
    )


# --- the public summary ------------------------------------------------------------------


def public_count(count: int) -> int | str:
    """A count as the public portal may show it: ``"<3"`` for 1 or 2, so that no cell
    stands for one or two families; 0 and 3 upwards as they are."""
    return SUPPRESSED if 0 < count < PUBLIC_MINIMUM else count


@dataclass(frozen=True)
class PublicItem:
    name: str
    measure: str
    quantity: int | str


@dataclass(frozen=True)
class PublicLine:
    kelurahan: str
    rw: str  # empty for households whose RW is not recorded
    households: int | str
    items: tuple[PublicItem, ...]


@dataclass(frozen=True)
class PublicSummary:
    program: str
    sponsor: str
    starts_on: date
    ends_on: date
    households: int | str
    items: tuple[PublicItem, ...]
    lines: tuple[PublicLine, ...]


def aid_public_summary(program: AidProgram) -> PublicSummary:
    """What the public portal shows of a program: its name, sponsor and period, the
    households served and the items handed out, in total and per kelurahan and RW.
    No names, KK numbers, addresses, RTs or days.

    The suppression rule: no cell may stand for one or two families. Every count of
    households below 3 (but above 0) is shown as ``"<3"``, and so is every item
    quantity below 3; in a line whose households are ``"<3"`` every item quantity is
    ``"<3"`` too, whatever its size, even 0 (five snacks, or none, in a line of one
    family would say how many children that family brought). The same rule applies to the totals.
    Not applied: secondary suppression (with one line suppressed, the total minus
    the other lines gives its exact value, which is still 1 or 2 families and names
    none of them)."""
    items = list(AidItem.objects.filter(program=program))
    served = _served(Handout.objects.filter(program=program))
    places = _places({one.area for one in served})

    def public_items(households: int, quantities: dict[int, int]) -> tuple[PublicItem, ...]:
        hidden = 0 < households < PUBLIC_MINIMUM
        return tuple(
            PublicItem(
                item.name,
                item.measure,
                SUPPRESSED if hidden else public_count(quantities.get(item.pk, 0)),
            )
            for item in items
        )

    lines = tuple(
        PublicLine(
            kelurahan, rw, public_count(len(households)), public_items(len(households), quantities)
        )
        for (kelurahan, rw), (households, quantities) in sorted(
            _grouped(served, lambda one: (places[one.area].kelurahan, places[one.area].rw)).items()
        )
    )
    total: dict[int, int] = {}
    for one in served:
        _add(total, one.quantities)
    households = len({one.household for one in served})
    return PublicSummary(
        program=program.name,
        sponsor=program.sponsor,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        households=public_count(households),
        items=public_items(households, total),
        lines=lines,
    )


# --- recipients of a dialogue (personal data) --------------------------------------------


@dataclass(frozen=True)
class Recipient:
    handout_id: int
    head_name: str
    rt: str
    rw: str
    handed_at: datetime
    received: dict[int, int]  # item id → quantity


def aid_recipients(*, actor: Any, program: AidProgram, dialogue: Dialogue) -> list[Recipient]:
    """Who received at ``dialogue`` (for its closing report): the head of the
    household, RT/RW and what was received; no KK numbers or addresses. Only the
    roles that hand out aid (``services.AID_ROLES``; ``PermissionDenied``
    otherwise); ``Http404`` outside the actor's scope. Writes one READ audit row per
    household shown."""
    if not getattr(actor, "is_authenticated", False) or actor.role not in AID_ROLES:
        raise PermissionDenied(_("Only community officers and commanders read the recipients."))
    program = _visible_program(actor, program)
    dialogue = get_visible_or_404(Dialogue.objects.all(), actor, pk=dialogue.pk)
    handouts = list(
        visible_to(Handout.objects.filter(program=program), actor)
        .filter(Q(dialogue=dialogue) | Q(dialogue__isnull=True, location__dialogue=dialogue))
        .select_related("household")
        .order_by("handed_at", "pk")
    )
    received: dict[int, dict[int, int]] = defaultdict(dict)
    for handout_id, item_id, quantity in StockEntry.objects.filter(
        handout__in=handouts, kind=Kind.HANDED_OUT
    ).values_list("handout_id", "item_id", "quantity"):
        received[handout_id][item_id] = received[handout_id].get(item_id, 0) + quantity
    places = _places({handout.household.area_id for handout in handouts})
    households = {handout.household_id: handout.household for handout in handouts}
    audit_record_many(
        actor=actor,
        action=AuditAction.READ,
        subjects=households.values(),
        reason="aid recipients of a dialogue",
        fields=("head_name",),
    )
    return [
        Recipient(
            handout_id=handout.pk,
            head_name=handout.household.head_name,
            rt=places[handout.household.area_id].rt,
            rw=places[handout.household.area_id].rw,
            handed_at=handout.handed_at,
            received=received.get(handout.pk, {}),
        )
        for handout in handouts
    ]
