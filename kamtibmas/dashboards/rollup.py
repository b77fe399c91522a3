"""The roll-up of received cases behind the unit dashboard (PRODUCT.md §9 P4).

A dashboard's largest question is "the cases received in each period, by category,
urgency and status now, per child area": hundreds of thousands of cases for a Polres
over a quarter and the quarter before. ``CaseDayCount`` holds those counts per local
day and area at two grains (kelurahan; RW), so the dashboard sums a few thousand rows
whatever the number of cases (days × areas, not cases).

What can be rolled up, and what cannot:

* **Received, by category, urgency and status now, per area**: yes, per day of
  receipt (which never changes for a case), *provided a row is counted again whenever
  one of its cases changes*. A
  case received in January and resolved in March moves from "in progress" to
  "resolved" in January's row: the figure is "their status now", not the status at
  the end of the day. Every change of a case goes through ``aspirations.services``,
  which writes a history entry (``AspirationUpdate``) with it; new cases and history
  entries get increasing ids. So the refresh records the highest ids it has seen, and
  a reader treats as *changed* every case whose id, or one of whose history entries'
  id, lies above the marks of the refresh before the last one (a transaction shorter
  than the refresh's period has committed by then, whatever order ids were taken in).
  The rows holding a changed case (its day of receipt, and the day of its "not fixed"
  answers, in its RW) are read live from the cases; at kelurahan grain the changed
  kelurahan's row of that day is replaced by its RW rows less the changed ones
  (``CellPlan``), so only the changed RWs' cases of that day are read. Today is rolled
  up too, as far as the last refresh counted it: a case received since is a new case
  (an id above the marks), so only the cells holding today's newest cases are read
  live, not the whole day (thousands of cases for a Polres). The days from
  ``through`` on (tomorrow in WIB; a WITA or WIT day that has begun before WIB's) are
  read live; the rest from the roll-up. Time stamps cannot serve as marks: an
  anonymous case's are coarsened to its day's start.
* **Days to resolve (median, 90th percentile), SLA compliance**: not rolled up.
  Quantiles do not add up across days and areas, and a resolution can be undone (a
  "not fixed" answer reopens the case and clears ``resolved_at``). They are computed
  live from the cases resolved in the period; on PostgreSQL in SQL
  (``percentile_cont``, the same linear interpolation as ``stats.quantile`` on the same
  float8 values) through a partial covering index of resolved cases
  (``asp_resolved_time``), so their cost grows with the cases resolved in the periods.
* **Reopened after "not fixed"**: yes, per day of the answer (given once, never
  changed), in the same rows (``not_fixed``); an answer is a change of its case (the
  service writes a history entry), so its row is read live until counted again. The
  live part goes through a partial index of those answers (``survey_not_fixed``).
* Dialogues, attendance, survey scores, topics, certificates, aid and follow-ups:
  live; those tables hold thousands of rows, not millions.

When the roll-up is used (``rollup_usable``): ``KAMTIBMAS_DASHBOARD_ROLLUP`` is on, a
refresh has run, every area of the dashboard lies in the unit's time zone (rows are
days in the area's own zone; the areas below an area share its zone, as Indonesia's
zones follow provinces), and the actor sees everything in those areas (else
``visible_to`` would narrow cases individually). Otherwise everything is live. The
result is the same either way (``tests/test_rollup.py`` compares them).

The refresh (``cases_rollup_refresh``) runs every five minutes in the worker
(``settings.KAMTIBMAS_PERIODIC_JOBS``): it counts again the days of the cases changed
since its marks, and the days completed since its last run; the first run (or
``kamtibmas dashboards_rollup --rebuild``) counts every day. A case deleted outside
the services (they never delete one) is not noticed until a rebuild.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, Max, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from kamtibmas.areas.models import Area, AreaLevel, TimeZone, within_q
from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Survey
from kamtibmas.core.bulk import rows_insert
from kamtibmas.core.scope import scope_for
from kamtibmas.dashboards.models import (
    COUNT_COLUMNS,
    DIMENSIONS,
    CaseDayCount,
    RollupState,
    count_column,
)

STATE = "cases"
#: The zone whose local date is the earliest in Indonesia: its today and the days before
#: it have begun in every zone (rows are counted up to it: ``through`` is the day after).
WESTERNMOST = ZoneInfo(TimeZone.WIB.value)
BATCH = 5000
#: A rebuild has no earlier refresh to take its marks from: it takes the highest ids
#: less this many, so that a transaction still open while it counted is caught.
ID_MARGIN = 1000
#: A day whose changes lie in more RW cells than this is read live whole (one range of
#: time, as if not rolled up) rather than cell by cell: after a burst of new cases,
#: composing and reading hundreds of cells costs more than reading the day.
CROWDED_CELLS = 40
_STATE_ATTR = "_kamtibmas_rollup_state"
_MISSING = object()


@dataclass(frozen=True)
class RefreshResult:
    days: int
    rows: int
    rebuilt: bool


@dataclass(frozen=True)
class RollupView:
    """What a reader may take from the roll-up: the rows of days before ``through``
    other than ``live_days``, except the rows (cells) that hold a changed case or
    answer: ``changed`` (local day in the reader's zone, RW-grain area, kelurahan-grain
    area), read live instead."""

    through: date
    live_days: frozenset[date]
    changed: frozenset[tuple[date, int, int]] = frozenset()

    def rolled(self, day: date) -> bool:
        return day < self.through and day not in self.live_days

    def changed_cells(self, *, fine: bool, first: date, last: date) -> dict[date, set[int]]:
        """Day → the areas (of the grain) whose rows of that day hold a change, for
        the rolled days of [first, last]."""
        cells: dict[date, set[int]] = defaultdict(set)
        for day, fine_area, coarse_area in self.changed:
            if first <= day <= last and self.rolled(day):
                cells[day].add(fine_area if fine else coarse_area)
        return cells


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """``days`` as runs of consecutive days, each (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def on_days(days: Iterable[date], zone: ZoneInfo, field: str = "received_at") -> Q:
    """Records whose ``field`` falls on one of ``days`` (local days in ``zone``)."""
    condition = Q(pk__in=[])
    for first, last in day_ranges(days):
        condition |= Q(
            **{
                f"{field}__gte": _day_start(first, zone),
                f"{field}__lt": _day_start(last + timedelta(days=1), zone),
            }
        )
    return condition


CELL_FIELDS = ["area_id", "area__level", "area__rw_id", "area__village_id"]


def _changed(
    case_mark: int, update_mark: int, *, zone: bool = False, cell: bool = False
) -> models.QuerySet[Any]:
    """The moments that place changes after the marks on days: the receipt of every
    case created, or given a history entry, after the marks, and the "not fixed"
    answers about those cases; with the case's area's zone (``zone``) or the fields
    that place it in the roll-up's rows (``cell``: ``CELL_FIELDS``). One query, a
    ``UNION`` of index range scans (an ``OR`` would scan every case)."""
    touched = AspirationUpdate.objects.filter(pk__gt=update_mark).values("aspiration_id")
    extra = (["area__timezone"] if zone else []) + (CELL_FIELDS if cell else [])
    answers = Survey.objects.filter(fixed=False, answered_at__isnull=False).order_by()
    answer_fields = ["answered_at", *(f"aspiration__{name}" for name in extra)]
    return (
        Aspiration.objects.filter(pk__gt=case_mark)
        .order_by()
        .values_list("received_at", *extra)
        .union(
            Aspiration.objects.filter(pk__in=touched).order_by().values_list("received_at", *extra),
            answers.filter(aspiration_id__gt=case_mark).values_list(*answer_fields),
            answers.filter(aspiration_id__in=touched).values_list(*answer_fields),
        )
    )


def _fine_key(path: str) -> Case:
    """The area at ``path`` at RW grain: an RT's RW; any other area itself."""
    return Case(
        When(**{f"{path}__level": AreaLevel.RT}, then=F(f"{path}__rw_id")),
        default=F(f"{path}_id"),
    )


def _coarse_key(path: str) -> Case:
    """The area at ``path`` at kelurahan grain: an RW's or RT's kelurahan; any other
    area (a kelurahan or above) itself."""
    return Case(
        When(**{f"{path}__level__gte": AreaLevel.RW}, then=F(f"{path}__village_id")),
        default=F(f"{path}_id"),
    )


def cases_rollup_refresh(*, now: datetime | None = None, rebuild: bool = False) -> RefreshResult:
    """Bring ``CaseDayCount`` up to date (the periodic job; see the module docstring)."""
    now = now or timezone.now()
    # Today is counted as far as it has gone; its later cases are read live as changed.
    through = now.astimezone(WESTERNMOST).date() + timedelta(days=1)
    with transaction.atomic():
        state = RollupState.objects.select_for_update().filter(name=STATE).first()
        case_top = Aspiration.objects.aggregate(top=Max("pk"))["top"] or 0
        update_top = AspirationUpdate.objects.aggregate(top=Max("pk"))["top"] or 0
        rebuilt = state is None or rebuild
        by_zone: dict[str, set[date]] = defaultdict(set)
        if rebuilt:
            CaseDayCount.objects.all().delete()
            first = (
                Aspiration.objects.order_by("received_at")
                .values_list("received_at", flat=True)
                .first()
            )
            if first is not None:
                for zone in TimeZone.values:
                    start = first.astimezone(ZoneInfo(zone)).date()
                    by_zone[zone] = {
                        start + timedelta(days=n) for n in range(max(0, (through - start).days))
                    }
        else:
            assert state is not None
            changed = _changed(state.case_mark, state.update_mark, zone=True)
            for received_at, zone in changed:
                by_zone[zone].add(received_at.astimezone(ZoneInfo(zone)).date())
            fresh = [
                state.through + timedelta(days=n) for n in range((through - state.through).days)
            ]
            retry = [date.fromisoformat(day) for day in state.live_days]
            for zone in TimeZone.values:
                by_zone[zone].update(fresh, retry)
        live_days: set[date] = set()
        days = rows = 0
        for zone, wanted in by_zone.items():
            wanted = {day for day in wanted if day < through}
            if wanted:
                written, skipped = _count_days(zone, wanted)
                rows += written
                days += len(wanted)
                live_days |= skipped
        if state is None or rebuilt:
            marks = (max(0, case_top - ID_MARGIN), max(0, update_top - ID_MARGIN))
        else:
            marks = (state.next_case_mark, state.next_update_mark)
        values = {
            "through": through,
            "case_mark": marks[0],
            "update_mark": marks[1],
            "next_case_mark": case_top,
            "next_update_mark": update_top,
            "live_days": sorted(day.isoformat() for day in live_days),
            "refreshed_at": now,
        }
        RollupState.objects.update_or_create(name=STATE, defaults=values)
    return RefreshResult(days=days, rows=rows, rebuilt=rebuilt)


def _count_days(zone: str, days: set[date]) -> tuple[int, set[date]]:
    """Count ``days`` (local in ``zone``) again for the areas of that zone: the rows
    written, and the days left to live reading (a code outside the choices)."""
    tz = ZoneInfo(zone)
    groups = (
        Aspiration.objects.filter(on_days(days, tz), area__timezone=zone)
        .annotate(
            day=TruncDate("received_at", tzinfo=tz),
            fine_key=_fine_key("area"),
            coarse_key=_coarse_key("area"),
        )
        .values("day", "fine_key", "coarse_key", "category", "urgency", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[bool, date, int], dict[str, int]] = {}
    skipped: set[date] = set()
    known = {dimension: set(codes) for dimension, codes in DIMENSIONS.items()}
    for group in groups.iterator(chunk_size=BATCH):
        if any(group[dimension] not in known[dimension] for dimension in DIMENSIONS):
            skipped.add(group["day"])
            continue
        for fine, key in ((True, group["fine_key"]), (False, group["coarse_key"])):
            row = counts.setdefault((fine, group["day"], key), defaultdict(int))
            row["received"] += group["n"]
            for dimension in DIMENSIONS:
                row[count_column(dimension, group[dimension])] += group["n"]
    answers = (
        Survey.objects.filter(
            on_days(days, tz, "answered_at"), fixed=False, aspiration__area__timezone=zone
        )
        .annotate(
            day=TruncDate("answered_at", tzinfo=tz),
            fine_key=_fine_key("aspiration__area"),
            coarse_key=_coarse_key("aspiration__area"),
        )
        .values("day", "fine_key", "coarse_key")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in answers:
        for fine, key in ((True, group["fine_key"]), (False, group["coarse_key"])):
            row = counts.setdefault((fine, group["day"], key), defaultdict(int))
            row["not_fixed"] += group["n"]
    CaseDayCount.objects.filter(day__in=days, area__timezone=zone).delete()
    columns = COUNT_COLUMNS
    adapt = connection.ops.adapt_datefield_value
    rows = [
        (adapt(day), area, fine, *(row.get(column, 0) for column in columns))
        for (fine, day, area), row in counts.items()
        if day not in skipped
    ]
    rows_insert(CaseDayCount._meta.db_table, ["day", "area_id", "fine", *columns], rows)
    return len(rows), skipped


def _state_for(actor: Any) -> RollupState | None:
    """The roll-up's state, read once per user object (per request, as ``scope_for``
    computes the scope): a state older than the rows only makes readers more careful
    (lower marks, an earlier ``through``)."""
    cached = getattr(actor, _STATE_ATTR, _MISSING)
    if cached is not _MISSING:
        return cast("RollupState | None", cached)
    state = RollupState.objects.filter(name=STATE).first()
    if actor is not None:
        setattr(actor, _STATE_ATTR, state)
    return state


def rollup_view(zone: ZoneInfo, actor: Any = None) -> RollupView | None:
    """What readers in ``zone`` may take from the roll-up now; ``None`` before the
    first refresh. A query for the state (once per ``actor`` object), one for the
    changed cases."""
    state = _state_for(actor)
    if state is None:
        return None
    cells = set()
    for moment, area, level, rw, village in _changed(state.case_mark, state.update_mark, cell=True):
        fine = rw if level == AreaLevel.RT else area
        coarse = village if level >= AreaLevel.RW else area
        cells.add((moment.astimezone(zone).date(), fine, coarse))
    per_day = Counter(day for day, _fine, _coarse in cells)
    crowded = {day for day, count in per_day.items() if count > CROWDED_CELLS}
    return RollupView(
        through=state.through,
        live_days=frozenset(date.fromisoformat(day) for day in state.live_days) | crowded,
        changed=frozenset(cell for cell in cells if cell[0] not in crowded),
    )


def in_areas(region: list[Area], path: str) -> Q:
    """Records whose area (at ``path``) lies inside ``region``, as a semi-join on the
    ids of the region's areas (found through their indexed ancestor columns): unlike
    ``within_q`` across the join, PostgreSQL need not hash the whole area table."""
    return Q(**{f"{path}__in": Area.objects.filter(within_q(region)).values("pk")})


@dataclass(frozen=True)
class CellPlan:
    """How a reader treats the rows that hold a change, in a period: the RW-grain cells
    (day → areas) are read live (``cases``, ``answers``: the conditions on the cases and
    on the "not fixed" answers in them); at kelurahan grain, each changed kelurahan's
    row of the day is replaced by its RW rows of that day (``replaced``: day →
    kelurahan-grain areas; ``instead``: day → their RW-grain areas), less the changed
    ones, so that only the changed RWs' cases are read live."""

    live: dict[date, set[int]]
    replaced: dict[date, set[int]]
    instead: dict[date, set[int]]
    cases: Q
    answers: Q


def cell_plan(
    view: RollupView,
    *,
    fine: bool,
    first: date,
    last: date,
    zone: ZoneInfo,
    answers: tuple[str, str],
) -> CellPlan:
    """The ``CellPlan`` of [first, last] (``answers``: the paths from a "not fixed"
    answer to its time and to its case's area). One query for the areas, so that the
    conditions are plain id lists the indexes answer; none without a change."""
    live = view.changed_cells(fine=True, first=first, last=last)
    replaced = {} if fine else view.changed_cells(fine=False, first=first, last=last)
    if not live:
        return CellPlan(live, replaced, {}, Q(pk__in=[]), Q(pk__in=[]))
    cells = set().union(*live.values())
    villages = set().union(*replaced.values()) if replaced else set()
    below: dict[int, list[int]] = defaultdict(list)  # RW-grain area → areas it counts
    rws: dict[int, list[int]] = defaultdict(list)  # kelurahan-grain area → its RW-grain ones
    found = Area.objects.filter(
        Q(pk__in=cells | villages)
        | Q(rw_id__in=cells)
        | Q(village_id__in=villages, level=AreaLevel.RW)
    ).values_list("pk", "level", "rw_id", "village_id")
    for pk, level, rw, village in found:
        if pk in cells:
            below[pk].append(pk)
        elif rw in cells and level == AreaLevel.RT:
            below[rw].append(pk)
        if pk in villages:
            rws[pk].append(pk)
        elif village in villages and level == AreaLevel.RW:
            rws[village].append(pk)
    instead = {day: {rw for v in areas for rw in rws[v]} for day, areas in replaced.items()}
    conditions = []
    for time_field, area_field in (("received_at", "area_id"), answers):
        condition = Q(pk__in=[])
        for day, areas in live.items():
            ids = sorted(pk for bucket in areas for pk in below[bucket])
            condition |= on_days([day], zone, time_field) & Q(**{f"{area_field}__in": ids})
        conditions.append(condition)
    return CellPlan(live, replaced, instead, conditions[0], conditions[1])


def rollup_usable(*, actor: Any, unit_zone: str, region: list[Area]) -> bool:
    """Whether the roll-up may stand in for the cases of ``region`` (module docstring)."""
    if not getattr(settings, "KAMTIBMAS_DASHBOARD_ROLLUP", True):
        return False
    if any(area.timezone != unit_zone or area.level > AreaLevel.RW for area in region):
        return False
    return region_fully_visible(actor, region)


def region_fully_visible(actor: Any, region: list[Area]) -> bool:
    """Whether ``actor`` sees every record placed in ``region`` (its scope's areas hold
    every area of it), so that ``visible_to`` adds nothing to a filter on the region."""
    scope = scope_for(actor)
    if scope.everything:
        return True
    covered = {area.pk for area in scope.areas}
    return bool(covered) and all(
        area.pk in covered or covered.intersection(area.ancestor_ids()) for area in region
    )


def rolled_counts(
    *,
    region: list[Area],
    fine: bool,
    periods: list[tuple[date, date]],
    view: RollupView,
    plan: CellPlan,
) -> models.QuerySet[CaseDayCount, dict[str, Any]]:
    """The roll-up's sums per area and period (``period``: the index in ``periods``, each
    (first day, last day); ``None`` for days in no period) over the rolled days of the
    periods: the rows of the grain
    less the changed cells, and at kelurahan grain the RW rows standing in for the
    changed kelurahan (``CellPlan``, made for days covering every period)."""
    first = min(start for start, _end in periods)
    last = max(end for _start, end in periods)
    grain = Q(fine=fine) & ~Q(day__in=[day for day in view.live_days if first <= day <= last])
    for day, areas in (plan.live if fine else plan.replaced).items():
        grain &= ~Q(day=day, area_id__in=sorted(areas))
    for day, areas in plan.instead.items():
        grain |= Q(fine=True, day=day, area_id__in=sorted(areas - plan.live.get(day, set())))
    whens = [
        When(day__gte=start, day__lte=end, then=Value(index))
        for index, (start, end) in enumerate(periods)
    ]
    columns = COUNT_COLUMNS
    # One range of days (an OR of the periods' ranges would be read through the index of
    # days alone); a day between two periods that do not touch has no period (NULL).
    return (
        CaseDayCount.objects.filter(
            in_areas(region, "area"),
            grain,
            day__gte=first,
            day__lte=min(last, view.through - timedelta(days=1)),
        )
        .annotate(period=Case(*whens, default=Value(None), output_field=models.IntegerField()))
        .values("area_id", "period")
        .annotate(**{f"sum_{column}": models.Sum(column) for column in columns})
        .order_by()
    )
