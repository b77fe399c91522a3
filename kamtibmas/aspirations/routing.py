"""Which unit handles a case (§4 C2 routing, §5 default bodies): a pure function.

Inputs are plain values the service reads from the database: the rules of every
jurisdiction whose coverage contains the case's area, the chain of area ids from
the case's area up to its province, and the units covering that area.

The most specific rule wins: first the rule that names more of (category,
responsible body), then the one bound to the smaller area, then the lower
(more local) jurisdiction, then the older rule. Without a matching rule a
partner body (kelurahan, kecamatan) goes to the partner office covering the area,
and everything else stays with the most local police unit covering it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PARTNER_BODIES = {"kelurahan": "kelurahan", "kecamatan": "kecamatan"}


@dataclass(frozen=True)
class RuleView:
    id: int
    jurisdiction_depth: int
    category: str
    responsible: str
    area_id: int | None
    area_level: int
    target_id: int


@dataclass(frozen=True)
class CoveringUnit:
    id: int
    kind: str
    depth: int
    is_police: bool
    area_level: int  # level of the covered area through which it covers this case


@dataclass(frozen=True)
class RouteDecision:
    unit_id: int
    rule_id: int | None
    reason: str


def _matches(rule: RuleView, *, category: str, responsible: str, area_chain: Sequence[int]) -> bool:
    return (
        (not rule.category or rule.category == category)
        and (not rule.responsible or rule.responsible == responsible)
        and (rule.area_id is None or rule.area_id in area_chain)
    )


def territorial_unit(covering: Iterable[CoveringUnit]) -> CoveringUnit | None:
    """The most local police unit covering the area (post < polsek < polres)."""
    police = [unit for unit in covering if unit.is_police]
    if not police:
        return None
    return max(police, key=lambda u: (u.area_level, u.depth, -u.id))


def route(
    *,
    category: str,
    responsible: str,
    area_chain: Sequence[int],
    rules: Iterable[RuleView],
    covering: Sequence[CoveringUnit],
) -> RouteDecision | None:
    """The unit that should handle the case, and why; ``None`` if no unit covers it."""
    matching = [
        rule
        for rule in rules
        if _matches(rule, category=category, responsible=responsible, area_chain=area_chain)
    ]
    if matching:
        best = max(
            matching,
            key=lambda r: (
                bool(r.category) + bool(r.responsible),
                r.area_level,
                r.jurisdiction_depth,
                -r.id,
            ),
        )
        return RouteDecision(unit_id=best.target_id, rule_id=best.id, reason="rule")
    partner_kind = PARTNER_BODIES.get(responsible)
    if partner_kind:
        partners = [unit for unit in covering if unit.kind == partner_kind]
        if partners:
            best_partner = max(partners, key=lambda u: (u.area_level, -u.id))
            return RouteDecision(unit_id=best_partner.id, rule_id=None, reason="partner")
    local = territorial_unit(covering)
    if local is None:
        return None
    return RouteDecision(unit_id=local.id, rule_id=None, reason="territorial")
