"""Great-circle distances on a spherical Earth, and what a latitude/longitude box guarantees.

Pure functions; ``selectors.post_nearest`` uses them to search growing boxes on the
indexed ``(kind, latitude, longitude)`` columns and rank candidates exactly.
"""

from __future__ import annotations

import math

# Mean Earth radius (IUGG); the spherical model is within 0.5% of the ellipsoid.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(latitude1: float, longitude1: float, latitude2: float, longitude2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    phi1 = math.radians(latitude1)
    phi2 = math.radians(latitude2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(longitude2 - longitude1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def box_half_width(latitude: float, half_height: float) -> float:
    """Half-width in degrees of longitude of a box about as wide as it is high in km.

    Capped at 180 (all longitudes); near the poles the box spans every longitude.
    """
    cos_phi = math.cos(math.radians(latitude))
    if cos_phi <= half_height / 180:
        return 180.0
    return min(180.0, half_height / cos_phi)


def box_inner_radius_km(latitude: float, half_height: float, half_width: float) -> float:
    """The distance from the box's centre within which every point lies inside the box.

    The box is ``latitude ± half_height`` by ``longitude ± half_width`` (degrees). A
    point outside it differs in latitude by more than ``half_height`` (so it is at
    least that arc away) or in longitude by more than ``half_width`` (so it is at
    least as far as the meridian at that offset: ``asin(cos φ · sin w)``). A box that
    covers every latitude or longitude has no outside in that direction.
    """
    limits = []
    if latitude - half_height > -90 or latitude + half_height < 90:
        limits.append(math.radians(half_height))
    if half_width < 180:
        phi = math.radians(latitude)
        w = math.radians(min(half_width, 90.0))
        limits.append(math.asin(min(1.0, math.cos(phi) * math.sin(w))))
    if not limits:
        return math.inf
    return EARTH_RADIUS_KM * min(limits)
