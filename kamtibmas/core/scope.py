"""The one place that decides which records a user may see (§2, SECURITY.md 8).

A police officer sees records whose area lies inside the coverage of their unit or
of any unit below it, and records that belong to those units. Staff of a partner
agency (kelurahan, kecamatan, city agency) see only records that belong to their
agency (e.g. referred to it), not everything that happens in its area: a partner is
not the police. Administrators see everything; residents and anonymous visitors see
no staff records. Every selector,
admin list and API endpoint goes through ``visible_to``; a record outside the
scope is simply not found (404), never "forbidden" (403), so its existence leaks
nothing.

A model declares how it is scoped with one class attribute:

* ``tenant_area_path``: lookup path to an ``Area`` (``"area"``, ``"dialogue__area"``);
* ``tenant_unit_path``: lookup path to a ``Unit`` (``"unit"``); ``""`` for Unit itself.

A model that declares both is visible through either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from django.http import Http404

from kamtibmas.accounts.models import Role
from kamtibmas.areas.models import POLICE_KINDS, Area, Unit, within_q

M = TypeVar("M", bound=models.Model)

_CACHE_ATTR = "_kamtibmas_scope"


@dataclass(frozen=True)
class Scope:
    everything: bool
    unit_ids: frozenset[int]
    areas: tuple[Area, ...]

    def unit_q(self, path: str) -> models.Q:
        if self.everything:
            return models.Q()
        return models.Q(**{f"{path}__in" if path else "pk__in": self.unit_ids})

    def area_q(self, path: str) -> models.Q:
        if self.everything:
            return models.Q()
        return within_q(list(self.areas), prefix=f"{path}__" if path else "")


NOTHING = Scope(everything=False, unit_ids=frozenset(), areas=())
EVERYTHING = Scope(everything=True, unit_ids=frozenset(), areas=())


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (i.e. per request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if user is not None and getattr(user, "is_authenticated", False):
        setattr(user, _CACHE_ATTR, scope)
    return scope


def _compute_scope(user: Any) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.ADMIN:
        return EVERYTHING
    if user.role == Role.RESIDENT or user.unit_id is None:
        return NOTHING
    unit = user.unit
    unit_ids = frozenset(
        Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True)
    )
    if unit.kind not in POLICE_KINDS:
        return Scope(everything=False, unit_ids=unit_ids, areas=())
    covered = list(Area.objects.filter(covering_units__in=unit_ids).distinct())
    return Scope(everything=False, unit_ids=unit_ids, areas=outermost(covered))


def outermost(areas: list[Area]) -> tuple[Area, ...]:
    """Drop areas that lie inside another one of the list: they add nothing to the
    scope and would only lengthen its ``IN`` lists (a Polda's posts each cover a
    village the Polda already covers)."""
    ids = {area.pk for area in areas}
    kept = [area for area in areas if not ids.intersection(area.ancestor_ids())]
    return tuple(sorted(kept, key=lambda area: (area.level, area.code)))


def visible_to(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    """Narrow ``queryset`` to what ``user`` may see."""
    model = queryset.model
    scope = scope_for(user)
    if scope.everything:
        return queryset
    if scope is NOTHING or (not scope.unit_ids and not scope.areas):
        return queryset.none()
    area_path = getattr(model, "tenant_area_path", None)
    unit_path = getattr(model, "tenant_unit_path", None)
    if area_path is None and unit_path is None:
        raise ImproperlyConfigured(
            f"{model.__name__} declares neither tenant_area_path nor tenant_unit_path."
        )
    condition = models.Q(pk__in=[])
    if area_path is not None and scope.areas:
        condition |= scope.area_q(area_path)
    if unit_path is not None and scope.unit_ids:
        condition |= scope.unit_q(unit_path)
    return queryset.filter(condition)


def get_visible_or_404(queryset: models.QuerySet[M], user: Any, **lookup: Any) -> M:
    """Fetch one record the user may see; anything else is 404."""
    try:
        return visible_to(queryset, user).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
