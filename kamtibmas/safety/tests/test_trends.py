"""Trends (issue 9 point 3): the index month by month with the cases' state as it was
then, and the before/after comparison around dialogues."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.timefmt import local_today
from kamtibmas.safety.index import Component
from kamtibmas.safety.tests.factories import case, held_dialogue
from kamtibmas.safety.trends import area_trend, dialogue_effects, month_ends

pytestmark = pytest.mark.django_db


def test_month_ends_run_back_from_today():
    assert month_ends(date(2026, 3, 15), 4) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 15),
    ]


def test_a_resolved_case_counts_as_open_in_the_months_before_its_resolution(area):
    officer = area.officer_selatan
    old = case(area.rw024, days_ago=100)
    Aspiration.objects.filter(pk=old.pk).update(
        status="resolved", resolved_at=timezone.now() - timedelta(days=5)
    )
    points = area_trend(actor=officer, unit=area.polsek_selatan, area=area.rw024, months=5)
    assert len(points) == 5
    opened = [p.index.part(Component.UNRESOLVED).counts["open"] for p in points]
    # Open at the ends of the months after it came in, no longer open today.
    assert opened[-1] == 0 and max(opened[:-1]) == 1
    # The index was higher while it was open.
    assert points[-2].index.value > points[-1].index.value


def test_the_trend_of_an_area_outside_the_unit_is_refused(area):
    with pytest.raises(PermissionDenied):
        area_trend(actor=area.officer_selatan, unit=area.polsek_selatan, area=area.rw003_margahayu)


def test_cases_before_and_after_a_dialogue_against_the_other_areas(area):
    officer = area.officer_selatan
    dialogue = held_dialogue(officer, area.polsek_selatan, area.rw024, days_ago=70)
    for days in (80, 90, 100):  # three in the 60 days before the dialogue
        case(area.rw024, days_ago=days)
    case(area.rw024, days_ago=30)  # one in the 60 days after
    case(area.rw001, days_ago=95)  # another RW, no dialogue: one before, two after
    case(area.rw001, days_ago=40)
    case(area.rw001, days_ago=20)
    today = local_today(area.polsek_selatan.area)
    summary = dialogue_effects(
        actor=officer,
        unit=area.polsek_selatan,
        period_start=today - timedelta(days=365),
        period_end=today,
    )
    (effect,) = summary.effects
    assert effect.dialogue == dialogue and effect.area == area.rw024
    assert (effect.before, effect.after, effect.change) == (3, 1, -2)
    # The unit's only other RW, without a dialogue then: one case before, two after.
    assert (effect.others_before, effect.others_after) == (1, 2)
    assert summary.difference == pytest.approx(effect.change - effect.others_change)


def test_a_dialogue_whose_after_window_has_not_passed_is_left_out(area):
    held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw024, days_ago=10)
    today = local_today(area.polsek_selatan.area)
    summary = dialogue_effects(
        actor=area.officer_selatan,
        unit=area.polsek_selatan,
        period_start=today - timedelta(days=30),
        period_end=today,
    )
    assert summary.effects == [] and summary.difference is None


def test_a_reversed_period_is_refused(area):
    today = local_today(area.polsek_selatan.area)
    with pytest.raises(ValidationError):
        dialogue_effects(
            actor=area.officer_selatan,
            unit=area.polsek_selatan,
            period_start=today,
            period_end=today - timedelta(days=1),
        )
