"""Reads of the area safety picture: the inputs of the vulnerability index gathered
for every RW and kelurahan of a unit, in a fixed number of queries (each input is
one ``GROUP BY`` in the database), then handed to the pure ``safety.index``.

Scope: only what the actor may see (``core.scope.visible_to``), and only inside the
unit's coverage; a unit the actor cannot see, or an area outside the unit, is
``PermissionDenied`` with a message. Personal data is never decrypted: households
are counted, and "has vulnerability notes" is ``vulnerability IS NOT NULL``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, Count, F, Max, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import Role, User
from kamtibmas.aid.models import Household
from kamtibmas.areas.models import Area, AreaLevel, Unit, within_q
from kamtibmas.aspirations.lifecycle import OPEN_STATES
from kamtibmas.aspirations.models import Aspiration, Status
from kamtibmas.aspirations.selectors import overdue_q
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueStatus,
    FindingResult,
    InspectionFinding,
    InspectionItem,
)
from kamtibmas.safety.index import (
    DEFAULT_WEIGHTS,
    AreaIndex,
    AreaInputs,
    CaseGroup,
    Component,
    OpenGroup,
    Weights,
    inputs_merge,
)
from kamtibmas.safety.index import (
    area_index as index_of,
)
from kamtibmas.safety.models import SafetyWeights
from kamtibmas.safety.recommend import (
    DIALOGUES_PER_OFFICER_PER_WEEK,
    Candidate,
    Recommendation,
    capacity_of,
    recommend,
)

#: The longest period the picture is computed for.
PERIOD_MAX_DAYS = 3 * 366
#: Cases that are not a problem of the area: merged duplicates and rejected ones.
NOT_A_PROBLEM = (Status.DUPLICATE, Status.REJECTED)
DAY = 86_400.0


@dataclass(frozen=True)
class AreaScore:
    area: Area
    kelurahan: Area
    inputs: AreaInputs
    index: AreaIndex

    @property
    def is_rw(self) -> bool:
        return self.area.level == AreaLevel.RW


@dataclass(frozen=True)
class SafetyPicture:
    unit: Unit
    period_start: date
    period_end: date
    weights: Weights
    #: Highest index first.
    rws: list[AreaScore]
    kelurahan: list[AreaScore]


def safety_weights_for(unit: Unit) -> Weights:
    """The unit's own weights, else the nearest unit's above it, else the defaults."""
    ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk] or [unit.pk]
    rows = {row.unit_id: row for row in SafetyWeights.objects.filter(unit_id__in=ids)}
    for pk in reversed(ids):
        if pk in rows:
            return rows[pk].as_weights()
    return DEFAULT_WEIGHTS


def period_check(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise ValidationError(
            {"period_end": _("The end of the period comes before its start.")},
            code="period_reversed",
        )
    if (period_end - period_start).days > PERIOD_MAX_DAYS:
        raise ValidationError(
            {"period_start": _("Choose a period of at most three years.")}, code="period_long"
        )


def unit_region(*, actor: Any, unit: Unit, within: Area | None = None) -> list[Area]:
    """The areas whose RWs and kelurahan the picture covers: the unit's coverage,
    or ``within`` when it lies inside it."""
    if not visible_to(Unit.objects.filter(pk=unit.pk), actor).exists():
        raise PermissionDenied(_("You cannot see the areas of %(unit)s.") % {"unit": unit})
    coverage = list(unit.coverage.all())
    if within is None:
        return coverage
    if not Area.objects.filter(within_q(coverage), pk=within.pk).exists():
        raise PermissionDenied(
            _("%(area)s lies outside the areas of %(unit)s.") % {"area": within, "unit": unit}
        )
    return [within]


def _keys(path: str) -> tuple[Case, Case]:
    """The kelurahan (``v``) and RW (``r``) of the record's area, whatever its depth;
    ``r`` is NULL for records placed at the kelurahan itself."""
    village = Case(
        When(**{f"{path}__level": AreaLevel.VILLAGE}, then=F(f"{path}_id")),
        default=F(f"{path}__village_id"),
    )
    rw = Case(
        When(**{f"{path}__level": AreaLevel.RW}, then=F(f"{path}_id")),
        When(**{f"{path}__level": AreaLevel.RT}, then=F(f"{path}__rw_id")),
        default=Value(None),
        output_field=models.BigIntegerField(),
    )
    return village, rw


@dataclass
class _Builder:
    received: list[CaseGroup] = field(default_factory=list)
    unresolved: list[OpenGroup] = field(default_factory=list)
    problem_items: set[int] = field(default_factory=set)
    households: int = 0
    vulnerable: int = 0
    last_dialogue: datetime | None = None

    def inputs(self, *, checklist_size: int, reference: datetime) -> AreaInputs:
        days = None
        if self.last_dialogue is not None:
            days = max(0.0, (reference - self.last_dialogue).total_seconds() / DAY)
        return AreaInputs(
            received=tuple(self.received),
            unresolved=tuple(self.unresolved),
            problem_items=frozenset(self.problem_items),
            checklist_size=checklist_size,
            households=self.households,
            vulnerable_households=self.vulnerable,
            days_since_dialogue=days,
        )


def period_bounds(unit: Unit, period_start: date, period_end: date) -> tuple[datetime, datetime]:
    """The period as [first instant, first instant after) in the unit's zone."""
    zone = ZoneInfo(resolve_zone(unit.area).value)
    start = datetime.combine(period_start, time.min, tzinfo=zone)
    end = datetime.combine(period_end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _open_at(reference: datetime, *, now: datetime) -> Q:
    """Cases open at ``reference``: by their status when that is now (within a
    minute), else as the record tells it: received before and neither resolved nor
    closed by then (a case reopened after "not fixed" counts as open only from its
    reopening on: its earlier resolution time is not kept)."""
    if reference >= now - timedelta(minutes=1):
        return Q(status__in=[state.value for state in OPEN_STATES])
    return (
        Q(received_at__lt=reference)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=reference))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=reference))
    )


def _overdue_at(reference: datetime, *, now: datetime) -> Q:
    """Open cases past their deadlines at ``reference`` (in the past: the resolve
    deadline only; the status deadlines need the history of statuses)."""
    if reference >= now - timedelta(minutes=1):
        return overdue_q(reference)
    return _open_at(reference, now=now) & Q(resolve_by__lt=reference)


def _collect(
    *,
    actor: Any,
    region: list[Area],
    start: datetime,
    end: datetime,
    reference: datetime,
    now: datetime,
) -> dict[tuple[int, int | None], _Builder]:
    """Five grouped queries, one per kind of input, into one builder per (kelurahan,
    RW or None)."""
    builders: dict[tuple[int, int | None], _Builder] = defaultdict(_Builder)
    cases = (
        visible_to(Aspiration.objects.all(), actor)
        .filter(within_q(region, prefix="area__"))
        .exclude(status__in=NOT_A_PROBLEM)
        .annotate(v=_keys("area")[0], r=_keys("area")[1])
    )
    received = (
        cases.filter(received_at__gte=start, received_at__lt=end)
        .annotate(day=TruncDate("received_at", tzinfo=UTC))
        .values("v", "r", "category", "urgency", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in received:
        noon = datetime.combine(row["day"], time(12), tzinfo=UTC)
        builders[(row["v"], row["r"])].received.append(
            CaseGroup(
                category=row["category"],
                urgency=row["urgency"],
                age_days=(reference - noon).total_seconds() / DAY,
                count=row["n"],
            )
        )
    unresolved = (
        cases.filter(_open_at(reference, now=now), received_at__lt=end)
        .values("v", "r", "category", "urgency")
        .annotate(n=Count("pk"), late=Count("pk", filter=_overdue_at(reference, now=now)))
        .order_by()
    )
    for row in unresolved:
        builders[(row["v"], row["r"])].unresolved.append(
            OpenGroup(
                category=row["category"], urgency=row["urgency"], open=row["n"], overdue=row["late"]
            )
        )
    finding_keys = _keys("inspection__dialogue__area")
    findings = (
        visible_to(InspectionFinding.objects.all(), actor)
        .filter(
            within_q(region, prefix="inspection__dialogue__area__"),
            result=FindingResult.PROBLEM,
            inspection__inspected_at__gte=start,
            inspection__inspected_at__lt=end,
        )
        .annotate(v=finding_keys[0], r=finding_keys[1])
        .values("v", "r", "item_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in findings:
        builders[(row["v"], row["r"])].problem_items.add(row["item_id"])
    households = (
        visible_to(Household.objects.all(), actor)
        .filter(within_q(region, prefix="area__"))
        .annotate(v=_keys("area")[0], r=_keys("area")[1])
        .values("v", "r")
        .annotate(n=Count("pk"), vulnerable=Count("pk", filter=Q(vulnerability__isnull=False)))
        .order_by()
    )
    for row in households:
        builder = builders[(row["v"], row["r"])]
        builder.households, builder.vulnerable = row["n"], row["vulnerable"]
    dialogues = (
        visible_to(Dialogue.objects.all(), actor)
        .filter(within_q(region, prefix="area__"), status=DialogueStatus.HELD)
        .annotate(
            at=Coalesce("actual_start", "planned_start"), v=_keys("area")[0], r=_keys("area")[1]
        )
        .filter(at__lt=end)
        .values("v", "r")
        .annotate(last=Max("at"))
        .order_by()
    )
    for row in dialogues:
        builders[(row["v"], row["r"])].last_dialogue = row["last"]
    return builders


def area_index(
    *,
    actor: Any,
    unit: Unit,
    period_start: date,
    period_end: date,
    within: Area | None = None,
    now: datetime | None = None,
) -> SafetyPicture:
    """The index of every RW and kelurahan in the unit's coverage (or ``within``) for
    the period, highest first. A fixed number of queries, whatever the data size.

    Raises ``ValidationError`` for a reversed or too long period, ``PermissionDenied``
    for a unit the actor cannot see or an area outside the unit.
    """
    period_check(period_start, period_end)
    region = unit_region(actor=actor, unit=unit, within=within)
    weights = safety_weights_for(unit)
    start, end = period_bounds(unit, period_start, period_end)
    now = now or timezone.now()
    reference = min(end, now)
    if not region:
        return SafetyPicture(unit, period_start, period_end, weights, [], [])
    extra_villages = [a.village_id for a in region if a.village_id is not None]
    areas = list(
        Area.objects.filter(
            (within_q(region) & Q(level__in=[AreaLevel.VILLAGE, AreaLevel.RW]))
            | Q(pk__in=extra_villages, level=AreaLevel.VILLAGE)
        )
    )
    villages = {a.pk: a for a in areas if a.level == AreaLevel.VILLAGE}
    rws = [a for a in areas if a.level == AreaLevel.RW and a.village_id in villages]
    checklist_size = InspectionItem.objects.filter(is_active=True).count()
    builders = _collect(
        actor=actor, region=region, start=start, end=end, reference=reference, now=now
    )

    def inputs(key: tuple[int, int | None]) -> AreaInputs:
        builder = builders.get(key) or _Builder()
        return builder.inputs(checklist_size=checklist_size, reference=reference)

    per_village: dict[int, list[AreaInputs]] = defaultdict(list)
    for key in builders:
        per_village[key[0]].append(inputs(key))
    rw_scores = []
    for rw in rws:
        assert rw.village_id is not None
        rw_inputs = inputs((rw.village_id, rw.pk))
        rw_scores.append(
            AreaScore(rw, villages[rw.village_id], rw_inputs, index_of(rw_inputs, weights))
        )
    village_scores = []
    if within is None or within.level <= AreaLevel.VILLAGE:
        for village in villages.values():
            merged = inputs_merge(per_village.get(village.pk) or [inputs((village.pk, None))])
            village_scores.append(AreaScore(village, village, merged, index_of(merged, weights)))

    def rank(score: AreaScore) -> tuple[float, str]:
        return (-score.index.value, score.area.code)

    return SafetyPicture(
        unit=unit,
        period_start=period_start,
        period_end=period_end,
        weights=weights,
        rws=sorted(rw_scores, key=rank),
        kelurahan=sorted(village_scores, key=rank),
    )


def community_officer_count(unit: Unit) -> int:
    """Active community officers of the unit and the units below it."""
    return User.objects.filter(
        role=Role.COMMUNITY_OFFICER, is_active=True, unit__path__startswith=unit.path
    ).count()


@dataclass(frozen=True)
class Planning:
    picture: SafetyPicture
    officers: int
    per_officer_per_week: int
    capacity: int
    #: (area's score, recommendation), highest priority first.
    items: list[tuple[AreaScore, Recommendation]]


def candidate_of(score: AreaScore) -> Candidate:
    counts = {part.component: part.counts for part in score.index.parts}
    return Candidate(
        key=score.area.pk,
        index=score.index.value,
        days_since_dialogue=score.inputs.days_since_dialogue,
        open=int(counts[Component.UNRESOLVED]["open"]),
        overdue=int(counts[Component.OVERDUE]["overdue"]),
        cases=int(counts[Component.RECENT]["cases"]),
        repeats=int(counts[Component.REPEAT]["repeats"]),
        problems=int(counts[Component.INSPECTION]["problems"]),
        vulnerable=int(counts[Component.AID]["vulnerable"]),
    )


def dialogue_recommendations(
    *,
    actor: Any,
    unit: Unit,
    period_start: date,
    period_end: date,
    per_officer_per_week: int = DIALOGUES_PER_OFFICER_PER_WEEK,
    now: datetime | None = None,
) -> Planning:
    """Where the unit's next week of dialogues should be: the RWs of the picture
    (the kelurahan when no RW is registered) through ``recommend.recommend``."""
    picture = area_index(
        actor=actor, unit=unit, period_start=period_start, period_end=period_end, now=now
    )
    scores = picture.rws or picture.kelurahan
    officers = community_officer_count(unit)
    by_key = {score.area.pk: score for score in scores}
    chosen = recommend(
        [candidate_of(score) for score in scores],
        officers=officers,
        per_officer_per_week=per_officer_per_week,
    )
    return Planning(
        picture=picture,
        officers=officers,
        per_officer_per_week=per_officer_per_week,
        capacity=capacity_of(officers=officers, per_officer_per_week=per_officer_per_week),
        items=[(by_key[r.key], r) for r in chosen],
    )
