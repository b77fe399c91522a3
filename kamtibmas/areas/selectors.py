"""Reads of the areas app."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable

from django.db.models import Q

from kamtibmas.areas.geo import box_half_width, box_inner_radius_km, haversine_km
from kamtibmas.areas.models import Area, Unit, UnitKind
from kamtibmas.core.reference import remembered

# First search box: ± this many degrees of latitude (about 5.5 km), then ×4 each round.
NEAREST_FIRST_HALF_HEIGHT = 0.05
NEAREST_GROWTH = 4
# A candidate exactly on the box's inner circle is only trusted with this much slack.
_EDGE_SLACK_KM = 1e-6


def post_nearest(
    *,
    latitude: float,
    longitude: float,
    limit: int = 1,
    kinds: Iterable[UnitKind] = (UnitKind.POST,),
) -> list[tuple[Unit, float]]:
    """The ``limit`` units of ``kinds`` nearest to a point, with their distance in km.

    Nearest first; units without coordinates are never returned. Post locations
    are public (the portal shows them to anyone), so nothing is scoped here.

    Searches a box on the indexed ``(kind, latitude, longitude)`` columns that
    starts at ±0.05° and grows fourfold until ``limit`` candidates lie within the
    box's inner circle (``geo.box_inner_radius_km``): anything outside the box is
    farther than that, so those candidates are exactly the nearest. Candidates are
    ranked by haversine distance in Python.
    """
    if limit < 1:
        return []
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("Latitude must lie in [-90, 90] and longitude in [-180, 180].")
    kinds = [UnitKind(kind) for kind in kinds]
    half_height = NEAREST_FIRST_HALF_HEIGHT
    while True:
        half_width = box_half_width(latitude, half_height)
        rows = Unit.objects.filter(
            _box_q(latitude, longitude, half_height, half_width), kind__in=kinds
        ).values_list("pk", "latitude", "longitude")
        candidates = sorted(
            (haversine_km(latitude, longitude, lat, lon), pk)
            for pk, lat, lon in rows
            if lat is not None and lon is not None  # always, inside a box
        )
        radius = box_inner_radius_km(latitude, half_height, half_width)
        if len(candidates) >= limit and candidates[limit - 1][0] <= radius - _EDGE_SLACK_KM:
            break
        if math.isinf(radius):  # the box covers the whole globe: this is everything
            break
        half_height *= NEAREST_GROWTH
    winners = candidates[:limit]
    units = Unit.objects.in_bulk([pk for _distance, pk in winners])
    return [(units[pk], distance) for distance, pk in winners if pk in units]


def _box_q(latitude: float, longitude: float, half_height: float, half_width: float) -> Q:
    """Rows inside the box, splitting the longitude range where it crosses ±180°."""
    box = Q(latitude__gte=latitude - half_height, latitude__lte=latitude + half_height)
    if half_width >= 180:
        return box & Q(longitude__isnull=False)
    west, east = longitude - half_width, longitude + half_width
    if west < -180:
        return box & (Q(longitude__gte=west + 360) | Q(longitude__lte=east))
    if east > 180:
        return box & (Q(longitude__gte=west) | Q(longitude__lte=east - 360))
    return box & Q(longitude__gte=west, longitude__lte=east)


def unit_remembered(pk: int) -> Unit:
    """Unit ``pk`` from this process's memory of reference data (a copy of its own:
    the caller may change it). Raises ``Unit.DoesNotExist``."""
    found = remembered(("unit", pk), lambda: Unit.objects.filter(pk=pk).first())
    if found is None:
        raise Unit.DoesNotExist(f"No unit {pk}.")
    return copy.copy(found)


def area_remembered(*, pk: int | None = None, code: str | None = None) -> Area | None:
    """The area with id ``pk`` or Kemendagri ``code`` (a copy of its own), from this
    process's memory of reference data; ``None`` when there is none."""
    if pk is not None:
        found = remembered(("area", pk), lambda: Area.objects.filter(pk=pk).first())
    else:
        found = remembered(("area-code", code), lambda: Area.objects.filter(code=code).first())
    return copy.copy(found) if found is not None else None
