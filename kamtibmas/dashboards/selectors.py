"""The unit dashboard: what a commander reads about a period, next to the period of the
same length just before it (issue 10 point 1).

Scope: what the actor may see (``core.scope.visible_to``), inside the unit's coverage
(``safety.selectors.unit_region``: ``PermissionDenied`` for a unit the actor cannot
see). Only aggregates leave this module: counts, shares, durations and survey means,
never a person.

Definitions (each period is [first day 00:00, day after the last 00:00) in the unit's
time zone):

* dialogues held: status ``held``, started (actual start, else planned) in the period;
  planned: still ``planned`` with the planned start in the period; attendance: the
  residents, community leaders and children recorded at the dialogues held;
* aspirations received: ``received_at`` in the period, by category, urgency and their
  status now; share resolved: those now ``resolved`` of those received, merged
  duplicates and rejected ones left out;
* days to resolve (median, 90th percentile): cases resolved in the period, from
  ``received_at`` to ``resolved_at``; SLA compliance: of those with a resolution
  deadline, the share resolved by it;
* reopened after "not fixed": reporters' follow-up answers "not fixed" given in the
  period (each reopens its case);
* survey scores: the answers to the surveys of the dialogues held in the period, per
  scale question, with the number of answers and the 95% interval
  (``surveys.services.mean_interval``: no mean below its minimum of answers);
* outreach topics delivered: per topic, the dialogues held in the period at which it
  was delivered (``TopicDelivered``; a topic counts once per dialogue);
* certificates issued: loss-report certificates with ``issued_at`` in the period,
  issued by the unit or a unit below it (later revocation does not uncount them);
  by item type, each certificate counts once under every type of document it
  lists, so the types add up to more than the total when a certificate lists
  several;
* aid handed out versus stock: per item of the aid programs of the unit or a unit
  below it, the quantity handed out in the period (ledger entries "handed out", at
  the moment of their hand-out, else of their recording) and the stock balance at
  the period end (every ledger movement up to then, ``SUM(delta)`` as
  ``aid.services.stock_balances``, over all locations);
* follow-up tasks overdue: the dialogues' follow-ups open at the period end (or now,
  for a period that has not ended) and due before that day; open means created by
  then and either still open or done only later (cancelled ones are left out: the
  record does not say when). Banded by how many days late.

Drill-down by area (``area``: a kecamatan, kelurahan or RW inside the unit's
coverage): every figure narrows to the area and the areas below it, by the record's
place: the dialogue's area, the case's, the follow-up's dialogue's; a certificate's
place of loss (else the reporter's area; neither known: counted only for the whole
unit); an aid hand-out's household. Stock is kept at locations, not in areas, so an
area has no stock figure (``None``). The child areas of the level shown (the
coverage's kecamatan, then kelurahan, then RW) get their received cases, share
resolved and dialogues held from the same grouped queries (``by_child``), so the
number of queries does not depend on the number of children.

A fixed number of queries whatever the data size: five for the unit, the questions,
the topics and the child areas (with an area: one more for its ancestors, one fewer
for an RW, which has no children), nine per period. The days to resolve are
computed in Python from the two timestamps of the cases resolved in the period
(bounded by the period and the unit); on PostgreSQL in SQL (``percentile_cont``, the
same interpolation on the same float8 values), from the index of resolved cases.

Received cases and "not fixed" answers come from the roll-up (``dashboards.rollup``:
what can be rolled up and what cannot, and when it is used) once the worker has built
it: the rolled-up rows of the period, the rest live; the figures are the same. Then
two more queries for the dashboard (the roll-up's state, the changed cases) and two
to three more per period (the rows, the areas they lie in, the areas of changed rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.db.models import Aggregate, Case, Count, F, Func, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.models import StockEntry
from kamtibmas.areas.models import ANCESTOR_FIELD, Area, AreaLevel, Unit, within_q
from kamtibmas.aspirations.models import Aspiration, Status, Survey
from kamtibmas.certificates.catalogue import item_type_choices
from kamtibmas.certificates.models import Certificate
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.dashboards.models import DIMENSIONS, count_column
from kamtibmas.dashboards.rollup import (
    RollupView,
    cell_plan,
    in_areas,
    on_days,
    region_fully_visible,
    rolled_counts,
    rollup_usable,
    rollup_view,
)
from kamtibmas.dashboards.stats import quantile, share
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueStatus,
    FollowUp,
    FollowUpStatus,
    OutreachTopic,
    TopicDelivered,
)
from kamtibmas.safety.selectors import NOT_A_PROBLEM, period_bounds, period_check, unit_region
from kamtibmas.surveys.models import QuestionKind, SurveyQuestion, SurveyResponse
from kamtibmas.surveys.services import mean_interval
from kamtibmas.triage.taxonomy import Category, Urgency

DAY_SECONDS = 86_400.0
#: The levels a dashboard drills down through, top to bottom.
DRILL_LEVELS = (AreaLevel.DISTRICT, AreaLevel.VILLAGE, AreaLevel.RW)
#: Follow-ups overdue, by days late: (key, first day, last day or None).
OVERDUE_BANDS = (("1_7", 1, 7), ("8_30", 8, 30), ("31_plus", 31, None))


@dataclass(frozen=True)
class Score:
    """One survey question's answers in a period; ``mean``, ``low`` and ``high`` are
    ``None`` below the minimum number of answers."""

    count: int
    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class AreaFigures:
    """The key figures of one child area in a period (definitions as ``Figures``)."""

    received: int = 0
    resolved: int = 0
    considered: int = 0
    dialogues_held: int = 0

    @property
    def share_resolved(self) -> float | None:
        return share(self.resolved, self.considered)


@dataclass(frozen=True)
class AidLine:
    """One aid item in a period: handed out in it, and the stock at its end (``None``
    for an area: stock is not kept in areas)."""

    item_id: int
    label: str
    handed_out: int
    stock: int | None


@dataclass(frozen=True)
class Figures:
    period_start: date
    period_end: date
    dialogues_held: int
    dialogues_planned: int
    attendance: int
    received: int
    #: Code → count, every code of the choices present (0 when none).
    by_category: dict[str, int]
    by_urgency: dict[str, int]
    by_status: dict[str, int]
    #: Received in the period and now resolved / received less duplicates and rejected.
    resolved: int
    considered: int
    share_resolved: float | None
    #: Resolved in the period (whenever received).
    resolved_in_period: int
    median_days: float | None
    p90_days: float | None
    sla_measured: int
    sla_met: int
    sla_compliance: float | None
    reopened_not_fixed: int
    #: Question code → its score.
    scores: dict[str, Score]
    #: Topic code → dialogues held in the period at which it was delivered.
    topics: dict[str, int] = field(default_factory=dict)
    certificates_issued: int = 0
    #: Item type code → certificates listing it, every code present (0 when none).
    certificates_by_item: dict[str, int] = field(default_factory=dict)
    #: Aid item id → its line.
    aid: dict[int, AidLine] = field(default_factory=dict)
    #: Follow-ups open at the period end, of which overdue (by band: ``OVERDUE_BANDS``).
    follow_ups_open: int = 0
    follow_ups_overdue: int = 0
    follow_ups_overdue_by_days: dict[str, int] = field(default_factory=dict)
    #: Child area id (``Dashboard.children``) → its figures; ``None``: records placed
    #: at the level shown itself (or above the children), in no child.
    by_child: dict[int | None, AreaFigures] = field(default_factory=dict)


@dataclass(frozen=True)
class Dashboard:
    unit: Unit
    current: Figures
    previous: Figures
    #: The active scale questions, in their order.
    questions: list[SurveyQuestion]
    #: The area shown (``None``: the unit's whole coverage) and the areas above it
    #: inside the coverage, top first (the breadcrumb).
    area: Area | None = None
    ancestors: list[Area] = field(default_factory=list)
    #: The areas one level down, with their figures in ``Figures.by_child``.
    children: list[Area] = field(default_factory=list)
    #: Outreach topics to list: active ones and any delivered in either period.
    topics: list[OutreachTopic] = field(default_factory=list)


def previous_period(period_start: date, period_end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``period_start``."""
    end = period_start - timedelta(days=1)
    return end - (period_end - period_start), end


def _zeroes(choices: Any) -> dict[str, int]:
    return {str(value): 0 for value in choices.values}


def _children(region: list[Area], area: Area | None) -> list[Area]:
    """The areas one level below the level shown: below ``area`` its children (none
    below an RW); for the whole unit, its coverage at kecamatan level or below, and
    the kecamatan of a coverage above that (a city). One query."""
    if area is not None:
        if area.level >= AreaLevel.RW:
            return []
        return list(Area.objects.filter(parent=area).order_by("code"))
    high = [a for a in region if a.level < AreaLevel.DISTRICT]
    low = [a.pk for a in region if AreaLevel.DISTRICT <= a.level <= AreaLevel.RW]
    condition = Q(pk__in=low)
    if high:
        condition |= within_q(high) & Q(level=AreaLevel.DISTRICT)
    return list(Area.objects.filter(condition).order_by("code"))


def _child_key(children: list[Area], path: str) -> Any:
    """The child area (its id) that holds the record whose area is at ``path``; NULL
    when none does. One ``CASE`` on the record's area and its ancestor columns."""
    if not children:
        return Value(None, output_field=models.BigIntegerField())
    by_level: dict[int, list[int]] = defaultdict(list)
    for child in children:
        by_level[child.level].append(child.pk)
    whens = []
    for level, ids in sorted(by_level.items()):
        column = ANCESTOR_FIELD[AreaLevel(level)]
        whens.append(When(**{f"{path}_id__in": ids}, then=F(f"{path}_id")))
        whens.append(When(**{f"{path}__{column}_id__in": ids}, then=F(f"{path}__{column}_id")))
    return Case(*whens, default=Value(None), output_field=models.BigIntegerField())


def _ancestors(region: list[Area], area: Area | None) -> list[Area]:
    """The areas above ``area`` that lie inside the coverage, top first (one query)."""
    if area is None:
        return []
    covered = {a.pk for a in region}
    return [
        above
        for above in area.ancestors()
        if above.level >= AreaLevel.DISTRICT
        and (above.pk in covered or covered.intersection(above.ancestor_ids()))
    ]


@dataclass(frozen=True)
class _Where:
    """What one dashboard counts: the actor, the unit, the areas (the coverage or the
    chosen area), whether an area was chosen, the child areas."""

    actor: Any
    unit: Unit
    region: list[Area]
    narrowed: bool
    children: list[Area]
    questions: list[SurveyQuestion]
    #: The actor sees every record placed in the region: ``visible_to`` is left out
    #: of the case queries (it would add nothing but an ``OR`` on the handling unit).
    fully_visible: bool = False
    #: What may be read from the roll-up (``dashboards.rollup``); ``None``: nothing.
    rollup: RollupView | None = None
    #: Area id → the child area holding it, as found so far (``_children_of``).
    placed: dict[int, int | None] = field(default_factory=dict)

    def visible(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return queryset if self.fully_visible else visible_to(queryset, self.actor)


def _dialogue_figures(where: _Where, start: datetime, end: datetime) -> dict[str, Any]:
    dialogues = visible_to(Dialogue.objects.all(), where.actor).filter(
        in_areas(where.region, "area")
    )
    held = Q(status=DialogueStatus.HELD, at__gte=start, at__lt=end)
    rows = (
        dialogues.annotate(
            at=Coalesce("actual_start", "planned_start"),
            child=_child_key(where.children, "area"),
        )
        .values("child")
        .annotate(
            held=Count("pk", filter=held),
            planned=Count(
                "pk",
                filter=Q(
                    status=DialogueStatus.PLANNED,
                    planned_start__gte=start,
                    planned_start__lt=end,
                ),
            ),
            attendance=Sum(
                F("residents_count") + F("leaders_count") + F("children_count"), filter=held
            ),
        )
        .order_by()
    )
    totals: dict[str, Any] = {"held": 0, "planned": 0, "attendance": 0, "by_child": {}}
    for row in rows:
        totals["held"] += row["held"]
        totals["planned"] += row["planned"]
        totals["attendance"] += row["attendance"] or 0
        totals["by_child"][row["child"]] = row["held"]
    return totals


def _topics(where: _Where, start: datetime, end: datetime) -> dict[str, int]:
    rows = (
        visible_to(TopicDelivered.objects.all(), where.actor)
        .filter(in_areas(where.region, "dialogue__area"), dialogue__status=DialogueStatus.HELD)
        .annotate(at=Coalesce("dialogue__actual_start", "dialogue__planned_start"))
        .filter(at__gte=start, at__lt=end)
        .values("topic__code")
        .annotate(n=Count("dialogue_id", distinct=True))
        .order_by()
    )
    return {row["topic__code"]: row["n"] for row in rows}


def _certificates(where: _Where, start: datetime, end: datetime) -> tuple[int, dict[str, int]]:
    """Certificates issued in the period: the total and per item type, one query."""
    certificates = visible_to(Certificate.objects.all(), where.actor).filter(
        unit__path__startswith=where.unit.path, issued_at__gte=start, issued_at__lt=end
    )
    if where.narrowed:
        certificates = certificates.filter(
            within_q(where.region, prefix="report__lost_area__")
            | (Q(report__lost_area__isnull=True) & within_q(where.region, prefix="report__area__"))
        )
    codes = [code for code, _label in item_type_choices()]
    row = certificates.aggregate(
        total=Count("pk", distinct=True),
        **{
            f"item_{index}": Count("pk", distinct=True, filter=Q(report__items__item_type=code))
            for index, code in enumerate(codes)
        },
    )
    return row["total"], {code: row[f"item_{index}"] for index, code in enumerate(codes)}


def _aid(where: _Where, start: datetime, end: datetime) -> dict[int, AidLine]:
    """Per aid item: handed out in the period and the balance at its end, one query."""
    entries = (
        visible_to(StockEntry.objects.all(), where.actor)
        .filter(program__unit__path__startswith=where.unit.path)
        .annotate(at=Coalesce("handout__handed_at", "created_at"))
        .filter(at__lt=end)
    )
    if where.narrowed:
        entries = entries.filter(
            within_q(where.region, prefix="handout__household__area__"),
            kind=Kind.HANDED_OUT.value,
        )
    rows = (
        entries.values("item_id", "item__name", "item__measure", "item__program__name")
        .annotate(
            handed_out=Sum(
                "quantity", filter=Q(kind=Kind.HANDED_OUT.value, at__gte=start), default=0
            ),
            balance=Sum("delta", default=0),
        )
        .order_by()
    )
    lines = {}
    for row in rows:
        if not row["handed_out"] and (where.narrowed or not row["balance"]):
            continue
        lines[row["item_id"]] = AidLine(
            item_id=row["item_id"],
            label=f"{row['item__name']} ({row['item__measure']}), {row['item__program__name']}",
            handed_out=row["handed_out"],
            stock=None if where.narrowed else row["balance"],
        )
    return lines


def _follow_ups(where: _Where, end: datetime) -> tuple[int, int, dict[str, int]]:
    """Follow-ups open at ``end`` (or now, if earlier), and those overdue by band."""
    reference = min(end, timezone.now())
    day = reference.astimezone(ZoneInfo(resolve_zone(where.unit.area).value)).date()
    bands = {}
    for key, first, last in OVERDUE_BANDS:
        late = Q(due_date__lte=day - timedelta(days=first))
        if last is not None:
            late &= Q(due_date__gte=day - timedelta(days=last))
        bands[key] = Count("pk", filter=late)
    row = (
        visible_to(FollowUp.objects.all(), where.actor)
        .filter(
            in_areas(where.region, "dialogue__area"),
            Q(status=FollowUpStatus.OPEN) | Q(status=FollowUpStatus.DONE, done_at__gte=reference),
            created_at__lt=reference,
        )
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=day)), **bands)
    )
    return row["open"], row["overdue"], {key: row[key] for key, *_ in OVERDUE_BANDS}


class _Received:
    """The cases received in a period: by category, urgency and status, and per child
    area [received, resolved now, considered], from live groups and roll-up sums."""

    def __init__(self) -> None:
        self.by_category = _zeroes(Category)
        self.by_urgency = _zeroes(Urgency)
        self.by_status = _zeroes(Status)
        self.per_child: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add_cases(self, cases: models.QuerySet[Aspiration], where: _Where) -> None:
        groups = (
            cases.annotate(child=_child_key(where.children, "area"))
            .values("child", "category", "urgency", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for group in groups:
            self.add("category", group["category"], group["n"])
            self.add("urgency", group["urgency"], group["n"])
            self.add("status", group["status"], group["n"])
            self.add_child(group["child"], group["n"], group["status"])

    def add(self, dimension: str, code: str, n: int) -> None:
        counts = {
            "category": self.by_category,
            "urgency": self.by_urgency,
            "status": self.by_status,
        }[dimension]
        counts[code] = counts.get(code, 0) + n

    def add_child(self, child: int | None, n: int, status: str) -> None:
        counts = self.per_child[child]
        counts[0] += n
        counts[1] += n if status == Status.RESOLVED else 0
        counts[2] += 0 if status in NOT_A_PROBLEM else n


def _received_rolled(
    counts: _Received,
    where: _Where,
    cases: models.QuerySet[Aspiration],
    period_start: date,
    period_end: date,
) -> tuple[int, Q]:
    """The period's received cases into ``counts``: the rolled-up rows from
    ``CaseDayCount``, the rest live (today, the days not rolled up, the rows that hold
    a changed case); grouped by area without joining the area table, the areas then
    placed in the child areas in Python (``_children_of``). Three queries, and one
    for the areas of the changed rows. Returns the rolled-up "not fixed" answers and
    the condition of the answers to count live."""
    view = where.rollup
    assert view is not None
    zone = ZoneInfo(resolve_zone(where.unit.area).value)
    days = [period_start + timedelta(days=n) for n in range((period_end - period_start).days + 1)]
    live = [day for day in days if not view.rolled(day)]
    fine = any(area.level >= AreaLevel.RW for area in [*where.region, *where.children])
    plan = cell_plan(
        view,
        fine=fine,
        first=period_start,
        last=period_end,
        zone=zone,
        answers=("answered_at", "aspiration__area_id"),
    )
    read_live = on_days(live, zone) | plan.cases
    answered_live = on_days(live, zone, "answered_at") | plan.answers
    groups = []
    if live or plan.live:
        groups = list(
            cases.filter(read_live)
            .values("area_id", "category", "urgency", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
    rows = list(
        rolled_counts(
            region=where.region,
            fine=fine,
            first=period_start,
            last=period_end,
            view=view,
            plan=plan,
        )
    )
    child_of = _children_of(where, {g["area_id"] for g in groups} | {r["area_id"] for r in rows})
    for group in groups:
        child = child_of[group["area_id"]]
        counts.add("category", group["category"], group["n"])
        counts.add("urgency", group["urgency"], group["n"])
        counts.add("status", group["status"], group["n"])
        counts.add_child(child, group["n"], group["status"])
    resolved, rejected = (
        count_column("status", Status.RESOLVED),
        [count_column("status", state) for state in NOT_A_PROBLEM],
    )
    not_fixed = 0
    for row in rows:
        not_fixed += row["sum_not_fixed"]
        if not row["sum_received"]:
            continue
        child = child_of[row["area_id"]]
        for dimension, codes in DIMENSIONS.items():
            for code in codes:
                n = row[f"sum_{count_column(dimension, code)}"]
                if n:
                    counts.add(dimension, code, n)
        sums = counts.per_child[child]
        sums[0] += row["sum_received"]
        sums[1] += row[f"sum_{resolved}"]
        sums[2] += row["sum_received"] - sum(row[f"sum_{column}"] for column in rejected)
    return not_fixed, answered_live


def _children_of(where: _Where, area_ids: set[int]) -> dict[int, int | None]:
    """The child area holding each of ``area_ids`` (``None``: none), as ``_child_key``
    places a record: the first child level, the area itself, else its ancestor column
    of that level. One query for the areas not met before in this dashboard."""
    known: dict[int, int | None] = where.placed
    wanted = area_ids - known.keys()
    if wanted:
        by_level: dict[int, set[int]] = defaultdict(set)
        for child in where.children:
            by_level[child.level].add(child.pk)
        levels = sorted(by_level.items())
        columns = [f"{ANCESTOR_FIELD[AreaLevel(level)]}_id" for level, _ids in levels]
        for pk, *ancestors in Area.objects.filter(pk__in=wanted).values_list("pk", *columns):
            known[pk] = None
            for (_level, ids), ancestor in zip(levels, ancestors, strict=True):
                if pk in ids or ancestor in ids:
                    known[pk] = pk if pk in ids else ancestor
                    break
    return known


@dataclass(frozen=True)
class _Resolutions:
    count: int
    median: float | None
    p90: float | None
    sla_measured: int
    sla_met: int


class _DaysTaken(Func):
    """Days from receipt to resolution as ``float8``, never negative: the same value
    Python computes from the two time stamps (seconds as a correctly rounded double,
    divided by 86,400)."""

    template = "GREATEST(0.0, EXTRACT(EPOCH FROM (%(expressions)s))::double precision / 86400.0)"
    output_field = models.FloatField()


class _Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont``: linear interpolation between the closest ranks,
    as ``stats.quantile``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()


def _resolutions(resolved: models.QuerySet[Aspiration]) -> _Resolutions:
    """The cases resolved in a period (``resolved``): how many, the median and 90th
    percentile of days to resolve, SLA measured and met. One query: aggregated in SQL
    on PostgreSQL (index ``asp_resolved_time``), from the time stamps in Python else."""
    if connection.vendor == "postgresql":
        days = _DaysTaken(F("resolved_at") - F("received_at"))
        row = resolved.aggregate(
            count=Count("resolved_at"),
            median=_Percentile(days, fraction="0.5"),
            p90=_Percentile(days, fraction="0.9"),
            sla_measured=Count("resolve_by"),
            sla_met=Count("resolved_at", filter=Q(resolved_at__lte=F("resolve_by"))),
        )
        return _Resolutions(**row)
    durations: list[float] = []
    sla_measured = sla_met = 0
    for received_at, resolved_at, resolve_by in resolved.values_list(
        "received_at", "resolved_at", "resolve_by"
    ):
        assert resolved_at is not None  # filtered on it
        durations.append(max(0.0, (resolved_at - received_at).total_seconds() / DAY_SECONDS))
        if resolve_by is not None:
            sla_measured += 1
            sla_met += resolved_at <= resolve_by
    return _Resolutions(
        count=len(durations),
        median=quantile(durations, 0.5),
        p90=quantile(durations, 0.9),
        sla_measured=sla_measured,
        sla_met=sla_met,
    )


def _figures(*, where: _Where, period_start: date, period_end: date) -> Figures:
    actor, region, questions = where.actor, where.region, where.questions
    start, end = period_bounds(where.unit, period_start, period_end)
    in_region = in_areas(region, "area")

    dialogue_row = _dialogue_figures(where, start, end)

    cases = where.visible(Aspiration.objects.all()).filter(in_region)
    counts = _Received()
    reopened_rolled = 0
    if where.rollup is None:
        counts.add_cases(cases.filter(received_at__gte=start, received_at__lt=end), where)
        answered = Q(answered_at__gte=start, answered_at__lt=end)
    else:
        reopened_rolled, answered = _received_rolled(counts, where, cases, period_start, period_end)
    by_category, by_urgency, by_status = counts.by_category, counts.by_urgency, counts.by_status
    per_child = counts.per_child
    received = sum(by_status.values())
    considered = received - sum(by_status[str(state)] for state in NOT_A_PROBLEM)
    resolved = by_status[str(Status.RESOLVED)]
    held_by_child: dict[int | None, int] = dialogue_row["by_child"]
    by_child = {
        key: AreaFigures(
            received=per_child[key][0] if key in per_child else 0,
            resolved=per_child[key][1] if key in per_child else 0,
            considered=per_child[key][2] if key in per_child else 0,
            dialogues_held=held_by_child.get(key, 0),
        )
        for key in set(per_child) | set(held_by_child)
    }

    areas = Area.objects.filter(within_q(region)).values("pk")
    resolutions = _resolutions(
        where.visible(Aspiration.objects.all()).filter(
            area__in=areas, resolved_at__gte=start, resolved_at__lt=end, status=Status.RESOLVED
        )
    )

    reopened = reopened_rolled + (
        where.visible(Survey.objects.all())
        .filter(answered, aspiration__area__in=areas, fixed=False)
        .count()
    )

    answers = (
        visible_to(SurveyResponse.objects.all(), actor)
        .filter(in_areas(region, "dialogue__area"), dialogue__status=DialogueStatus.HELD)
        .annotate(at=Coalesce("dialogue__actual_start", "dialogue__planned_start"))
        .filter(at__gte=start, at__lt=end)
        .values_list("scores", flat=True)
    )
    values: dict[str, list[float]] = defaultdict(list)
    wanted = {question.code for question in questions}
    for scores in answers:
        for code, value in (scores or {}).items():
            if code in wanted and isinstance(value, int | float):
                values[code].append(float(value))
    survey_scores = {
        question.code: Score(*mean_interval(values[question.code])) for question in questions
    }

    certificates_issued, certificates_by_item = _certificates(where, start, end)
    follow_ups_open, follow_ups_overdue, overdue_by_days = _follow_ups(where, end)

    return Figures(
        period_start=period_start,
        period_end=period_end,
        dialogues_held=dialogue_row["held"],
        dialogues_planned=dialogue_row["planned"],
        attendance=dialogue_row["attendance"],
        received=received,
        by_category=by_category,
        by_urgency=by_urgency,
        by_status=by_status,
        resolved=resolved,
        considered=considered,
        share_resolved=share(resolved, considered),
        resolved_in_period=resolutions.count,
        median_days=resolutions.median,
        p90_days=resolutions.p90,
        sla_measured=resolutions.sla_measured,
        sla_met=resolutions.sla_met,
        sla_compliance=share(resolutions.sla_met, resolutions.sla_measured),
        reopened_not_fixed=reopened,
        scores=survey_scores,
        topics=_topics(where, start, end),
        certificates_issued=certificates_issued,
        certificates_by_item=certificates_by_item,
        aid=_aid(where, start, end),
        follow_ups_open=follow_ups_open,
        follow_ups_overdue=follow_ups_overdue,
        follow_ups_overdue_by_days=overdue_by_days,
        by_child=by_child,
    )


def unit_dashboard(
    *,
    actor: Any,
    unit: Unit,
    period_start: date,
    period_end: date,
    area: Area | None = None,
) -> Dashboard:
    """The unit's figures for the period and for the period before it, for its whole
    coverage or narrowed to ``area`` (a kecamatan, kelurahan or RW inside it).

    Raises ``ValidationError`` for a reversed or too long period and
    ``PermissionDenied`` for a unit the actor cannot see or an area outside the
    unit or of another level.
    """
    period_check(period_start, period_end)
    coverage = unit_region(actor=actor, unit=unit)
    region = coverage
    if area is not None:
        covered = {a.pk for a in coverage}
        inside = area.pk in covered or covered.intersection(area.ancestor_ids())
        if area.level not in DRILL_LEVELS or not inside:
            raise PermissionDenied(
                _("%(area)s lies outside the areas of %(unit)s.") % {"area": area, "unit": unit}
            )
        region = [area]
    questions = list(SurveyQuestion.objects.filter(is_active=True, kind=QuestionKind.SCALE))
    zone = resolve_zone(unit.area).value
    where = _Where(
        actor=actor,
        unit=unit,
        region=region,
        narrowed=area is not None,
        children=_children(region, area),
        questions=questions,
        fully_visible=region_fully_visible(actor, region),
        rollup=rollup_view(ZoneInfo(zone), actor)
        if rollup_usable(actor=actor, unit_zone=zone, region=region)
        else None,
    )
    before_start, before_end = previous_period(period_start, period_end)
    current = _figures(where=where, period_start=period_start, period_end=period_end)
    previous = _figures(where=where, period_start=before_start, period_end=before_end)
    delivered = set(current.topics) | set(previous.topics)
    topics = [
        topic
        for topic in OutreachTopic.objects.order_by("position", "code")
        if topic.is_active or topic.code in delivered
    ]
    return Dashboard(
        unit=unit,
        current=current,
        previous=previous,
        questions=questions,
        area=area,
        ancestors=_ancestors(coverage, area),
        children=where.children,
        topics=topics,
    )
