"""Following a case by its receipt code, throttled (SECURITY.md 11, 15).

The code is the only key to an anonymous case, so guessing must be hopeless: 80
bits, and at most ``PER_CLIENT`` wrong codes per client and ``OVERALL`` wrong
codes in all per hour. Right codes are not counted, so a reporter checking their
case often is never locked out by their own visits.
"""

from __future__ import annotations

from typing import Any

from kamtibmas.aspirations.models import Aspiration
from kamtibmas.aspirations.selectors import aspiration_by_receipt
from kamtibmas.core.throttle import Limit, client_key, throttle_count, throttle_exceeded

SCOPE = "receipt"
PER_CLIENT = Limit(attempts=10, seconds=3600)
OVERALL = Limit(attempts=1000, seconds=3600)


class TrackingThrottled(Exception):
    """Too many wrong codes: try again later."""


def aspiration_track(*, code: str, request: Any) -> Aspiration | None:
    """The case behind ``code``, ``None`` for a wrong code, ``TrackingThrottled``
    when this client (or everyone together) has guessed wrong too often."""
    who = client_key(request)
    if throttle_exceeded(scope=SCOPE, who=who, limit=PER_CLIENT) or throttle_exceeded(
        scope=SCOPE, who="*", limit=OVERALL
    ):
        raise TrackingThrottled
    case = aspiration_by_receipt(code)
    if case is None:
        throttle_count(scope=SCOPE, who=who, limit=PER_CLIENT)
        throttle_count(scope=SCOPE, who="*", limit=OVERALL)
    return case
