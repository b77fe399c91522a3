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
for an RW, which has no children), and ten for the figures of both periods: each
figure's query reads the period and the period before it at once (one range of time,
grouped or filtered per period), so that the tables of dialogues, follow-ups and
survey answers are scanned once, not once per period. The days to resolve are
computed in Python from the two timestamps of the cases resolved in the periods
(bounded by the periods and the unit); on PostgreSQL in SQL (``percentile_cont``, the
same interpolation on the same float8 values), from the index of resolved cases.

Received cases and "not fixed" answers come from the roll-up (``dashboards.rollup``:
what can be rolled up and what cannot, and when it is used) once the worker has built
it: the rolled-up rows of the periods (today's as far as the last refresh counted
it), the rest live; the figures are the same. Then two more queries for the dashboard
(the roll-up's state, the changed cases), and up to two more for the areas of changed
rows and the areas the rows lie in; no query for the cases read live when no case
changed since the refresh before the last.
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
from kamtibmas.surveys.services import SCALE_VALUES, mean_interval_of_counts
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

    def within(self, queryset: models.QuerySet[Any], path: str) -> models.QuerySet[Any]:
        """The records of ``queryset`` placed in the region (their area at ``path``) that
        the actor may see. ``visible_to`` is left out when it would add nothing but an
        ``OR`` on the handling unit: the actor sees every record placed in the region,
        and ``path`` is where the model's scope places it (``tenant_area_path``)."""
        queryset = queryset.filter(in_areas(self.region, path))
        if self.fully_visible and getattr(queryset.model, "tenant_area_path", None) == path:
            return queryset
        return visible_to(queryset, self.actor)


#: A period as [first instant, first instant after).
Span = tuple[datetime, datetime]


def _in_spans(field: str, spans: list[Span]) -> Q:
    """Records whose ``field`` falls in one of ``spans``: adjacent spans (a period and
    the one before it) as one range, which an index on ``field`` answers (an ``OR`` of
    ranges it would only filter)."""
    runs: list[list[datetime]] = []
    for start, end in sorted(spans):
        if runs and runs[-1][1] >= start:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    condition = Q(pk__in=[])
    for start, end in runs:
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def _span_key(field: str, spans: list[Span]) -> Case:
    """The index in ``spans`` of the span ``field`` falls in (NULL: none), so that one
    query groups the records of every period."""
    return Case(
        *(
            When(**{f"{field}__gte": start, f"{field}__lt": end}, then=Value(index))
            for index, (start, end) in enumerate(spans)
        ),
        default=Value(None),
        output_field=models.IntegerField(),
    )


def _dialogue_figures(where: _Where, spans: list[Span]) -> list[dict[str, Any]]:
    """Per period: dialogues held and planned, attendance, held per child area. One
    query for every period (the region's dialogues are scanned once)."""
    aggregates: dict[str, Any] = {}
    for index, (start, end) in enumerate(spans):
        held = Q(status=DialogueStatus.HELD, at__gte=start, at__lt=end)
        aggregates[f"held_{index}"] = Count("pk", filter=held)
        aggregates[f"planned_{index}"] = Count(
            "pk",
            filter=Q(
                status=DialogueStatus.PLANNED, planned_start__gte=start, planned_start__lt=end
            ),
        )
        aggregates[f"attendance_{index}"] = Sum(
            F("residents_count") + F("leaders_count") + F("children_count"), filter=held
        )
    rows = (
        where.within(Dialogue.objects.all(), "area")
        .annotate(
            at=Coalesce("actual_start", "planned_start"),
            child=_child_key(where.children, "area"),
        )
        .values("child")
        .annotate(**aggregates)
        .order_by()
    )
    totals: list[dict[str, Any]] = [
        {"held": 0, "planned": 0, "attendance": 0, "by_child": {}} for _span in spans
    ]
    for row in rows:
        for index, total in enumerate(totals):
            total["held"] += row[f"held_{index}"]
            total["planned"] += row[f"planned_{index}"]
            total["attendance"] += row[f"attendance_{index}"] or 0
            total["by_child"][row["child"]] = row[f"held_{index}"]
    return totals


def _of_dialogues_held(
    where: _Where, queryset: models.QuerySet[Any], spans: list[Span]
) -> models.QuerySet[Any]:
    """The records of ``queryset`` (placed by their dialogue) of the dialogues held in
    the periods, each with the index of its period (``period``)."""
    return (
        where.within(queryset, "dialogue__area")
        .filter(dialogue__status=DialogueStatus.HELD)
        .annotate(at=Coalesce("dialogue__actual_start", "dialogue__planned_start"))
        .filter(_in_spans("at", spans))
        .annotate(period=_span_key("at", spans))
    )


def _topics(where: _Where, spans: list[Span]) -> list[dict[str, int]]:
    rows = (
        _of_dialogues_held(where, TopicDelivered.objects.all(), spans)
        .values("topic__code", "period")
        .annotate(n=Count("dialogue_id", distinct=True))
        .order_by()
    )
    found: list[dict[str, int]] = [{} for _span in spans]
    for row in rows:
        found[row["period"]][row["topic__code"]] = row["n"]
    return found


def _certificates(where: _Where, spans: list[Span]) -> list[tuple[int, dict[str, int]]]:
    """Per period: certificates issued, in all and per item type. Two grouped queries
    (one with a count per type and period would cost more to compose than to run)."""
    certificates = visible_to(Certificate.objects.all(), where.actor).filter(
        _in_spans("issued_at", spans), unit__path__startswith=where.unit.path
    )
    if where.narrowed:
        certificates = certificates.filter(
            within_q(where.region, prefix="report__lost_area__")
            | (Q(report__lost_area__isnull=True) & within_q(where.region, prefix="report__area__"))
        )
    certificates = certificates.annotate(period=_span_key("issued_at", spans))
    totals = {
        row["period"]: row["n"]
        for row in certificates.values("period").annotate(n=Count("pk", distinct=True)).order_by()
    }
    found: list[tuple[int, dict[str, int]]] = [
        (totals.get(index, 0), {code: 0 for code, _label in item_type_choices()})
        for index in range(len(spans))
    ]
    for row in (
        certificates.filter(report__items__item_type__isnull=False)
        .values("period", "report__items__item_type")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    ):
        by_item = found[row["period"]][1]
        if row["report__items__item_type"] in by_item:
            by_item[row["report__items__item_type"]] = row["n"]
    return found


def _aid(where: _Where, spans: list[Span]) -> list[dict[int, AidLine]]:
    """Per period and aid item: handed out in the period and the balance at its end.
    One query."""
    entries = (
        visible_to(StockEntry.objects.all(), where.actor)
        .filter(program__unit__path__startswith=where.unit.path)
        .annotate(at=Coalesce("handout__handed_at", "created_at"))
        .filter(at__lt=max(end for _start, end in spans))
    )
    if where.narrowed:
        entries = entries.filter(
            within_q(where.region, prefix="handout__household__area__"),
            kind=Kind.HANDED_OUT.value,
        )
    aggregates: dict[str, Any] = {}
    for index, (start, end) in enumerate(spans):
        aggregates[f"handed_out_{index}"] = Sum(
            "quantity",
            filter=Q(kind=Kind.HANDED_OUT.value, at__gte=start, at__lt=end),
            default=0,
        )
        aggregates[f"balance_{index}"] = Sum("delta", filter=Q(at__lt=end), default=0)
    rows = (
        entries.values("item_id", "item__name", "item__measure", "item__program__name")
        .annotate(**aggregates)
        .order_by()
    )
    found: list[dict[int, AidLine]] = [{} for _span in spans]
    for row in rows:
        label = f"{row['item__name']} ({row['item__measure']}), {row['item__program__name']}"
        for index, lines in enumerate(found):
            handed_out, balance = row[f"handed_out_{index}"], row[f"balance_{index}"]
            if not handed_out and (where.narrowed or not balance):
                continue
            lines[row["item_id"]] = AidLine(
                item_id=row["item_id"],
                label=label,
                handed_out=handed_out,
                stock=None if where.narrowed else balance,
            )
    return found


def _follow_ups(where: _Where, spans: list[Span]) -> list[tuple[int, int, dict[str, int]]]:
    """Per period: follow-ups open at its end (or now, if earlier), and those overdue
    by band. One query."""
    now = timezone.now()
    zone = ZoneInfo(resolve_zone(where.unit.area).value)
    references = [min(end, now) for _start, end in spans]
    aggregates: dict[str, Any] = {}
    for index, reference in enumerate(references):
        day = reference.astimezone(zone).date()
        open_then = (
            Q(status=FollowUpStatus.OPEN) | Q(status=FollowUpStatus.DONE, done_at__gte=reference)
        ) & Q(created_at__lt=reference)
        aggregates[f"open_{index}"] = Count("pk", filter=open_then)
        aggregates[f"overdue_{index}"] = Count("pk", filter=open_then & Q(due_date__lt=day))
        for key, first, last in OVERDUE_BANDS:
            late = Q(due_date__lte=day - timedelta(days=first))
            if last is not None:
                late &= Q(due_date__gte=day - timedelta(days=last))
            aggregates[f"{key}_{index}"] = Count("pk", filter=open_then & late)
    row = (
        where.within(FollowUp.objects.all(), "dialogue__area")
        .filter(
            Q(status=FollowUpStatus.OPEN)
            | Q(status=FollowUpStatus.DONE, done_at__gte=min(references)),
            created_at__lt=max(references),
        )
        .aggregate(**aggregates)
    )
    return [
        (
            row[f"open_{index}"],
            row[f"overdue_{index}"],
            {key: row[f"{key}_{index}"] for key, *_ in OVERDUE_BANDS},
        )
        for index in range(len(spans))
    ]


class _Received:
    """The cases received in a period: by category, urgency and status, and per child
    area [received, resolved now, considered], from live groups and roll-up sums."""

    def __init__(self) -> None:
        self.by_category = _zeroes(Category)
        self.by_urgency = _zeroes(Urgency)
        self.by_status = _zeroes(Status)
        self.per_child: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
        #: "Not fixed" answers given in the period.
        self.not_fixed = 0

    def add_group(self, group: dict[str, Any], child: int | None) -> None:
        n = group["n"]
        for dimension, counts in (
            ("category", self.by_category),
            ("urgency", self.by_urgency),
            ("status", self.by_status),
        ):
            code = group[dimension]
            counts[code] = counts.get(code, 0) + n
        self.add_child(child, n, group["status"])

    def add_row(self, row: dict[str, Any], child: int | None) -> None:
        """A roll-up row's sums (``rolled_counts``)."""
        self.not_fixed += row["sum_not_fixed"]
        if not row["sum_received"]:
            return
        for dimension, counts in (
            ("category", self.by_category),
            ("urgency", self.by_urgency),
            ("status", self.by_status),
        ):
            for code in DIMENSIONS[dimension]:
                n = row[f"sum_{count_column(dimension, code)}"]
                if n:
                    counts[code] = counts.get(code, 0) + n
        sums = self.per_child[child]
        sums[0] += row["sum_received"]
        sums[1] += row[f"sum_{count_column('status', Status.RESOLVED)}"]
        sums[2] += row["sum_received"] - sum(
            row[f"sum_{count_column('status', state)}"] for state in NOT_A_PROBLEM
        )

    def add_child(self, child: int | None, n: int, status: str) -> None:
        counts = self.per_child[child]
        counts[0] += n
        counts[1] += n if status == Status.RESOLVED else 0
        counts[2] += 0 if status in NOT_A_PROBLEM else n


def _received_live(
    where: _Where, cases: models.QuerySet[Aspiration], spans: list[Span]
) -> tuple[list[_Received], Q]:
    """Every period's received cases, from the cases: one query grouped by period,
    child area, category, urgency and status. Returns the condition of the "not
    fixed" answers to count."""
    counts = [_Received() for _span in spans]
    groups = (
        cases.filter(_in_spans("received_at", spans))
        .annotate(child=_child_key(where.children, "area"), period=_span_key("received_at", spans))
        .values("period", "child", "category", "urgency", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in groups:
        counts[group["period"]].add_group(group, group["child"])
    return counts, _in_spans("answered_at", spans)


def _received_rolled(
    where: _Where,
    cases: models.QuerySet[Aspiration],
    periods: list[tuple[date, date]],
    spans: list[Span],
) -> tuple[list[_Received], Q]:
    """Every period's received cases: the rolled-up rows from ``CaseDayCount``, the
    rest live (the days not rolled up, the rows that hold a changed case); grouped by
    area without joining the area table, the areas then placed in the child areas in
    Python (``_children_of``). The periods are read as one run of days: two queries,
    one for the areas of the changed rows, one for the areas not placed before.
    Returns the counts (with the rolled-up "not fixed" answers) and the condition of
    the answers to count live."""
    view = where.rollup
    assert view is not None
    zone = ZoneInfo(resolve_zone(where.unit.area).value)
    first = min(start for start, _end in periods)
    last = max(end for _start, end in periods)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    live = [day for day in days if not view.rolled(day)]
    fine = any(area.level >= AreaLevel.RW for area in [*where.region, *where.children])
    plan = cell_plan(
        view,
        fine=fine,
        first=first,
        last=last,
        zone=zone,
        answers=("answered_at", "aspiration__area_id"),
    )
    read_live = on_days(live, zone) | plan.cases
    answered_live = on_days(live, zone, "answered_at") | plan.answers
    groups = []
    if live or plan.live:
        groups = list(
            cases.filter(read_live, _in_spans("received_at", spans))
            .annotate(period=_span_key("received_at", spans))
            .values("period", "area_id", "category", "urgency", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
    rows = list(
        rolled_counts(region=where.region, fine=fine, periods=periods, view=view, plan=plan)
    )
    child_of = _children_of(where, {g["area_id"] for g in groups} | {r["area_id"] for r in rows})
    counts = [_Received() for _span in spans]
    for group in groups:
        counts[group["period"]].add_group(group, child_of[group["area_id"]])
    for row in rows:
        if row["period"] is not None:
            counts[row["period"]].add_row(row, child_of[row["area_id"]])
    return counts, answered_live & _in_spans("answered_at", spans)


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


def _resolutions(resolved: models.QuerySet[Aspiration], spans: list[Span]) -> list[_Resolutions]:
    """Per period, the cases resolved in it (of ``resolved``): how many, the median and
    90th percentile of days to resolve, SLA measured and met. One query: aggregated in
    SQL per period on PostgreSQL (index ``asp_resolved_time``), from the time stamps
    in Python else."""
    resolved = resolved.filter(_in_spans("resolved_at", spans))
    if connection.vendor == "postgresql":
        # Each period's aggregates filtered from one scan: grouping by period would sort
        # every row by it before the percentiles sort them again.
        days = _DaysTaken(F("resolved_at") - F("received_at"))
        aggregates: dict[str, Any] = {}
        for index, (start, end) in enumerate(spans):
            when = Q(resolved_at__gte=start, resolved_at__lt=end)
            aggregates |= {
                f"count_{index}": Count("resolved_at", filter=when),
                f"median_{index}": _Percentile(days, fraction="0.5", filter=when),
                f"p90_{index}": _Percentile(days, fraction="0.9", filter=when),
                f"sla_measured_{index}": Count("resolve_by", filter=when),
                f"sla_met_{index}": Count(
                    "resolved_at", filter=when & Q(resolved_at__lte=F("resolve_by"))
                ),
            }
        row = resolved.aggregate(**aggregates)
        return [
            _Resolutions(
                **{
                    name: row[f"{name}_{index}"]
                    for name in ("count", "median", "p90", "sla_measured", "sla_met")
                }
            )
            for index in range(len(spans))
        ]
    durations: list[list[float]] = [[] for _span in spans]
    sla = [[0, 0] for _span in spans]
    for received_at, resolved_at, resolve_by in resolved.values_list(
        "received_at", "resolved_at", "resolve_by"
    ):
        assert resolved_at is not None  # filtered on it
        index = next(i for i, (start, end) in enumerate(spans) if start <= resolved_at < end)
        durations[index].append(max(0.0, (resolved_at - received_at).total_seconds() / DAY_SECONDS))
        if resolve_by is not None:
            sla[index][0] += 1
            sla[index][1] += resolved_at <= resolve_by
    return [
        _Resolutions(
            count=len(taken),
            median=quantile(taken, 0.5),
            p90=quantile(taken, 0.9),
            sla_measured=measured,
            sla_met=met,
        )
        for taken, (measured, met) in zip(durations, sla, strict=True)
    ]


def _scores(where: _Where, spans: list[Span]) -> list[dict[str, Score]]:
    """Per period, each scale question's score from the answers to the surveys of the
    dialogues held in it: how many gave each value of the scale, counted in SQL by
    unfolding each answer's scores (``jsonb_each``, SQLite's ``json_each``; one query),
    the mean and interval computed from those counts."""
    answers = _of_dialogues_held(where, SurveyResponse.objects.all(), spans).values(
        "period", "scores"
    )
    inner, params = answers.query.sql_with_params()
    if connection.vendor == "postgresql":
        unfold = "jsonb_each(answer.scores) score WHERE jsonb_typeof(score.value) = 'number'"
        value = "score.value::text"
    else:
        unfold = "json_each(answer.scores) score WHERE score.type IN ('integer', 'real')"
        value = "score.value"
    counts: list[dict[str, dict[int, int]]] = [
        defaultdict(lambda: defaultdict(int)) for _span in spans
    ]
    wanted = {question.code for question in where.questions}
    with connection.cursor() as cursor:
        # The inner query is the ORM's, its values passed as parameters.
        cursor.execute(
            f"SELECT answer.period, score.key, {value}, COUNT(*) "  # noqa: S608
            f"FROM ({inner}) answer, {unfold} GROUP BY 1, 2, 3",
            params,
        )
        for period, code, number, n in cursor.fetchall():
            if code in wanted and float(number) in SCALE_VALUES:
                counts[period][code][int(float(number))] += n
    return [
        {
            question.code: Score(*mean_interval_of_counts(found[question.code]))
            for question in where.questions
        }
        for found in counts
    ]


def _figures(*, where: _Where, periods: list[tuple[date, date]]) -> list[Figures]:
    """The figures of each period (first day, last day), every one read by the same
    queries (each figure's query groups or filters by period)."""
    spans = [period_bounds(where.unit, first, last) for first, last in periods]
    dialogue_rows = _dialogue_figures(where, spans)

    cases = where.visible(Aspiration.objects.all()).filter(in_areas(where.region, "area"))
    if where.rollup is None:
        received, answered = _received_live(where, cases, spans)
    else:
        received, answered = _received_rolled(where, cases, periods, spans)

    areas = Area.objects.filter(within_q(where.region)).values("pk")
    resolutions = _resolutions(
        where.visible(Aspiration.objects.all()).filter(area__in=areas, status=Status.RESOLVED),
        spans,
    )
    not_fixed = {
        row["period"]: row["n"]
        for row in where.visible(Survey.objects.all())
        .filter(answered, aspiration__area__in=areas, fixed=False)
        .annotate(period=_span_key("answered_at", spans))
        .values("period")
        .annotate(n=Count("pk"))
        .order_by()
    }
    scores = _scores(where, spans)
    topics = _topics(where, spans)
    certificates = _certificates(where, spans)
    aid = _aid(where, spans)
    follow_ups = _follow_ups(where, spans)

    found = []
    for index, (period_start, period_end) in enumerate(periods):
        counts, dialogue_row = received[index], dialogue_rows[index]
        by_status, per_child = counts.by_status, counts.per_child
        considered = sum(by_status.values()) - sum(by_status[str(state)] for state in NOT_A_PROBLEM)
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
        resolution = resolutions[index]
        certificates_issued, certificates_by_item = certificates[index]
        follow_ups_open, follow_ups_overdue, overdue_by_days = follow_ups[index]
        found.append(
            Figures(
                period_start=period_start,
                period_end=period_end,
                dialogues_held=dialogue_row["held"],
                dialogues_planned=dialogue_row["planned"],
                attendance=dialogue_row["attendance"],
                received=sum(by_status.values()),
                by_category=counts.by_category,
                by_urgency=counts.by_urgency,
                by_status=by_status,
                resolved=resolved,
                considered=considered,
                share_resolved=share(resolved, considered),
                resolved_in_period=resolution.count,
                median_days=resolution.median,
                p90_days=resolution.p90,
                sla_measured=resolution.sla_measured,
                sla_met=resolution.sla_met,
                sla_compliance=share(resolution.sla_met, resolution.sla_measured),
                reopened_not_fixed=counts.not_fixed + not_fixed.get(index, 0),
                scores=scores[index],
                topics=topics[index],
                certificates_issued=certificates_issued,
                certificates_by_item=certificates_by_item,
                aid=aid[index],
                follow_ups_open=follow_ups_open,
                follow_ups_overdue=follow_ups_overdue,
                follow_ups_overdue_by_days=overdue_by_days,
                by_child=by_child,
            )
        )
    return found


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
    current, previous = _figures(
        where=where, periods=[(period_start, period_end), (before_start, before_end)]
    )
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
