"""The vulnerability index of an RW or a kelurahan (C5, issue 9; method in
``docs/vulnerability-index.md``). Pure functions: no ORM, no clock.

Seven components, each turned into a number between 0 and 1 by a stated formula,
then combined by non-negative weights into an index between 0 and 100:

=============  =====================================================  ===============
component      raw input                                              normalised
=============  =====================================================  ===============
recent         Σ cases × severity × urgency × 0.5^(age / half-life)  1 − e^(−x / 10)
repeat         Σ per category max(0, cases − 1) in the window         1 − e^(−x / 3)
unresolved     Σ open cases × severity × urgency                      1 − e^(−x / 5)
overdue        Σ overdue open cases × severity × urgency              1 − e^(−x / 3)
inspection     distinct checklist items found a problem               x / checklist
aid            households with vulnerability notes / (households+5)   as is
gap            days since the last held dialogue                      min(x / 90, 1)
=============  =====================================================  ===============

Invariants (tested, the last one with Hypothesis): every normalised value lies in
[0, 1]; the index lies in [0, 100] and is the sum of the contributions; more cases,
more open cases or more overdue cases never lower the index.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Component(StrEnum):
    RECENT = "recent"
    REPEAT = "repeat"
    UNRESOLVED = "unresolved"
    OVERDUE = "overdue"
    INSPECTION = "inspection"
    AID = "aid"
    GAP = "gap"


COMPONENT_LABELS = {
    Component.RECENT: _("Recent aspirations"),
    Component.REPEAT: _("Repeated problems"),
    Component.UNRESOLVED: _("Unresolved cases"),
    Component.OVERDUE: _("Overdue cases"),
    Component.INSPECTION: _("Inspection problems"),
    Component.AID: _("Households in need"),
    Component.GAP: _("Time since the last dialogue"),
}

#: How serious a problem of each §5 category is for the safety of the area (0..1).
SEVERITY: dict[str, float] = {
    "kekerasan": 1.0,
    "narkoba": 1.0,
    "pencurian": 0.9,
    "ketertiban": 0.7,
    "remaja": 0.6,
    "penipuan": 0.6,
    "keamanan": 0.6,
    "lalu_lintas": 0.5,
    "lingkungan": 0.4,
    "sosial": 0.3,
    "layanan": 0.2,
    "lainnya": 0.2,
}
#: How much the §5 urgency of a case counts (0..1).
URGENCY_WEIGHT: dict[str, float] = {
    "darurat": 1.0,
    "tinggi": 0.75,
    "sedang": 0.5,
    "rendah": 0.25,
}

#: Saturation scales: the raw value at which a component reaches 1 − 1/e ≈ 0.63.
RECENT_SCALE = 10.0
REPEAT_SCALE = 3.0
UNRESOLVED_SCALE = 5.0
OVERDUE_SCALE = 3.0
#: Households assumed without notes, so that 1 vulnerable household of 1 is not 100 %.
AID_PRIOR_HOUSEHOLDS = 5
#: Days without a dialogue after which the gap component is full.
GAP_HORIZON_DAYS = 90.0

HALF_LIFE_MIN_DAYS = 1.0
HALF_LIFE_MAX_DAYS = 3650.0


@dataclass(frozen=True)
class Weights:
    """Component weights (any non-negative numbers, not all zero; they are used as
    shares of their sum) and the half-life of the time decay in days."""

    recent: float = 0.30
    repeat: float = 0.10
    unresolved: float = 0.20
    overdue: float = 0.10
    inspection: float = 0.10
    aid: float = 0.05
    gap: float = 0.15
    half_life_days: float = 30.0

    def of(self, component: Component) -> float:
        return float(getattr(self, component.value))

    @property
    def total(self) -> float:
        return sum(self.of(component) for component in Component)


DEFAULT_WEIGHTS = Weights()
WEIGHT_FIELDS = tuple(component.value for component in Component)


def weights_errors(values: Mapping[str, float | None]) -> dict[str, str]:
    """Field name → message for weights that cannot be used: a negative weight, all
    weights zero (the message then stands on every weight), a half-life outside
    [1, 3650] days. Empty when ``values`` are fine."""
    errors: dict[str, str] = {}
    for name in WEIGHT_FIELDS:
        value = values.get(name)
        if value is not None and (math.isnan(value) or value < 0):
            errors[name] = str(_("A weight cannot be negative."))
    given = [values.get(name) for name in WEIGHT_FIELDS]
    if not errors and all(value is not None and value == 0 for value in given):
        for name in WEIGHT_FIELDS:
            errors[name] = str(_("At least one weight must be above zero."))
    half_life = values.get("half_life_days")
    if half_life is not None and not (HALF_LIFE_MIN_DAYS <= half_life <= HALF_LIFE_MAX_DAYS):
        errors["half_life_days"] = str(
            _("The half-life must lie between %(low)d and %(high)d days.")
            % {"low": HALF_LIFE_MIN_DAYS, "high": HALF_LIFE_MAX_DAYS}
        )
    return errors


@dataclass(frozen=True)
class CaseGroup:
    """Aspirations of one category and urgency received ``age_days`` before the end
    of the period (the selector groups them by day)."""

    category: str
    urgency: str
    age_days: float
    count: int


@dataclass(frozen=True)
class OpenGroup:
    """Open (unresolved) aspirations of one category and urgency; ``overdue`` of
    them are past a deadline."""

    category: str
    urgency: str
    open: int
    overdue: int = 0


@dataclass(frozen=True)
class AreaInputs:
    """Everything the index of one area is computed from."""

    received: tuple[CaseGroup, ...] = ()
    unresolved: tuple[OpenGroup, ...] = ()
    #: Ids of the checklist items found a problem in the area's inspections.
    problem_items: frozenset[int] = frozenset()
    checklist_size: int = 0
    households: int = 0
    vulnerable_households: int = 0
    #: ``None``: no held dialogue recorded in the area.
    days_since_dialogue: float | None = None


def inputs_merge(parts: Iterable[AreaInputs]) -> AreaInputs:
    """The inputs of a kelurahan from those of its RWs and of records placed at the
    kelurahan itself: cases and households add up, problem items unite, the most
    recent dialogue counts."""
    parts = list(parts)
    days = [p.days_since_dialogue for p in parts if p.days_since_dialogue is not None]
    return AreaInputs(
        received=tuple(g for p in parts for g in p.received),
        unresolved=tuple(g for p in parts for g in p.unresolved),
        problem_items=frozenset().union(*(p.problem_items for p in parts)),
        checklist_size=max((p.checklist_size for p in parts), default=0),
        households=sum(p.households for p in parts),
        vulnerable_households=sum(p.vulnerable_households for p in parts),
        days_since_dialogue=min(days) if days else None,
    )


# ---- the formulas -------------------------------------------------------------------


def saturate(value: float, scale: float) -> float:
    """``1 − e^(−value / scale)``: 0 at 0, 0.63 at ``scale``, approaching 1; strictly
    increasing, so more of an input never lowers its component."""
    if value <= 0:
        return 0.0
    return 1.0 - math.exp(-value / scale)


def decay(age_days: float, half_life_days: float) -> float:
    """``0.5^(age / half-life)``: a case counts fully today, half after one
    half-life. A negative age (a case after the period) counts as today."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def case_weight(category: str, urgency: str) -> float:
    """Severity of the category × weight of the urgency (unknown codes: "lainnya",
    "sedang")."""
    return SEVERITY.get(category, SEVERITY["lainnya"]) * URGENCY_WEIGHT.get(
        urgency, URGENCY_WEIGHT["sedang"]
    )


def recent_load(groups: Iterable[CaseGroup], half_life_days: float) -> float:
    return sum(
        g.count * case_weight(g.category, g.urgency) * decay(g.age_days, half_life_days)
        for g in groups
    )


def repeat_count(groups: Iterable[CaseGroup]) -> int:
    """Cases that repeat a problem already raised in the window (same category, same
    area): a category raised n times gives n − 1 repeats."""
    per_category: Counter[str] = Counter()
    for g in groups:
        per_category[g.category] += g.count
    return sum(max(0, n - 1) for n in per_category.values())


def open_load(groups: Iterable[OpenGroup], *, overdue: bool) -> float:
    return sum(
        (g.overdue if overdue else g.open) * case_weight(g.category, g.urgency) for g in groups
    )


def inspection_share(problems: int, checklist_size: int) -> float:
    """Share of the checklist found a problem (0 without a checklist)."""
    if problems <= 0:
        return 0.0
    return min(problems / max(checklist_size, problems), 1.0)


def aid_share(households: int, vulnerable: int) -> float:
    """Vulnerable households / (registered households + 5). The 5 households of prior
    keep a tiny register from reading as an emergency."""
    vulnerable = max(0, min(vulnerable, households))
    return vulnerable / (households + AID_PRIOR_HOUSEHOLDS)


def gap_share(days: float | None) -> float:
    """Days since the last held dialogue over 90, at most 1; never visited is 1."""
    if days is None:
        return 1.0
    return min(max(days, 0.0) / GAP_HORIZON_DAYS, 1.0)


# ---- the index ----------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One component of an area's index: the raw input (for the gap, infinite when no
    dialogue was ever held), its normalised value, the weight's share, the points it
    adds to the index, and the counts the page shows."""

    component: Component
    raw: float
    normalised: float
    share: float
    contribution: float
    counts: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(COMPONENT_LABELS[self.component])


@dataclass(frozen=True)
class AreaIndex:
    value: float
    parts: tuple[Part, ...]

    def part(self, component: Component) -> Part:
        return next(p for p in self.parts if p.component == component)


def _raw_and_normalised(inputs: AreaInputs, weights: Weights) -> dict[Component, tuple]:
    recent = recent_load(inputs.received, weights.half_life_days)
    repeats = repeat_count(inputs.received)
    unresolved = open_load(inputs.unresolved, overdue=False)
    overdue = open_load(inputs.unresolved, overdue=True)
    problems = len(inputs.problem_items)
    return {
        Component.RECENT: (
            recent,
            saturate(recent, RECENT_SCALE),
            {"cases": sum(g.count for g in inputs.received)},
        ),
        Component.REPEAT: (repeats, saturate(repeats, REPEAT_SCALE), {"repeats": repeats}),
        Component.UNRESOLVED: (
            unresolved,
            saturate(unresolved, UNRESOLVED_SCALE),
            {"open": sum(g.open for g in inputs.unresolved)},
        ),
        Component.OVERDUE: (
            overdue,
            saturate(overdue, OVERDUE_SCALE),
            {"overdue": sum(g.overdue for g in inputs.unresolved)},
        ),
        Component.INSPECTION: (
            problems,
            inspection_share(problems, inputs.checklist_size),
            {"problems": problems, "checklist": inputs.checklist_size},
        ),
        Component.AID: (
            inputs.vulnerable_households,
            aid_share(inputs.households, inputs.vulnerable_households),
            {"households": inputs.households, "vulnerable": inputs.vulnerable_households},
        ),
        Component.GAP: (
            math.inf if inputs.days_since_dialogue is None else inputs.days_since_dialogue,
            gap_share(inputs.days_since_dialogue),
            {} if inputs.days_since_dialogue is None else {"days": inputs.days_since_dialogue},
        ),
    }


def area_index(inputs: AreaInputs, weights: Weights = DEFAULT_WEIGHTS) -> AreaIndex:
    """The index (0..100) of one area and, per component, why.

    ``contribution = 100 × normalised × weight / Σ weights``; the index is the sum of
    the contributions. ``weights`` must pass ``weights_errors`` (``ValueError`` else).
    """
    errors = weights_errors({f.name: getattr(weights, f.name) for f in fields(weights)})
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    total = weights.total
    parts = []
    for component, (raw, normalised, counts) in _raw_and_normalised(inputs, weights).items():
        share = weights.of(component) / total
        parts.append(
            Part(
                component=component,
                raw=float(raw),
                normalised=normalised,
                share=share,
                contribution=100.0 * normalised * share,
                counts=counts,
            )
        )
    return AreaIndex(value=sum(p.contribution for p in parts), parts=tuple(parts))
