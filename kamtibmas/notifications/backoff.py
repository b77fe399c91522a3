"""When to try a failed delivery again: exponential backoff with jitter."""

from __future__ import annotations

import random
from datetime import timedelta

BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
JITTER = 0.2


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1, 2, …): one minute doubled
    for each earlier attempt, ±20 % so that messages failed together do not all come
    back together, and never more than six hours."""
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    exponent = min(attempts - 1, 32)  # 2**32 minutes is far past the cap already
    nominal = BASE_DELAY.total_seconds() * 2**exponent
    factor = 1 + JITTER * (2 * (rng or random).random() - 1)
    return timedelta(seconds=min(nominal * factor, MAX_DELAY.total_seconds()))
