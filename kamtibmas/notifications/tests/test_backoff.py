"""The retry schedule: doubling from one minute, ±20 %, at most six hours."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.notifications.backoff import MAX_DELAY, retry_delay


@given(attempts=st.integers(min_value=1, max_value=10_000), seed=st.integers())
def test_the_wait_doubles_within_its_jitter_and_stops_at_six_hours(attempts, seed):
    delay = retry_delay(attempts, rng=random.Random(seed)).total_seconds()

    nominal = 60 * 2 ** min(attempts - 1, 40)
    assert min(0.8 * nominal, MAX_DELAY.total_seconds()) <= delay
    assert delay <= min(1.2 * nominal, MAX_DELAY.total_seconds())


def test_the_first_waits_are_about_one_two_and_four_minutes():
    waits = [retry_delay(n, rng=random.Random(7)) for n in (1, 2, 3)]
    for wait, minutes in zip(waits, (1, 2, 4), strict=True):
        assert abs(wait - timedelta(minutes=minutes)) <= timedelta(minutes=minutes) * 0.2


def test_the_jitter_spreads_messages_that_failed_together():
    rng = random.Random(1)
    assert len({retry_delay(3, rng=rng) for _ in range(20)}) == 20


def test_attempts_start_at_one():
    with pytest.raises(ValueError):
        retry_delay(0)
