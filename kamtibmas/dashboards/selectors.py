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
  (``surveys.services.mean_interval``: no mean below its minimum of answers).

A fixed number of queries whatever the data size: three for the unit and the
questions, five per period. The days to resolve are computed in Python from the two
timestamps of the cases resolved in the period (bounded by the period and the unit).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from kamtibmas.areas.models import Area, Unit, within_q
from kamtibmas.aspirations.models import Aspiration, Status, Survey
from kamtibmas.core.scope import visible_to
from kamtibmas.dashboards.stats import quantile, share
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.safety.selectors import NOT_A_PROBLEM, period_bounds, period_check, unit_region
from kamtibmas.surveys.models import QuestionKind, SurveyQuestion, SurveyResponse
from kamtibmas.surveys.services import mean_interval
from kamtibmas.triage.taxonomy import Category, Urgency

DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class Score:
    """One survey question's answers in a period; ``mean``, ``low`` and ``high`` are
    ``None`` below the minimum number of answers."""

    count: int
    mean: float | None
    low: float | None
    high: float | None


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


@dataclass(frozen=True)
class Dashboard:
    unit: Unit
    current: Figures
    previous: Figures
    #: The active scale questions, in their order.
    questions: list[SurveyQuestion]


def previous_period(period_start: date, period_end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``period_start``."""
    end = period_start - timedelta(days=1)
    return end - (period_end - period_start), end


def _zeroes(choices: Any) -> dict[str, int]:
    return {str(value): 0 for value in choices.values}


def _figures(
    *,
    actor: Any,
    unit: Unit,
    region: list[Area],
    questions: list[SurveyQuestion],
    period_start: date,
    period_end: date,
) -> Figures:
    start, end = period_bounds(unit, period_start, period_end)
    in_region = within_q(region, prefix="area__")

    dialogues = visible_to(Dialogue.objects.all(), actor).filter(in_region)
    held = Q(status=DialogueStatus.HELD, at__gte=start, at__lt=end)
    dialogue_row = dialogues.annotate(at=Coalesce("actual_start", "planned_start")).aggregate(
        held=Count("pk", filter=held),
        planned=Count(
            "pk",
            filter=Q(
                status=DialogueStatus.PLANNED, planned_start__gte=start, planned_start__lt=end
            ),
        ),
        attendance=Sum(
            F("residents_count") + F("leaders_count") + F("children_count"), filter=held
        ),
    )

    cases = visible_to(Aspiration.objects.all(), actor).filter(in_region)
    by_category = _zeroes(Category)
    by_urgency = _zeroes(Urgency)
    by_status = _zeroes(Status)
    groups = (
        cases.filter(received_at__gte=start, received_at__lt=end)
        .values("category", "urgency", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in groups:
        by_category[group["category"]] = by_category.get(group["category"], 0) + group["n"]
        by_urgency[group["urgency"]] = by_urgency.get(group["urgency"], 0) + group["n"]
        by_status[group["status"]] = by_status.get(group["status"], 0) + group["n"]
    received = sum(by_status.values())
    considered = received - sum(by_status[str(state)] for state in NOT_A_PROBLEM)
    resolved = by_status[str(Status.RESOLVED)]

    durations: list[float] = []
    sla_measured = sla_met = 0
    resolutions = cases.filter(
        resolved_at__gte=start, resolved_at__lt=end, status=Status.RESOLVED
    ).values_list("received_at", "resolved_at", "resolve_by")
    for received_at, resolved_at, resolve_by in resolutions:
        assert resolved_at is not None  # filtered on it
        durations.append(max(0.0, (resolved_at - received_at).total_seconds() / DAY_SECONDS))
        if resolve_by is not None:
            sla_measured += 1
            sla_met += resolved_at <= resolve_by

    reopened = (
        visible_to(Survey.objects.all(), actor)
        .filter(
            within_q(region, prefix="aspiration__area__"),
            fixed=False,
            answered_at__gte=start,
            answered_at__lt=end,
        )
        .count()
    )

    answers = (
        visible_to(SurveyResponse.objects.all(), actor)
        .filter(within_q(region, prefix="dialogue__area__"), dialogue__status=DialogueStatus.HELD)
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

    return Figures(
        period_start=period_start,
        period_end=period_end,
        dialogues_held=dialogue_row["held"],
        dialogues_planned=dialogue_row["planned"],
        attendance=dialogue_row["attendance"] or 0,
        received=received,
        by_category=by_category,
        by_urgency=by_urgency,
        by_status=by_status,
        resolved=resolved,
        considered=considered,
        share_resolved=share(resolved, considered),
        resolved_in_period=len(durations),
        median_days=quantile(durations, 0.5),
        p90_days=quantile(durations, 0.9),
        sla_measured=sla_measured,
        sla_met=sla_met,
        sla_compliance=share(sla_met, sla_measured),
        reopened_not_fixed=reopened,
        scores=survey_scores,
    )


def unit_dashboard(*, actor: Any, unit: Unit, period_start: date, period_end: date) -> Dashboard:
    """The unit's figures for the period and for the period before it.

    Raises ``ValidationError`` for a reversed or too long period and
    ``PermissionDenied`` for a unit the actor cannot see.
    """
    period_check(period_start, period_end)
    region = unit_region(actor=actor, unit=unit)
    questions = list(SurveyQuestion.objects.filter(is_active=True, kind=QuestionKind.SCALE))
    before_start, before_end = previous_period(period_start, period_end)

    def figures(first: date, last: date) -> Figures:
        return _figures(
            actor=actor,
            unit=unit,
            region=region,
            questions=questions,
            period_start=first,
            period_end=last,
        )

    return Dashboard(
        unit=unit,
        current=figures(period_start, period_end),
        previous=figures(before_start, before_end),
        questions=questions,
    )
