"""Reads of the engagements app. Staff reads go through ``core.scope``; public reads
show only announced dialogues and no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.areas.models import Area, AreaLevel, within_q
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.core.timefmt import local_today, resolve_zone
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueOfficial,
    DialogueStatus,
    FollowUp,
    FollowUpStatus,
    InspectionFinding,
)

PUBLIC_RECENT_DAYS = 60


@dataclass(frozen=True)
class DialogueFilter:
    area_id: int | None = None
    type_code: str | None = None
    status: str | None = None
    start: date | None = None
    end: date | None = None


def dialogue_list(*, user: Any, filters: DialogueFilter | None = None) -> QuerySet[Dialogue]:
    """Dialogues the user may see, newest first, filtered."""
    queryset = visible_to(Dialogue.objects.all(), user).select_related(
        "type", "area", "unit", "host"
    )
    filters = filters or DialogueFilter()
    if filters.area_id:
        from kamtibmas.areas.models import Area

        area = Area.objects.filter(pk=filters.area_id).first()
        if area is not None:
            queryset = queryset.filter(Q(area=area) | Q(area__in=Area.objects.descendants_of(area)))
    if filters.type_code:
        queryset = queryset.filter(type__code=filters.type_code)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    # Days are calendar days where the user works (WIB/WITA/WIT), not UTC days.
    zone = ZoneInfo(resolve_zone(getattr(getattr(user, "unit", None), "area", None)).value)
    if filters.start:
        queryset = queryset.filter(
            planned_start__gte=datetime.combine(filters.start, time.min, tzinfo=zone)
        )
    if filters.end:
        queryset = queryset.filter(
            planned_start__lt=datetime.combine(
                filters.end + timedelta(days=1), time.min, tzinfo=zone
            )
        )
    return queryset.order_by("-planned_start", "-id")


def dialogue_get(*, user: Any, pk: int) -> Dialogue:
    """One dialogue with everything its page shows; 404 outside the user's scope."""
    queryset = Dialogue.objects.select_related(
        "type", "area", "area__village", "area__district", "area__regency", "unit", "host"
    ).prefetch_related(
        "officials",
        "topics__topic",
        "answers",
        "photos",
        "attendees",
        Prefetch(
            "inspection__findings",
            queryset=InspectionFinding.objects.select_related("item").order_by("item__position"),
        ),
        "follow_ups__owner",
    )
    return get_visible_or_404(queryset, user, pk=pk)


def _public(area: Area | None) -> QuerySet[Dialogue]:
    """Announced dialogues, inside ``area`` (a province, city, kecamatan or kelurahan)
    when given: at national scale a resident wants their own city, not the country."""
    public = Dialogue.objects.filter(is_public=True)
    if area is not None:
        public = public.filter(within_q([area], prefix="area__"))
    return public


def public_area_from_code(code: str | None) -> Area | None:
    """The area a public list is narrowed to, from its Kemendagri code; unknown → None."""
    if not code or len(code) > 13:
        return None
    return Area.objects.filter(code=code, level__lte=AreaLevel.VILLAGE).first()


def dialogue_public_list(
    *, now: datetime | None = None, area: Area | None = None
) -> tuple[list[Dialogue], list[Dialogue]]:
    """Announced dialogues: upcoming (soonest first) and recent (last 60 days), with
    their type and area (what the list shows; not the unit)."""
    now = now or timezone.now()
    public = _public(area).select_related("type", "area")
    upcoming = list(
        public.filter(planned_end__gte=now)
        .exclude(status=DialogueStatus.HELD)
        .order_by("planned_start")[:100]
    )
    recent: list[Dialogue] = list(
        public.filter(
            status=DialogueStatus.HELD, planned_start__gte=now - timedelta(days=PUBLIC_RECENT_DAYS)
        ).order_by("-planned_start")[:100]
    )
    return upcoming, recent


def dialogues_public_version() -> str:
    """Changes when a dialogue is planned, recorded or changed through the services,
    each of which sets its ``updated_at``: the newest id and the newest ``updated_at``.
    Public pages built from the dialogues may be kept under it a short while (edits
    outside the services, deletions and changes to areas, units or types do not
    change it). One statement, no ORM compilation: it is read on every request to
    a kept page; both maxima come from an index."""
    table = connection.ops.quote_name(Dialogue._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {table}), (SELECT MAX(updated_at) FROM {table})"  # noqa: S608 (a table name)
        )
        newest_id, newest_change = cursor.fetchone()
    return f"{newest_id or 0}.{newest_change or ''}"


def dialogue_public_version(*, pk: int) -> str | None:
    """Changes when the announced dialogue ``pk`` or its officials change through the
    services (officials are added and removed without touching the dialogue, so their
    number and newest id count too); ``None`` when no announced dialogue has that id.
    Primary-key and foreign-key look-ups only."""
    dialogues = connection.ops.quote_name(Dialogue._meta.db_table)
    officials = connection.ops.quote_name(DialogueOfficial._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT updated_at, (SELECT COUNT(*) FROM {officials} WHERE dialogue_id = %s), "  # noqa: S608 (table names)
            f"(SELECT MAX(id) FROM {officials} WHERE dialogue_id = %s) "
            f"FROM {dialogues} WHERE id = %s AND is_public",
            [pk, pk, pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return "{}.{}.{}".format(*row)


def dialogue_public_get(*, pk: int) -> Dialogue:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Dialogue.objects.filter(is_public=True)
        .select_related("type", "area", "area__village", "area__district", "unit")
        .prefetch_related("topics__topic", "officials"),
        pk=pk,
    )


def follow_ups_overdue(*, user: Any, today: date | None = None) -> QuerySet[FollowUp]:
    """Open follow-ups past their due date that the user may see (the commander's list)."""
    today = today or local_today(user.unit.area if getattr(user, "unit", None) else None)
    return (
        visible_to(FollowUp.objects.all(), user)
        .filter(status=FollowUpStatus.OPEN, due_date__lt=today)
        .select_related("dialogue", "owner")
        .order_by("due_date", "id")
    )


def follow_ups_of(*, user: Any) -> QuerySet[FollowUp]:
    """The user's own open follow-ups, soonest due first (the host's list)."""
    return (
        visible_to(FollowUp.objects.filter(owner=user, status=FollowUpStatus.OPEN), user)
        .select_related("dialogue")
        .order_by("due_date", "id")
    )


def dialogue_upcoming(*, user: Any, days: int = 14, limit: int = 10) -> list[Dialogue]:
    """The next planned dialogues the user may see (the staff home)."""
    now = timezone.now()
    return list(
        visible_to(Dialogue.objects.all(), user)
        .filter(
            status=DialogueStatus.PLANNED,
            planned_start__gte=now,
            planned_start__lte=now + timedelta(days=days),
        )
        .select_related("type", "area", "unit")
        .order_by("planned_start")[:limit]
    )


# Public pages of dialogues (/events/, the iCalendar feed, QR check-in) --------------

PUBLIC_CALENDAR_PAST_DAYS = 180
PUBLIC_CALENDAR_LIMIT = 300


def dialogue_public_calendar(
    *, now: datetime | None = None, area: Area | None = None
) -> list[Dialogue]:
    """Announced dialogues for the iCalendar feed, in time order.

    Every status, so a subscribed calendar learns of cancellations; the coming ones
    (soonest first) and those of the last ``PUBLIC_CALENDAR_PAST_DAYS`` days (newest
    first), at most ``PUBLIC_CALENDAR_LIMIT`` of each, so the feed stays small.
    """
    now = now or timezone.now()
    public = _public(area).select_related("type", "area", "unit").prefetch_related("topics__topic")
    coming = list(
        public.filter(planned_start__gte=now).order_by("planned_start", "id")[
            :PUBLIC_CALENDAR_LIMIT
        ]
    )
    past = list(
        public.filter(
            planned_start__lt=now,
            planned_start__gte=now - timedelta(days=PUBLIC_CALENDAR_PAST_DAYS),
        ).order_by("-planned_start", "-id")[:PUBLIC_CALENDAR_LIMIT]
    )
    return [*reversed(past), *coming]


@dataclass(frozen=True)
class PublicPlace:
    """Where a dialogue happens, named as a notice would: from the RT up to the city."""

    neighbourhood: str  # "RT 001/RW 024", "RW 024" or ""
    village: str
    district: str
    regency: str

    @property
    def short(self) -> str:
        """The neighbourhood, village and district: enough within one city."""
        return ", ".join(part for part in (self.neighbourhood, self.village, self.district) if part)

    def __str__(self) -> str:
        return ", ".join(
            part for part in (self.neighbourhood, self.village, self.district, self.regency) if part
        )


def dialogue_public_places(dialogues: list[Dialogue]) -> dict[int, PublicPlace]:
    """The ``PublicPlace`` of each dialogue's area, keyed by area id, in one query.

    Names are written in the active language ("Kelurahan Kayuringin Jaya").
    """
    from kamtibmas.areas.models import Area, AreaLevel

    areas = {dialogue.area_id: dialogue.area for dialogue in dialogues}
    chains = {
        area.pk: {
            AreaLevel.REGENCY: area.regency_id,
            AreaLevel.DISTRICT: area.district_id,
            AreaLevel.VILLAGE: area.village_id,
            AreaLevel.RW: area.rw_id,
        }
        for area in areas.values()
    }
    wanted = {pk for chain in chains.values() for pk in chain.values() if pk is not None}
    by_id = Area.objects.in_bulk(wanted - set(areas))
    by_id.update(areas)

    places = {}
    for area in areas.values():
        found = {level: by_id.get(pk) for level, pk in chains[area.pk].items() if pk}
        found[AreaLevel(area.level)] = area

        def label(level: AreaLevel, found: dict[AreaLevel, Area | None] = found) -> str:
            named = found.get(level)
            return str(named) if named else ""

        neighbourhood = [found.get(AreaLevel.RT), found.get(AreaLevel.RW)]
        places[area.pk] = PublicPlace(
            neighbourhood="/".join(named.name for named in neighbourhood if named),
            village=label(AreaLevel.VILLAGE),
            district=label(AreaLevel.DISTRICT),
            regency=label(AreaLevel.REGENCY),
        )
    return places


def dialogue_get_for_change(*, user: Any, pk: int) -> Dialogue:
    """A dialogue the user may change: their units organise it (or a unit below them).

    Seeing a dialogue is not enough to change it: a Polsek sees a Polres dialogue
    held in its area, but only the Polres (or the Polda above it) may record, edit or
    cancel it. Outside the scope: 404; visible but organised elsewhere: 403.
    """
    from django.core.exceptions import PermissionDenied

    from kamtibmas.core.scope import scope_for

    dialogue = get_visible_or_404(
        Dialogue.objects.select_related("type", "area", "area__village", "unit", "host"),
        user,
        pk=pk,
    )
    scope = scope_for(user)
    if not scope.everything and dialogue.unit_id not in scope.unit_ids:
        raise PermissionDenied(
            _("Only the organising unit, or a unit above it, may change this dialogue.")
        )
    return dialogue


def follow_up_check_change(*, user: Any, follow_up: FollowUp) -> None:
    """Its owner, or the units organising its dialogue, may close a follow-up (the
    caller has already fetched it through a scoped read)."""
    from django.core.exceptions import PermissionDenied

    from kamtibmas.core.scope import scope_for

    scope = scope_for(user)
    if follow_up.owner_id == getattr(user, "pk", None) or scope.everything:
        return
    if follow_up.dialogue.unit_id not in scope.unit_ids:
        raise PermissionDenied(_("Only its owner or the organising unit may close this follow-up."))


def dialogue_audit_read(*, user: Any, dialogue: Dialogue, reason: str) -> None:
    """Record that ``user`` was shown the parts of ``dialogue`` that may name people:
    the sign-in list, the minutes, answers on the spot, officials' names.

    Call after ``dialogue_get`` (its prefetches make this query-free).
    """
    from kamtibmas.privacy.models import AuditAction
    from kamtibmas.privacy.services import audit_record

    fields = []
    if list(dialogue.attendees.all()):
        fields.append("attendee.name")
    if dialogue.minutes:
        fields.append("minutes")
    if list(dialogue.answers.all()):
        fields.append("answers")
    if any(official.name for official in dialogue.officials.all()):
        fields.append("official.name")
    if fields:
        audit_record(
            actor=user, action=AuditAction.READ, subject=dialogue, reason=reason, fields=fields
        )
