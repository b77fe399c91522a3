"""Pure arithmetic of the dashboards: quantiles and shares, no ORM."""

from __future__ import annotations

import math
from collections.abc import Sequence


def quantile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation between the
    closest ranks (``statistics.quantiles(method="inclusive")``, NumPy's default);
    ``None`` for no values."""
    if not values:
        return None
    if not 0.0 <= q <= 1.0:
        raise ValueError("q lies outside 0..1")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; ``None`` when there is no whole."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)
