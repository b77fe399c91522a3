"""How an area's safety picture moved (issue 9 point 3): the index month by month, and
what the cases of an area did around the dialogues held there.

``area_trend``: the index of one RW or kelurahan at the end of each of the last
months, each computed as the picture is (``selectors.area_index``) over the window of
days before that month's end, with the cases' state as it was then (open, overdue).

``dialogue_effects``: for every dialogue held in the unit's areas in the period, the
aspirations received in its RW (or kelurahan) in the ``window`` days before and after
it, against the same count, over the same days, in the unit's areas without a dialogue
then. The method is stated with the figures (``docs/vulnerability-index.md``): it is
an observational before/after comparison, not proof that a dialogue caused a change.
Areas are chosen for a dialogue because they had problems, so their counts tend to
fall back anyway (regression to the mean), and a dialogue may also raise the count,
because residents learn where to report. Few cases per area make single results noise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import mean
from typing import Any

from django.db.models import Count
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from kamtibmas.areas.models import Area, AreaLevel, Unit, within_q
from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.safety.index import AreaIndex
from kamtibmas.safety.selectors import (
    NOT_A_PROBLEM,
    _keys,
    area_index,
    period_check,
    unit_region,
)

#: Months shown by default, and the days of cases each month's index looks at.
TREND_MONTHS = 12
TREND_WINDOW_DAYS = 90
#: Days before and after a dialogue whose cases are compared.
EFFECT_WINDOW_DAYS = 60


@dataclass(frozen=True)
class TrendPoint:
    month_end: date
    index: AreaIndex


def month_ends(today: date, months: int) -> list[date]:
    """The last day of each of the ``months`` months up to today's (today itself for
    the running month), oldest first."""
    ends = [today]
    first = today.replace(day=1)
    for _ in range(months - 1):
        ends.append(first - timedelta(days=1))
        first = ends[-1].replace(day=1)
    return list(reversed(ends))


def area_trend(
    *,
    actor: Any,
    unit: Unit,
    area: Area,
    months: int = TREND_MONTHS,
    window_days: int = TREND_WINDOW_DAYS,
    now: datetime | None = None,
) -> list[TrendPoint]:
    """The index of ``area`` (an RW or kelurahan of the unit) at each month's end.
    ``PermissionDenied`` for an area outside the unit."""
    now = now or timezone.now()
    points = []
    for end in month_ends(local_today(unit.area), months):
        picture = area_index(
            actor=actor,
            unit=unit,
            period_start=end - timedelta(days=window_days - 1),
            period_end=end,
            within=area,
            now=min(now, datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)),
        )
        score = next((s for s in [*picture.rws, *picture.kelurahan] if s.area.pk == area.pk), None)
        if score is not None:
            points.append(TrendPoint(month_end=end, index=score.index))
    return points


@dataclass(frozen=True)
class DialogueEffect:
    dialogue: Dialogue
    area: Area
    before: int
    after: int
    #: The mean counts, over the same days, of the unit's areas without a dialogue.
    others_before: float
    others_after: float

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def others_change(self) -> float:
        return self.others_after - self.others_before


@dataclass(frozen=True)
class EffectSummary:
    effects: list[DialogueEffect]
    window_days: int
    #: Mean change in the dialogue areas, in the other areas, and their difference.
    mean_change: float | None
    others_mean_change: float | None

    @property
    def difference(self) -> float | None:
        if self.mean_change is None or self.others_mean_change is None:
            return None
        return self.mean_change - self.others_mean_change


def _area_of(key_village: int, key_rw: int | None) -> int:
    return key_rw if key_rw is not None else key_village


def _window_count(days: dict[date, int], start: date, end: date) -> int:
    """Cases received on the days in [start, end)."""
    return sum(count for day, count in days.items() if start <= day < end)


def dialogue_effects(
    *,
    actor: Any,
    unit: Unit,
    period_start: date,
    period_end: date,
    window_days: int = EFFECT_WINDOW_DAYS,
) -> EffectSummary:
    """Before and after every dialogue held in the unit's areas in the period (only
    those whose "after" window has ended). Three queries, whatever the data size."""
    period_check(period_start, period_end)
    region = unit_region(actor=actor, unit=unit)
    window = timedelta(days=window_days)
    today = local_today(unit.area)
    dialogues = list(
        visible_to(Dialogue.objects.all(), actor)
        .filter(within_q(region, prefix="area__"), status=DialogueStatus.HELD)
        .annotate(at=Coalesce("actual_start", "planned_start"))
        .filter(at__date__gte=period_start, at__date__lte=period_end)
        .select_related("area")
        .order_by("at")
    )
    dialogues = [d for d in dialogues if d.at.date() + window <= today]
    if not dialogues:
        return EffectSummary([], window_days, None, None)
    first = min(d.at.date() for d in dialogues) - window
    last = max(d.at.date() for d in dialogues) + window
    keys = _keys("area")
    rows = (
        visible_to(Aspiration.objects.all(), actor)
        .filter(within_q(region, prefix="area__"))
        .exclude(status__in=NOT_A_PROBLEM)
        .filter(received_at__date__gte=first, received_at__date__lt=last)
        .annotate(v=keys[0], r=keys[1], day=TruncDate("received_at", tzinfo=UTC))
        .values("v", "r", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_area: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        area_id = _area_of(row["v"], row["r"])
        per_area[area_id][row["day"]] = per_area[area_id].get(row["day"], 0) + row["n"]
    places = list(
        Area.objects.filter(within_q(region), level__in=[AreaLevel.VILLAGE, AreaLevel.RW])
    )
    visited: dict[int, list[date]] = defaultdict(list)
    for dialogue in dialogues:
        visited[_dialogue_area(dialogue).pk].append(dialogue.at.date())
    effects = []
    for dialogue in dialogues:
        day = dialogue.at.date()
        area = _dialogue_area(dialogue)
        quiet = [
            place.pk
            for place in places
            if place.level == area.level
            and not any(abs((d - day).days) <= window_days for d in visited.get(place.pk, []))
        ]
        others = [per_area.get(pk, {}) for pk in quiet]
        effects.append(
            DialogueEffect(
                dialogue=dialogue,
                area=area,
                before=_window_count(per_area.get(area.pk, {}), day - window, day),
                after=_window_count(per_area.get(area.pk, {}), day, day + window),
                others_before=_mean_count(others, day - window, day),
                others_after=_mean_count(others, day, day + window),
            )
        )
    return EffectSummary(
        effects=effects,
        window_days=window_days,
        mean_change=mean(e.change for e in effects),
        others_mean_change=mean(e.others_change for e in effects),
    )


def _dialogue_area(dialogue: Dialogue) -> Area:
    """The RW of the dialogue, or its kelurahan when it was held for the kelurahan (an
    RT's dialogue counts for its RW)."""
    area = dialogue.area
    if area.level == AreaLevel.RT and area.rw is not None:
        return area.rw
    return area


def _mean_count(areas: Iterable[dict[date, int]], start: date, end: date) -> float:
    counts = [_window_count(days, start, end) for days in areas]
    return mean(counts) if counts else 0.0
