"""Throttling password and second-factor guesses (SECURITY.md 10).

Failures are counted, never successes, in sliding windows (twelve buckets per window,
kept in the cache like ``core.throttle``'s counters, the client known only by
``core.throttle.client_key``), and a rule that is full refuses further tries until
its oldest failures age out: a cool-off, never a lock that someone must lift.

Rules for passwords, per account (a hash of the username):

- from one client: 10 failures in 15 minutes;
- from all unknown browsers together: 100 failures in an hour (SECURITY.md 10);
- from a browser where this account signed in before (a signed "known browser"
  cookie, OWASP's device cookies): 10 failures in 15 minutes for that browser alone,
  so an attacker elsewhere who fills the account's hourly rule does not lock its
  owner out of their own phone.

Second-factor codes: 10 failures in 15 minutes and 30 in an hour per account.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from kamtibmas.core.throttle import client_key

logger = logging.getLogger(__name__)

_BUCKETS = 12
KNOWN_BROWSER_COOKIE = "kamtibmas_known"
KNOWN_BROWSER_SALT = "kamtibmas.accounts.known-browser"
KNOWN_BROWSER_SECONDS = 180 * 24 * 60 * 60


@dataclass(frozen=True)
class Rule:
    name: str
    failures: int
    seconds: int

    @property
    def minutes(self) -> int:
        return -(-self.seconds // 60)


PASSWORD_PER_CLIENT = Rule("password-client", 10, 15 * 60)
PASSWORD_PER_ACCOUNT = Rule("password-account", 100, 60 * 60)
PASSWORD_PER_KNOWN_BROWSER = Rule("password-known", 10, 15 * 60)
OTP_SHORT = Rule("otp-short", 10, 15 * 60)
OTP_LONG = Rule("otp-long", 30, 60 * 60)


def _clock() -> float:
    """Seconds since the epoch (a function, so tests can move it)."""
    return time.time()


def account_key(username: str) -> str:
    """The account's name in the counters: usernames are compared case-insensitively
    here so that ``Bhabin`` and ``bhabin`` share them."""
    return hashlib.sha256(username.casefold().encode()).hexdigest()[:32]


def _keys(rule: Rule, who: str) -> list[str]:
    width = rule.seconds // _BUCKETS
    slot = int(_clock()) // width
    # Thirteen buckets: whatever the moment inside the current one, the sum covers at
    # least the whole window, so no window ever holds more than ``rule.failures``.
    return [f"bruteforce:{rule.name}:{who}:{s}" for s in range(slot - _BUCKETS, slot + 1)]


def failures(rule: Rule, who: str) -> int:
    return sum(int(v) for v in cache.get_many(_keys(rule, who)).values())


def _count(rule: Rule, who: str) -> None:
    key = _keys(rule, who)[-1]
    timeout = rule.seconds + rule.seconds // _BUCKETS + 5
    if not cache.add(key, 1, timeout):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout)


@dataclass(frozen=True)
class Counters:
    """The rules that apply to one attempt and whom each counts."""

    entries: tuple[tuple[Rule, str], ...]

    def refusing(self) -> Rule | None:
        """The first full rule (the attempt must not be tried), or ``None``."""
        for rule, who in self.entries:
            if failures(rule, who) >= rule.failures:
                logger.warning("sign-in throttled by %s", rule.name)
                return rule
        return None

    def fail(self) -> None:
        for rule, who in self.entries:
            _count(rule, who)


def known_browser(request: HttpRequest, account: str) -> bool:
    """Whether ``account`` signed in from this browser before (its signed cookie)."""
    try:
        value = request.get_signed_cookie(
            KNOWN_BROWSER_COOKIE, salt=KNOWN_BROWSER_SALT, max_age=KNOWN_BROWSER_SECONDS
        )
    except (KeyError, signing.BadSignature):
        return False
    return value == account


def known_browser_remember(response: HttpResponse, username: str, *, secure: bool) -> None:
    response.set_signed_cookie(
        KNOWN_BROWSER_COOKIE,
        account_key(username),
        salt=KNOWN_BROWSER_SALT,
        max_age=KNOWN_BROWSER_SECONDS,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def password_counters(request: HttpRequest, username: str) -> Counters:
    account = account_key(username)
    if known_browser(request, account):
        cookie = request.COOKIES.get(KNOWN_BROWSER_COOKIE, "")
        browser = hashlib.sha256(cookie.encode()).hexdigest()[:32]
        return Counters(((PASSWORD_PER_KNOWN_BROWSER, f"{account}:{browser}"),))
    return Counters(
        (
            (PASSWORD_PER_CLIENT, f"{account}:{client_key(request)}"),
            (PASSWORD_PER_ACCOUNT, account),
        )
    )


def otp_counters(user: Any) -> Counters:
    account = account_key(user.get_username())
    return Counters(((OTP_SHORT, account), (OTP_LONG, account)))
