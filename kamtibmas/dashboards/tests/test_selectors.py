"""The unit dashboard's figures against a small data set built by hand: the period
(the last 30 days) and the 30 days before it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamtibmas.aspirations.models import Aspiration, Status, Survey
from kamtibmas.core.timefmt import local_today
from kamtibmas.dashboards.selectors import previous_period, unit_dashboard
from kamtibmas.dashboards.stats import quantile, share
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.safety.tests.conftest import area, english
from kamtibmas.safety.tests.factories import case, held_dialogue
from kamtibmas.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db

__all__ = ["area", "english"]  # the fixtures, imported for this module


def resolved(aspiration: Aspiration, *, after_days: float, deadline_days: float) -> None:
    received = aspiration.received_at
    Aspiration.objects.filter(pk=aspiration.pk).update(
        status=Status.RESOLVED,
        resolved_at=received + timedelta(days=after_days),
        resolve_by=received + timedelta(days=deadline_days),
    )


def attended(dialogue: Dialogue, residents: int, leaders: int = 0, children: int = 0) -> Dialogue:
    Dialogue.objects.filter(pk=dialogue.pk).update(
        residents_count=residents, leaders_count=leaders, children_count=children
    )
    return dialogue


def answers(dialogue: Dialogue, code: str, values: list[int], tag: str) -> None:
    for i, value in enumerate(values):
        SurveyResponse.objects.create(
            dialogue=dialogue,
            voter_digest=f"{tag}-{code}-{i}",
            answered_on=local_today(),
            scores={code: value},
        )


def follow_up(aspiration: Aspiration, *, days_ago: float, fixed: bool, round: int = 1) -> None:
    moment = timezone.now() - timedelta(days=days_ago)
    Survey.objects.create(
        aspiration=aspiration, round=round, due_at=moment, answered_at=moment, fixed=fixed
    )


@pytest.fixture
def scene(area):
    officer, unit = area.officer_selatan, area.polsek_selatan
    # This period: five received (one rejected), three of them resolved.
    c1 = case(area.rw024, category="kekerasan", urgency="tinggi", days_ago=10)
    resolved(c1, after_days=2, deadline_days=7)  # in time
    c2 = case(area.rt001, category="narkoba", urgency="darurat", days_ago=8)
    resolved(c2, after_days=4, deadline_days=3)  # late
    c3 = case(area.rw001, category="kekerasan", urgency="sedang", days_ago=12)
    resolved(c3, after_days=9, deadline_days=14)  # in time
    c4 = case(
        area.kayuringin, category="pencurian", urgency="rendah", days_ago=3, status="received"
    )
    case(area.rw024, category="lainnya", urgency="rendah", days_ago=5, status=Status.REJECTED)
    # Outside the unit: not counted.
    outside = case(area.margahayu, category="kekerasan", urgency="tinggi", days_ago=3)
    resolved(outside, after_days=1, deadline_days=7)
    # The period before: two received; one resolved then, one resolved in this period.
    c7 = case(area.rw024, category="pencurian", urgency="sedang", days_ago=40)
    resolved(c7, after_days=36, deadline_days=14)  # late, resolved 4 days ago
    c8 = case(area.rw024, category="kekerasan", urgency="tinggi", days_ago=45)
    resolved(c8, after_days=10, deadline_days=14)  # in time, 35 days ago

    follow_up(c4, days_ago=1, fixed=False)
    follow_up(c1, days_ago=2, fixed=True)
    follow_up(c8, days_ago=33, fixed=False)
    follow_up(outside, days_ago=1, fixed=False)

    d1 = attended(held_dialogue(officer, unit, area.rw001, days_ago=5), 30, 5, 2)
    d2 = attended(held_dialogue(officer, unit, area.rw024, days_ago=20), 10)
    d_before = attended(held_dialogue(officer, unit, area.rw024, days_ago=40), 20)
    d_outside = attended(
        held_dialogue(area.officer_timur, area.polsek_timur, area.margahayu, days_ago=5), 99
    )
    planned = held_dialogue(officer, unit, area.rw001, days_ago=1)
    later = timezone.now() + timedelta(days=3)
    Dialogue.objects.filter(pk=planned.pk).update(
        status=DialogueStatus.PLANNED,
        actual_start=None,
        actual_end=None,
        planned_start=later,
        planned_end=later + timedelta(hours=2),
    )
    cancelled = held_dialogue(officer, unit, area.rw001, days_ago=2)
    Dialogue.objects.filter(pk=cancelled.pk).update(
        status=DialogueStatus.CANCELLED, cancel_reason="Hujan"
    )

    answers(d1, "rasa_aman", [4, 5, 3, 4, 5, 4], "now")
    answers(d1, "kepuasan", [5, 4, 5], "now")
    answers(d_before, "rasa_aman", [2, 3], "before")
    answers(d_outside, "rasa_aman", [1, 1, 1, 1, 1], "outside")
    area.today = local_today(unit.area)
    area.d1, area.d2, area.d_before, area.d_outside = d1, d2, d_before, d_outside
    area.cancelled = cancelled
    return area


def board(scene, actor=None, *, unit=None, area=None):
    return unit_dashboard(
        actor=actor or scene.commander_selatan,
        unit=unit or scene.polsek_selatan,
        period_start=scene.today - timedelta(days=29),
        period_end=scene.today,
        area=area,
    )


def test_dialogues_and_attendance(scene):
    dashboard = board(scene)
    now, before = dashboard.current, dashboard.previous
    assert (now.dialogues_held, now.dialogues_planned, now.attendance) == (2, 0, 47)
    assert (before.dialogues_held, before.dialogues_planned, before.attendance) == (1, 0, 20)


def test_a_planned_dialogue_in_the_period_counts_as_planned(scene):
    dashboard = unit_dashboard(
        actor=scene.commander_selatan,
        unit=scene.polsek_selatan,
        period_start=scene.today - timedelta(days=29),
        period_end=scene.today + timedelta(days=5),
    )
    assert dashboard.current.dialogues_planned == 1
    assert dashboard.current.dialogues_held == 2


def test_aspirations_by_category_urgency_and_status(scene):
    now = board(scene).current
    assert now.received == 5
    assert {k: v for k, v in now.by_category.items() if v} == {
        "kekerasan": 2,
        "narkoba": 1,
        "pencurian": 1,
        "lainnya": 1,
    }
    assert now.by_category["remaja"] == 0
    assert {k: v for k, v in now.by_urgency.items() if v} == {
        "tinggi": 1,
        "darurat": 1,
        "sedang": 1,
        "rendah": 2,
    }
    assert {k: v for k, v in now.by_status.items() if v} == {
        "resolved": 3,
        "received": 1,
        "rejected": 1,
    }
    # The rejected case is not a problem of the area: 3 of 4.
    assert (now.resolved, now.considered, now.share_resolved) == (3, 4, 75.0)


def test_days_to_resolve_and_sla(scene):
    now, before = board(scene).current, board(scene).previous
    # Resolved in the period after 2, 4, 9 and 36 days (the last received before it).
    assert now.resolved_in_period == 4
    assert now.median_days == pytest.approx(6.5)
    # p90: rank 0.9 x 3 = 2.7, between 9 and 36: 9 + 0.7 x 27.
    assert now.p90_days == pytest.approx(27.9)
    assert (now.sla_met, now.sla_measured, now.sla_compliance) == (2, 4, 50.0)
    assert before.received == 2 and before.share_resolved == 100.0
    assert before.resolved_in_period == 1
    assert before.median_days == pytest.approx(10) and before.p90_days == pytest.approx(10)
    assert before.sla_compliance == 100.0


def test_reopened_after_not_fixed(scene):
    dashboard = board(scene)
    assert dashboard.current.reopened_not_fixed == 1
    assert dashboard.previous.reopened_not_fixed == 1


def test_survey_scores_with_n_and_interval(scene):
    dashboard = board(scene)
    assert [q.code for q in dashboard.questions] == ["rasa_aman", "kepuasan", "kepercayaan"]
    safe = dashboard.current.scores["rasa_aman"]
    # Reference: mean 25/6, s = 0.752773, t(0.975, 5) = 2.570582, half = 0.789984.
    assert safe.count == 6
    assert safe.mean == pytest.approx(25 / 6)
    assert safe.low == pytest.approx(25 / 6 - 0.789984, abs=1e-5)
    assert safe.high == pytest.approx(25 / 6 + 0.789984, abs=1e-5)
    satisfied = dashboard.current.scores["kepuasan"]
    assert (satisfied.count, satisfied.mean) == (3, None)  # never a bare mean from three
    assert dashboard.current.scores["kepercayaan"].count == 0
    assert dashboard.previous.scores["rasa_aman"].count == 2


def test_an_administrator_sees_the_same_figures(scene):
    assert board(scene, scene.admin).current == board(scene).current


def test_another_unit_and_a_bad_period_are_refused(scene):
    with pytest.raises(PermissionDenied):
        unit_dashboard(
            actor=scene.commander_selatan,
            unit=scene.polsek_timur,
            period_start=scene.today,
            period_end=scene.today,
        )
    with pytest.raises(ValidationError):
        unit_dashboard(
            actor=scene.commander_selatan,
            unit=scene.polsek_selatan,
            period_start=scene.today,
            period_end=scene.today - timedelta(days=1),
        )


def test_a_fixed_number_of_queries_whatever_the_data_size(scene):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            board(scene)
        return len(captured.captured_queries)

    board(scene)  # the actor's scope is computed once per user object
    small = queries()
    for days in range(1, 15):
        resolved(case(scene.rw024, days_ago=days + 1), after_days=1, deadline_days=3)
        held_dialogue(scene.officer_selatan, scene.polsek_selatan, scene.rw001, days_ago=days)
    assert board(scene).current.received == 5 + 14
    assert queries() == small
    assert small == 15  # unit, questions, topics and child areas 5; ten for both periods


def test_previous_period_has_the_same_length():
    from datetime import date

    assert previous_period(date(2025, 7, 1), date(2025, 7, 31)) == (
        date(2025, 5, 31),
        date(2025, 6, 30),
    )
    assert previous_period(date(2025, 7, 1), date(2025, 7, 1)) == (
        date(2025, 6, 30),
        date(2025, 6, 30),
    )


def test_quantile_and_share_by_hand():
    assert quantile([], 0.5) is None
    assert quantile([3.0], 0.9) == 3.0
    assert quantile([4.0, 1.0, 2.0], 0.5) == 2.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)
    assert share(1, 3) == 33.3 and share(0, 0) is None
