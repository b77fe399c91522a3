"""Recommendations: capacity, spreading over simulated weeks, explanations."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kamtibmas.safety.recommend import (
    Candidate,
    capacity_of,
    explain,
    recommend,
    spread_factor,
)


def areas(indices: list[float], days: list[float | None] | None = None) -> list[Candidate]:
    days = days or [30.0] * len(indices)
    return [
        Candidate(key=i, index=index, days_since_dialogue=d)
        for i, (index, d) in enumerate(zip(indices, days, strict=True))
    ]


def test_capacity_is_officers_times_dialogues_per_week():
    assert capacity_of(officers=3, per_officer_per_week=2) == 6
    assert capacity_of(officers=3, per_officer_per_week=2, weeks=2) == 12
    assert capacity_of(officers=0, per_officer_per_week=2) == 0
    assert recommend(areas([50, 40]), officers=0) == []


@settings(max_examples=100, deadline=None)
@given(
    indices=st.lists(st.floats(min_value=0, max_value=100), min_size=0, max_size=40),
    officers=st.integers(min_value=0, max_value=6),
    per_week=st.integers(min_value=0, max_value=4),
)
def test_never_more_places_than_capacity(indices, officers, per_week):
    chosen = recommend(areas(indices), officers=officers, per_officer_per_week=per_week)
    assert len(chosen) == min(len(indices), officers * per_week)
    assert len({r.key for r in chosen}) == len(chosen)


def test_highest_need_first_and_recent_visits_pushed_down():
    # Area 0 has the highest index but was visited 2 days ago: 80 × (0.25 + 0.75 × 2/14)
    # = 28.6, below area 1 (40) and area 2 (30).
    chosen = recommend(areas([80, 40, 30, 10], [2, 30, 30, 30]), officers=1, per_officer_per_week=2)
    assert [r.key for r in chosen] == [1, 2]
    assert spread_factor(2) == pytest.approx(0.25 + 0.75 * 2 / 14)
    assert spread_factor(14) == 1 == spread_factor(None)


def test_an_area_not_visited_for_weeks_is_pushed_up():
    # Area 3 has a low index but no dialogue for 9 weeks: it takes a reserved slot.
    chosen = recommend(areas([80, 70, 60, 5], [30, 30, 30, 63]), officers=1, per_officer_per_week=2)
    assert {r.key for r in chosen} == {0, 3}
    starving = next(r for r in chosen if r.key == 3)
    assert starving.starving
    assert "not visited for 9 weeks" in starving.explanation


def simulate(indices: Sequence[float], *, weeks: int, spread: bool, **options) -> dict[int, int]:
    """Plan, hold every recommended dialogue, move on a week; the longest wait (in
    weeks) of each area between two visits."""
    since = dict.fromkeys(range(len(indices)), 0.0)
    longest = dict.fromkeys(range(len(indices)), 0)
    for _week in range(weeks):
        candidates = [
            Candidate(key=k, index=indices[k], days_since_dialogue=since[k] if spread else 30.0)
            for k in since
        ]
        visited = {r.key for r in recommend(candidates, **options)}
        for k in since:
            since[k] = 0.0 if k in visited else since[k] + 7
            longest[k] = max(longest[k], int(since[k] // 7))
    return longest


def test_no_area_starves_across_simulated_weeks():
    # 12 RWs, from very needy to quiet; 2 officers × 2 dialogues = 4 a week, 2 of them
    # reserved for areas waiting 6 weeks. The 6 quiet RWs start starving together, so
    # the last waits for the queue: 6 + ⌈6 / 2⌉ − 1 = 8 weeks, and never more, however
    # long the simulation runs.
    indices = [90, 85, 80, 70, 60, 40, 20, 10, 8, 5, 3, 1]
    for weeks in (52, 104):
        longest = simulate(
            indices, weeks=weeks, spread=True, officers=2, per_officer_per_week=2, starve_weeks=6
        )
        assert max(longest.values()) <= 8
        assert all(longest[k] <= 3 for k in range(5))  # the needy come back often
    # Without spreading the quiet areas are never visited: the test has teeth.
    naive = simulate(indices, weeks=52, spread=False, officers=2, per_officer_per_week=2)
    assert max(naive.values()) == 52


def test_needy_areas_still_get_most_visits():
    indices = [90, 85, 80, 70, 60, 40, 20, 10, 8, 5, 3, 1]
    visits = dict.fromkeys(range(12), 0)
    since = dict.fromkeys(range(12), 30.0)
    for _ in range(26):
        chosen = {
            r.key
            for r in recommend(
                [Candidate(k, indices[k], since[k]) for k in range(12)],
                officers=2,
                per_officer_per_week=2,
                starve_weeks=6,
            )
        }
        for k in range(12):
            visits[k] += k in chosen
            since[k] = 0.0 if k in chosen else since[k] + 7
    assert visits[0] > visits[11]
    assert min(visits.values()) >= 26 // 7


def test_the_explanation_in_indonesian_and_english():
    candidate = Candidate(
        key=1, index=60, days_since_dialogue=94.4, open=5, overdue=2, repeats=1, vulnerable=3
    )
    with translation.override("en"):
        reasons = explain(candidate, starving=False, recently_visited=False)
    assert reasons == (
        "5 unresolved cases, 2 overdue",
        "1 repeated problem",
        "3 households with vulnerability notes",
        "last dialogue 94 days ago",
    )
    never = explain(Candidate(key=2, index=10), starving=True, recently_visited=False)
    assert never == ("no dialogue held here yet",)
    recent = explain(
        Candidate(key=3, index=10, days_since_dialogue=3), starving=False, recently_visited=True
    )
    assert recent[-1] == "visited recently: placed lower to spread the visits"
