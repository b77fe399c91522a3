"""Counting attempts per client without remembering who the client is.

Receipt-code lookups, the public triage endpoint and other unauthenticated doors
are throttled per client and globally. SECURITY.md 14 forbids keeping an IP
address anywhere, throttling tables included, so a client is known only by an
HMAC of its address under a random salt that lives in the cache for one day and
is never written to disk by us: once the salt expires, yesterday's counters cannot
be linked to an address by anyone, including us.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

_SALT_SECONDS = 26 * 60 * 60


@dataclass(frozen=True)
class Limit:
    attempts: int
    seconds: int


def _salt() -> bytes:
    key = f"throttle-salt:{timezone.now():%Y-%m-%d}"
    salt = cache.get(key)
    if salt is None:
        cache.add(key, secrets.token_hex(32), _SALT_SECONDS)
        salt = cache.get(key)
    return str(salt).encode()


def client_address(request: Any) -> str:
    """The address of the client that sent ``request``: the peer's, or behind a
    proxy (``KAMTIBMAS_BEHIND_PROXY``) the one the proxy names in ``X-Real-IP``. The
    proxy sets that header on every request, replacing whatever a client sent
    (deploy/kamtibmas.conf); without it every request would come from the proxy, and
    one client could use up a per-client limit for everyone."""
    if settings.KAMTIBMAS_BEHIND_PROXY:
        named = request.META.get("HTTP_X_REAL_IP", "").strip()
        if named:
            return named
    return request.META.get("REMOTE_ADDR", "") or "-"


def client_key(request: Any) -> str:
    """An unlinkable per-day name for the client that sent ``request``."""
    address = client_address(request)
    return hmac.new(_salt(), address.encode(), hashlib.sha256).hexdigest()[:32]


def _window(scope: str, who: str, limit: Limit) -> str:
    slot = int(timezone.now().timestamp()) // limit.seconds
    return f"throttle:{scope}:{who}:{slot}"


def throttle_exceeded(*, scope: str, who: str, limit: Limit) -> bool:
    """Whether ``who`` has used up ``limit`` in ``scope`` (without counting)."""
    return int(cache.get(_window(scope, who, limit), 0)) >= limit.attempts


def throttle_count(*, scope: str, who: str, limit: Limit) -> int:
    """Count one attempt; returns the attempts so far in the current window."""
    key = _window(scope, who, limit)
    if cache.add(key, 1, limit.seconds + 5):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, limit.seconds + 5)
        return 1


def throttle_allow(*, scope: str, request: Any, per_client: Limit, overall: Limit) -> bool:
    """Count an attempt from ``request``'s client and say whether it may proceed."""
    who = client_key(request)
    if throttle_exceeded(scope=scope, who=who, limit=per_client) or throttle_exceeded(
        scope=scope, who="*", limit=overall
    ):
        return False
    throttle_count(scope=scope, who=who, limit=per_client)
    throttle_count(scope=scope, who="*", limit=overall)
    return True
