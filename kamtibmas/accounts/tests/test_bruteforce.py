"""Guessing is throttled per account with a cool-off, never a lasting lock
(SECURITY.md 10, kamtibmas.accounts.bruteforce)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from kamtibmas.accounts import bruteforce
from kamtibmas.accounts.bruteforce import (
    KNOWN_BROWSER_COOKIE,
    PASSWORD_PER_ACCOUNT,
    known_browser_remember,
    password_counters,
)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    cache.clear()
    now = [time.time()]
    monkeypatch.setattr(bruteforce, "_clock", lambda: now[0])
    yield now
    cache.clear()


def from_address(address: str, cookie: str | None = None):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=address)
    if cookie is not None:
        request.COOKIES[KNOWN_BROWSER_COOKIE] = cookie
    return request


def fail_from(address: str, username: str = "bhabin") -> bool:
    """One wrong password from ``address``; whether it was even tried."""
    counters = password_counters(from_address(address), username)
    if counters.refusing() is not None:
        return False
    counters.fail()
    return True


def test_the_101st_failure_in_an_hour_is_not_tried_from_any_address(clock):
    tried = 0
    for n in range(150):
        clock[0] += 20  # 150 tries over 50 minutes, from ever new addresses
        tried += fail_from(f"203.0.113.{n}")
    assert tried == 100
    assert password_counters(from_address("198.51.100.1"), "bhabin").refusing() == (
        PASSWORD_PER_ACCOUNT
    )
    assert password_counters(from_address("198.51.100.1"), "kapolres").refusing() is None


def test_no_window_of_an_hour_ever_holds_more_than_100_failures(clock):
    times = []
    for n in range(600):
        clock[0] += 17
        if fail_from(f"10.0.{n // 250}.{n % 250}"):
            times.append(clock[0])
    assert len(times) > 100, "the cool-off ended and tries resumed"
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t - start < 3600) <= 100


def test_the_cool_off_ends(clock):
    for n in range(100):
        fail_from(f"203.0.113.{n}")
    assert not fail_from("203.0.113.200")
    clock[0] += 3600 + 300 + 1
    assert fail_from("203.0.113.200")


def test_an_attacker_cannot_lock_the_owner_out_of_a_browser_they_signed_in_on(clock):
    response = HttpResponse()
    known_browser_remember(response, "bhabin", secure=False)
    cookie = response.cookies[KNOWN_BROWSER_COOKIE].value
    for n in range(120):
        fail_from(f"203.0.113.{n}")
    owner = password_counters(from_address("198.51.100.9", cookie), "bhabin")
    assert owner.refusing() is None
    # The cookie is the owner's only: it does not help with another account.
    other = password_counters(from_address("198.51.100.9", cookie), "bhabin2")
    assert other.entries[0][0] is not bruteforce.PASSWORD_PER_KNOWN_BROWSER
    # And guessing from a known browser is limited on its own.
    for _ in range(10):
        owner.fail()
    assert owner.refusing() is bruteforce.PASSWORD_PER_KNOWN_BROWSER


def test_a_forged_known_browser_cookie_counts_as_unknown(clock):
    for n in range(100):
        fail_from(f"203.0.113.{n}")
    forged = password_counters(from_address("198.51.100.9", "bhabin:forged"), "bhabin")
    assert forged.refusing() is PASSWORD_PER_ACCOUNT


def test_usernames_share_counters_whatever_their_case(clock):
    for _ in range(10):
        fail_from("203.0.113.1", "Bhabin")
    assert not fail_from("203.0.113.1", "bhabin")
