"""Where the next dialogues should be (C5, issue 9 point 2).

``recommend`` is pure: from each area's index and inputs, the officers available and
the planning horizon it picks at most ``capacity`` areas, and says why for each.

* **Capacity:** community officers × dialogues per officer per week × weeks.
* **Spreading down:** an area with a dialogue in the last ``recent_days`` days has
  its priority scaled by ``0.25 + 0.75 × days / recent_days``: visited yesterday, a
  quarter of its index; after ``recent_days``, all of it.
* **Spreading up:** an area without a held dialogue for ``starve_weeks`` weeks (or
  never) is *starving*. Up to ``ceil(capacity × starve_share)`` slots go to starving
  areas, longest-waiting first (the never visited before all, then by index), so an
  area with little to report is still visited; the other slots go to the highest
  priorities. While the starving areas fit those slots (``areas ≤ reserved slots
  per week × starve_weeks``), no area waits longer than ``starve_weeks`` plus the
  weeks needed to clear the queue of areas that started starving together
  (``⌈starving areas / reserved slots⌉ − 1``); the simulation test checks this bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DIALOGUES_PER_OFFICER_PER_WEEK = 2
RECENT_DAYS = 14
STARVE_WEEKS = 8
STARVE_SHARE = 0.5


@dataclass(frozen=True)
class Candidate:
    """What ``recommend`` knows about one area."""

    key: int
    index: float
    days_since_dialogue: float | None = None
    open: int = 0
    overdue: int = 0
    cases: int = 0
    repeats: int = 0
    problems: int = 0
    vulnerable: int = 0


@dataclass(frozen=True)
class Recommendation:
    key: int
    priority: float
    starving: bool
    recently_visited: bool
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def capacity_of(*, officers: int, per_officer_per_week: int, weeks: int = 1) -> int:
    """How many dialogues the officers can hold in the horizon (never negative)."""
    return max(0, officers) * max(0, per_officer_per_week) * max(0, weeks)


def spread_factor(days: float | None, recent_days: int = RECENT_DAYS) -> float:
    """1 for an area not visited in the last ``recent_days`` days, down to 0.25 for
    an area visited today."""
    if days is None or days >= recent_days:
        return 1.0
    return 0.25 + 0.75 * max(days, 0.0) / recent_days


def is_starving(days: float | None, starve_weeks: int = STARVE_WEEKS) -> bool:
    return days is None or days >= starve_weeks * 7


def explain(candidate: Candidate, *, starving: bool, recently_visited: bool) -> tuple[str, ...]:
    """The reasons in words, most pressing first, e.g. "5 kasus belum selesai, 2
    terlambat; dialog terakhir 94 hari lalu"."""
    reasons: list[str] = []
    if candidate.open:
        cases = [
            ngettext("%(count)d unresolved case", "%(count)d unresolved cases", candidate.open)
            % {"count": candidate.open}
        ]
        if candidate.overdue:
            cases.append(
                ngettext("%(count)d overdue", "%(count)d overdue", candidate.overdue)
                % {"count": candidate.overdue}
            )
        reasons.append(", ".join(cases))
    if candidate.cases:
        reasons.append(
            ngettext(
                "%(count)d aspiration in the period",
                "%(count)d aspirations in the period",
                candidate.cases,
            )
            % {"count": candidate.cases}
        )
    if candidate.repeats:
        reasons.append(
            ngettext("%(count)d repeated problem", "%(count)d repeated problems", candidate.repeats)
            % {"count": candidate.repeats}
        )
    if candidate.problems:
        reasons.append(
            ngettext(
                "%(count)d problem found in inspections",
                "%(count)d problems found in inspections",
                candidate.problems,
            )
            % {"count": candidate.problems}
        )
    if candidate.vulnerable:
        reasons.append(
            ngettext(
                "%(count)d household with vulnerability notes",
                "%(count)d households with vulnerability notes",
                candidate.vulnerable,
            )
            % {"count": candidate.vulnerable}
        )
    if candidate.days_since_dialogue is None:
        reasons.append(_("no dialogue held here yet"))
    else:
        days = int(candidate.days_since_dialogue)
        reasons.append(
            ngettext("last dialogue %(days)d day ago", "last dialogue %(days)d days ago", days)
            % {"days": days}
        )
    if starving and candidate.days_since_dialogue is not None:
        weeks = int(candidate.days_since_dialogue // 7)
        reasons.append(
            ngettext(
                "not visited for %(weeks)d week: placed higher so that no area is forgotten",
                "not visited for %(weeks)d weeks: placed higher so that no area is forgotten",
                weeks,
            )
            % {"weeks": weeks}
        )
    if recently_visited:
        reasons.append(_("visited recently: placed lower to spread the visits"))
    return tuple(reasons)


def recommend(
    candidates: Sequence[Candidate],
    *,
    officers: int,
    per_officer_per_week: int = DIALOGUES_PER_OFFICER_PER_WEEK,
    weeks: int = 1,
    recent_days: int = RECENT_DAYS,
    starve_weeks: int = STARVE_WEEKS,
    starve_share: float = STARVE_SHARE,
) -> list[Recommendation]:
    """At most ``capacity_of(...)`` areas, highest priority first (see the module)."""
    capacity = capacity_of(
        officers=officers, per_officer_per_week=per_officer_per_week, weeks=weeks
    )
    if capacity == 0 or not candidates:
        return []

    def priority(c: Candidate) -> float:
        return c.index * spread_factor(c.days_since_dialogue, recent_days)

    def waiting(c: Candidate) -> tuple[float, float, int]:
        days = math.inf if c.days_since_dialogue is None else c.days_since_dialogue
        return (-days, -c.index, c.key)

    starving = sorted(
        (c for c in candidates if is_starving(c.days_since_dialogue, starve_weeks)), key=waiting
    )
    reserved = math.ceil(capacity * min(max(starve_share, 0.0), 1.0))
    chosen = starving[:reserved]
    taken = {c.key for c in chosen}
    rest = sorted(
        (c for c in candidates if c.key not in taken), key=lambda c: (-priority(c), c.key)
    )
    chosen += rest[: capacity - len(chosen)]
    result = []
    for c in chosen:
        starves = is_starving(c.days_since_dialogue, starve_weeks)
        recent = c.days_since_dialogue is not None and c.days_since_dialogue < recent_days
        result.append(
            Recommendation(
                key=c.key,
                priority=priority(c),
                starving=starves,
                recently_visited=recent,
                reasons=explain(c, starving=starves, recently_visited=recent),
            )
        )
    result.sort(key=lambda r: (-r.priority, r.key))
    return result
