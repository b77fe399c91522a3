"""Writes of aid distribution (C4). Every write goes through here.

Stock and hand-outs of one program are written under a lock on the program's row
(``select_for_update``; SQLite's single writer does the same), so the balances a
write checks are the balances it changes: stock never goes below zero, and two
officers handing out to one household at the same moment record one hand-out (the
unique constraint on program × household × round stands behind it).

Bad input raises ``ValidationError`` keyed by field with a message in the active
language and changes nothing; permission problems raise ``PermissionDenied``.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import AID_ROLES as ACCOUNT_AID_ROLES
from kamtibmas.accounts.models import User
from kamtibmas.aid import ledger
from kamtibmas.aid.ledger import Kind, LedgerError, Movement
from kamtibmas.aid.models import (
    AidItem,
    AidLocation,
    AidProgram,
    ConfirmationKind,
    Handout,
    HandoutConfirmation,
    Household,
    StockEntry,
)
from kamtibmas.areas.models import Area, AreaLevel, Unit, within_q
from kamtibmas.core.scope import scope_for, visible_to
from kamtibmas.core.timefmt import format_local_date, resolve_zone
from kamtibmas.engagements.models import Dialogue
from kamtibmas.engagements.photos import NormalisedPhoto, photo_checked
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_kk
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record

#: Roles that run programs and hand out aid (§2): the community officers at their
#: dialogues, commanders and administrators.
AID_ROLES = ACCOUNT_AID_ROLES
NAME_MAX = 120


def _errors(**messages: str) -> ValidationError:
    return ValidationError({name: [message] for name, message in messages.items()})


def _check_actor(actor: User, unit: Unit) -> None:
    if not actor.is_authenticated or actor.role not in AID_ROLES:
        raise PermissionDenied(_("Only community officers and commanders hand out aid."))
    scope = scope_for(actor)
    if not (scope.everything or unit.pk in scope.unit_ids):
        raise PermissionDenied(_("That program belongs to another unit."))


# --- programs ----------------------------------------------------------------------------


@transaction.atomic
def aid_program_create(
    *,
    actor: User,
    unit: Unit,
    name: str,
    starts_on: date,
    ends_on: date,
    areas: Sequence[Area],
    items: Sequence[Mapping[str, Any]],
    locations: Sequence[str],
    sponsor: str = "",
    dialogues: Sequence[Dialogue] = (),
    packages_per_household: int = 1,
    min_days_between: int | None = None,
    max_per_day_per_location: int | None = None,
) -> AidProgram:
    """A program with its items and locations. ``items``: ``{"name", "contents",
    "measure", "per_household", "per_child"}``; ``locations``: names."""
    _check_actor(actor, unit)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the program a name.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day is before the first day.")]
    if not areas:
        errors["areas"] = [_("Say for the residents of which areas the program is.")]
    scope = scope_for(actor)
    if areas and not scope.everything:
        inside = Area.objects.filter(within_q(list(scope.areas)), pk__in=[a.pk for a in areas])
        if inside.count() != len({a.pk for a in areas}):
            errors["areas"] = [_("Some of these areas are outside your unit.")]
    if not items:
        errors["items"] = [_("A program hands out at least one item.")]
    if not locations:
        errors["locations"] = [_("Name at least one location.")]
    if packages_per_household < 1:
        errors["packages_per_household"] = [_("At least one package per household.")]
    for dialogue in dialogues:
        if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), actor).exists():
            errors["dialogues"] = [_("That dialogue is outside your unit.")]
    if errors:
        raise ValidationError(errors)
    program = AidProgram.objects.create(
        name=" ".join(name.split())[:160],
        sponsor=" ".join(sponsor.split())[:160],
        unit=unit,
        starts_on=starts_on,
        ends_on=ends_on,
        packages_per_household=packages_per_household,
        min_days_between=min_days_between,
        max_per_day_per_location=max_per_day_per_location,
    )
    program.areas.set(areas)
    program.dialogues.set(dialogues)
    for item in items:
        AidItem.objects.create(
            program=program,
            name=" ".join(str(item["name"]).split())[:120],
            contents=str(item.get("contents", ""))[:255],
            measure=str(item.get("measure", "paket"))[:20],
            per_household=int(item.get("per_household", 1)),
            per_child=bool(item.get("per_child", False)),
        )
    for location in locations:
        AidLocation.objects.create(program=program, name=" ".join(location.split())[:120])
    return program


# --- the stock ledger --------------------------------------------------------------------


def _locked(program: AidProgram) -> AidProgram:
    return AidProgram.objects.select_for_update().get(pk=program.pk)


def stock_balances(program: AidProgram) -> dict[ledger.Key, int]:
    """Every (item id, location id) of the program with its balance, from the ledger."""
    rows = (
        StockEntry.objects.filter(program=program)
        .values_list("item_id", "location_id")
        .annotate(total=Sum("delta"))
    )
    return {(item, location): total for item, location, total in rows}


def _stock_write(
    *,
    actor: User,
    program: AidProgram,
    movements: Sequence[Movement],
    reason: str = "",
    handout: Handout | None = None,
    transfer: uuid.UUID | None = None,
) -> list[StockEntry]:
    """Check ``movements`` against the current balances and append them; the caller
    holds the program's lock."""
    try:
        ledger.apply(stock_balances(program), movements)
    except LedgerError as exc:
        if exc.code == "negative" and exc.key is not None:
            item = AidItem.objects.get(pk=exc.key[0])
            location = AidLocation.objects.get(pk=exc.key[1])
            have = stock_balances(program).get(exc.key, 0)
            raise _errors(
                quantity=_("Not enough %(item)s at %(location)s: %(have)d left in the ledger.")
                % {"item": item.name, "location": location.name, "have": have}
            ) from exc
        raise _errors(quantity=_("Enter a quantity other than zero.")) from exc
    return StockEntry.objects.bulk_create(
        StockEntry(
            program=program,
            item_id=movement.item,
            location_id=movement.location,
            kind=movement.kind.value,
            quantity=movement.quantity,
            delta=movement.delta,
            reason=reason,
            handout=handout,
            transfer=transfer,
            recorded_by=actor,
        )
        for movement in movements
    )


def _same_program(program: AidProgram, *records: AidItem | AidLocation) -> None:
    if any(record.program_id != program.pk for record in records):
        raise _errors(item=_("That item or location belongs to another program."))


def _reason(text: str, *, required: bool) -> str:
    cleaned = " ".join(text.split())
    if required and not cleaned:
        raise _errors(reason=_("Say why: it stays in the ledger."))
    return cleaned[:255]


@transaction.atomic
def stock_receive(
    *, actor: User, item: AidItem, location: AidLocation, quantity: int, reason: str = ""
) -> StockEntry:
    """Stock arrived (from the sponsor, the warehouse)."""
    program = _locked(item.program)
    _check_actor(actor, program.unit)
    _same_program(program, item, location)
    [entry] = _stock_write(
        actor=actor,
        program=program,
        movements=[Movement(item.pk, location.pk, Kind.RECEIVED, quantity)],
        reason=_reason(reason, required=False),
    )
    return entry


@transaction.atomic
def stock_move(
    *,
    actor: User,
    item: AidItem,
    source: AidLocation,
    target: AidLocation,
    quantity: int,
    reason: str = "",
) -> list[StockEntry]:
    """Stock carried from one location to another (the post to the dialogue's venue)."""
    program = _locked(item.program)
    _check_actor(actor, program.unit)
    _same_program(program, item, source, target)
    if source.pk == target.pk:
        raise _errors(target=_("Choose another location to move the stock to."))
    return _stock_write(
        actor=actor,
        program=program,
        movements=[
            Movement(item.pk, source.pk, Kind.MOVED_OUT, quantity),
            Movement(item.pk, target.pk, Kind.MOVED_IN, quantity),
        ],
        reason=_reason(reason, required=False),
        transfer=uuid.uuid4(),
    )


@transaction.atomic
def stock_correct(
    *,
    actor: User,
    item: AidItem,
    location: AidLocation,
    kind: Kind,
    quantity: int,
    reason: str,
) -> StockEntry:
    """Damaged or lost stock (``DAMAGED``, a positive quantity), or a count that found
    more or less than the ledger says (``ADJUSTED``, signed). Always with a reason."""
    if kind not in (Kind.DAMAGED, Kind.ADJUSTED):
        raise _errors(kind=_("Only damage and count adjustments correct the stock."))
    program = _locked(item.program)
    _check_actor(actor, program.unit)
    _same_program(program, item, location)
    [entry] = _stock_write(
        actor=actor,
        program=program,
        movements=[Movement(item.pk, location.pk, kind, quantity)],
        reason=_reason(reason, required=True),
    )
    return entry


# --- households --------------------------------------------------------------------------


def household_by_kk(kk_number: str) -> Household | None:
    """Exact lookup through the blind index (raises ``ValidationError`` for a value
    that is not a KK number). Callers scope and audit what they show."""
    return Household.objects.filter(kk_index=blind_index("kk", normalise_kk(kk_number))).first()


@transaction.atomic
def household_register(
    *,
    actor: User,
    kk_number: str,
    head_name: str,
    area: Area,
    members: int,
    children: int = 0,
    address: str = "",
    vulnerability: str = "",
) -> Household:
    """Register a family by its KK number; a KK already registered is refused."""
    if not actor.is_authenticated or actor.role not in AID_ROLES:
        raise PermissionDenied(_("Only community officers and commanders register households."))
    if not visible_to(Area.objects.filter(pk=area.pk), actor).exists():
        raise PermissionDenied(_("That area is outside your unit."))
    errors: dict[str, list[str]] = {}
    try:
        kk = normalise_kk(kk_number)
    except ValidationError as exc:
        errors["kk_number"] = exc.messages
        kk = ""
    name = " ".join(head_name.split())
    if not name:
        errors["head_name"] = [_("Give the name of the head of the household.")]
    elif len(name) > NAME_MAX:
        errors["head_name"] = [_("At most %(max)d characters.") % {"max": NAME_MAX}]
    if area.level < AreaLevel.VILLAGE:
        errors["area"] = [_("Choose the kelurahan, RW or RT where the household lives.")]
    if members < 1:
        errors["members"] = [_("A household has at least one member.")]
    if children < 0 or children > members:
        errors["children"] = [_("Children are counted among the members.")]
    if kk and Household.objects.filter(kk_index=blind_index("kk", kk)).exists():
        errors["kk_number"] = [_("A household with this KK number is already registered.")]
    if errors:
        raise ValidationError(errors)
    household = Household.objects.create(
        kk_number=kk,
        kk_index=blind_index("kk", kk),
        head_name=name,
        address=" ".join(address.split()) or None,
        area=area,
        members=members,
        children=children,
        vulnerability=vulnerability.strip() or None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=household,
        reason="household registered",
        fields=household.registered_fields,
    )
    return household


# --- eligibility and hand-out ------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    """Whether a household may receive now, and why not, in words for the officer."""

    reasons: list[str] = field(default_factory=list)
    round: int = 1
    quantities: dict[int, int] = field(default_factory=dict)  # item id → quantity

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _local_day(moment: datetime, program: AidProgram) -> date:
    return moment.astimezone(ZoneInfo(resolve_zone(program.unit.area).value)).date()


def aid_eligibility(
    *,
    program: AidProgram,
    household: Household,
    location: AidLocation,
    children_present: int = 0,
    at: datetime | None = None,
) -> Eligibility:
    """The one check of every rule of ``program`` for ``household`` at ``location``:
    the program's period and area, packages per household, days between packages,
    hand-outs per day at the location; and what the household would receive."""
    moment = at or timezone.now()
    day = _local_day(moment, program)
    reasons: list[str] = []
    if not program.starts_on <= day <= program.ends_on:
        reasons.append(
            _("The program runs from %(start)s to %(end)s.")
            % {
                "start": format_local_date(program.starts_on),
                "end": format_local_date(program.ends_on),
            }
        )
    areas = list(program.areas.all())
    if not Area.objects.filter(within_q(areas), pk=household.area_id).exists():
        reasons.append(_("This household lives outside the areas of the program."))
    earlier = list(
        Handout.objects.filter(program=program, household=household)
        .select_related("location")
        .order_by("-handed_at")
    )
    if len(earlier) >= program.packages_per_household:
        last = earlier[0]
        reasons.append(
            _("Already received on %(day)s at %(location)s.")
            % {"day": format_local_date(last.local_day), "location": last.location.name}
        )
    elif earlier and program.min_days_between:
        last = earlier[0]
        next_day = last.local_day + timedelta(days=program.min_days_between)
        if day < next_day:
            reasons.append(
                _("Received on %(day)s; the next package from %(next)s.")
                % {
                    "day": format_local_date(last.local_day),
                    "next": format_local_date(next_day),
                }
            )
    if program.max_per_day_per_location:
        today = Handout.objects.filter(location=location, local_day=day).count()
        if today >= program.max_per_day_per_location:
            reasons.append(
                _("The %(max)d hand-outs of today at %(location)s have all been given.")
                % {"max": program.max_per_day_per_location, "location": location.name}
            )
    quantities = {
        item.pk: (
            min(children_present, household.children) if item.per_child else item.per_household
        )
        for item in program.items.all()
    }
    return Eligibility(
        reasons=reasons,
        round=len(earlier) + 1,
        quantities={pk: quantity for pk, quantity in quantities.items() if quantity > 0},
    )


@transaction.atomic
def aid_handout_record(
    *,
    actor: User,
    program: AidProgram,
    household: Household,
    location: AidLocation,
    recipient_name: str,
    children_present: int = 0,
    dialogue: Dialogue | None = None,
    at: datetime | None = None,
    confirmation: Confirmation | None = None,
) -> Handout:
    """Hand the program's items to ``household``: checks every rule, takes the items
    out of the location's stock and records who received them, with their signature
    or a photo when given (``confirmation_read`` first). A second hand-out to the
    same household (or one beyond the rules) is refused with the reason."""
    program = _locked(program)
    _check_actor(actor, program.unit)
    _same_program(program, location)
    if not visible_to(Household.objects.filter(pk=household.pk), actor).exists():
        raise PermissionDenied(_("That household is outside your unit."))
    name = " ".join(recipient_name.split())
    if not name:
        raise _errors(recipient_name=_("Write the name of the person who received it."))
    if children_present < 0:
        raise _errors(children_present=_("Count the children present."))
    moment = at or timezone.now()
    verdict = aid_eligibility(
        program=program,
        household=household,
        location=location,
        children_present=children_present,
        at=moment,
    )
    if not verdict.eligible:
        raise ValidationError(
            [ValidationError(reason, code="not_eligible") for reason in verdict.reasons]
        )
    if dialogue is not None and not program.dialogues.filter(pk=dialogue.pk).exists():
        raise _errors(dialogue=_("This program is not handed out at that dialogue."))
    try:
        with transaction.atomic():
            handout = Handout.objects.create(
                program=program,
                household=household,
                round=verdict.round,
                location=location,
                dialogue=dialogue,
                handed_at=moment,
                local_day=_local_day(moment, program),
                officer=actor,
                recipient_name=name[:NAME_MAX],
                children_present=children_present,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("This household has just received its package."), code="not_eligible"
        ) from exc
    _stock_write(
        actor=actor,
        program=program,
        movements=[
            Movement(item, location.pk, Kind.HANDED_OUT, quantity)
            for item, quantity in verdict.quantities.items()
        ],
        handout=handout,
    )
    if confirmation is not None:
        HandoutConfirmation.objects.create(
            handout=handout,
            kind=confirmation.kind,
            image=base64.b64encode(confirmation.photo.data).decode("ascii"),
            width=confirmation.photo.width,
            height=confirmation.photo.height,
        )
    return handout


#: How far ahead of the server's clock a phone's clock may be.
CLOCK_SKEW = timedelta(minutes=5)
#: How old a hand-out may be when an offline phone syncs it: Idempotency-Keys are
#: kept 7 days, so an older sync could not be recognised as a retry.
SYNC_WINDOW = timedelta(days=7)


def handed_at_check(at: datetime) -> None:
    """Refuse (``ValidationError`` on ``handed_at``) the time an offline phone says a
    hand-out happened when it is in the future or too old to sync."""
    now = timezone.now()
    if at > now + CLOCK_SKEW:
        raise ValidationError(
            {
                "handed_at": ValidationError(
                    _("This time is in the future: check the phone's clock."), code="future"
                )
            }
        )
    if at < now - SYNC_WINDOW:
        raise ValidationError(
            {
                "handed_at": ValidationError(
                    _("Hand-outs more than 7 days old cannot be synced: record them at the post."),
                    code="too_old",
                )
            }
        )


# --- the recipient's confirmation ------------------------------------------------------

#: A signature or photo is kept small: it proves a hand-out, it is not a portrait.
CONFIRMATION_LONG_SIDE = 800
CONFIRMATION_QUALITY = 70


@dataclass(frozen=True)
class Confirmation:
    kind: str
    photo: NormalisedPhoto


def confirmation_read(kind: str, data: bytes) -> Confirmation:
    """Check and redraw a signature (the PNG a phone's signature pad makes) or a
    photo as a small JPEG without metadata; ``ValidationError`` keyed
    ``confirmation`` when it is not a picture or too large."""
    if kind not in ConfirmationKind.values:
        raise _errors(confirmation=_("Send a signature or a photo."))
    try:
        photo = photo_checked(
            io.BytesIO(data), long_side=CONFIRMATION_LONG_SIDE, quality=CONFIRMATION_QUALITY
        )
    except ValidationError as exc:
        raise ValidationError({"confirmation": exc.messages}) from exc
    return Confirmation(kind=kind, photo=photo)


def confirmation_from_text(kind: str, text: str) -> Confirmation:
    """``confirmation_read`` of a picture sent as base64, with or without its
    ``data:image/…;base64,`` prefix (a canvas's ``toDataURL``)."""
    try:
        data = base64.b64decode(text.split(",")[-1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _errors(confirmation=_("Send a signature or a photo.")) from exc
    return confirmation_read(kind, data)


# --- household cards -------------------------------------------------------------------

#: Card codes: no 0/O, 1/I/L or U, so that a code read aloud or typed from the card
#: is not mistaken; 10 characters (about 49 bits) printed as two groups of five.
CARD_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CARD_CODE_LENGTH = 10
_CARD_IN_TEXT = re.compile(r"(?:/card/)?([A-Za-z0-9-]{10,11})/?$")


def normalise_card_code(text: str) -> str:
    """The card code in ``text``: typed with or without its dash, in any case, or
    the whole address the card's QR holds. ``ValidationError`` when it is none."""
    match = _CARD_IN_TEXT.search(text.strip())
    code = match.group(1).replace("-", "").upper() if match else ""
    if len(code) != CARD_CODE_LENGTH or any(char not in CARD_ALPHABET for char in code):
        raise ValidationError(
            _("This is not a household card code: 10 letters and digits, e.g. ABCDE-23456."),
            code="card_code",
        )
    return code


def card_code_printed(code: str) -> str:
    """``ABCDE-23456``: two groups, as printed on the card."""
    half = CARD_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def household_by_card(text: str) -> Household | None:
    """The household whose card ``text`` is (code or QR address), through the blind
    index; ``ValidationError`` for text that is not a card code. Callers scope."""
    code = normalise_card_code(text)
    return Household.objects.filter(card_index=blind_index("card", code)).first()


@transaction.atomic
def household_card_issue(*, actor: User, household: Household, replace: bool = False) -> str:
    """The code of ``household``'s card, made on first use. ``replace`` makes a new
    code (a lost card): the old card finds nothing any more."""
    if not actor.is_authenticated or actor.role not in AID_ROLES:
        raise PermissionDenied(_("Only community officers and commanders register households."))
    if not visible_to(Household.objects.filter(pk=household.pk), actor).exists():
        raise PermissionDenied(_("That household is outside your unit."))
    if household.card_code and not replace:
        return household.card_code
    while True:
        code = "".join(secrets.choice(CARD_ALPHABET) for _ in range(CARD_CODE_LENGTH))
        index = blind_index("card", code)
        if not Household.objects.filter(card_index=index).exists():
            break
    Household.objects.filter(pk=household.pk).update(card_code=code, card_index=index)
    household.card_code, household.card_index = code, index
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        subject=household,
        reason="aid: household card replaced" if replace else "aid: household card issued",
        fields=["card_code"],
    )
    return code
