"""The dialogue survey: the signed link and when it is open, one answer per browser
without tracking, and means with 95% confidence intervals checked by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.safety.tests.factories import held_dialogue
from kamtibmas.surveys.models import SurveyResponse
from kamtibmas.surveys.services import (
    mean_interval,
    mean_interval_of_counts,
    survey_dialogue,
    survey_results,
    survey_submit,
    survey_token,
)

pytestmark = pytest.mark.django_db

DEVICE = "dGhpcy1pcy1hLWRldmljZS1rZXk"


@pytest.fixture
def dialogue(bekasi) -> Dialogue:
    return held_dialogue(bekasi.officer_selatan, bekasi.polsek_selatan, bekasi.rw024, days_ago=1)


def test_the_link_names_its_dialogue_and_cannot_be_forged(dialogue):
    raw = survey_token(dialogue)
    assert survey_dialogue(raw) == dialogue
    with pytest.raises(ValidationError) as refused:
        survey_dialogue(raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB"))
    assert refused.value.code == "unknown"
    with pytest.raises(ValidationError) as unknown:
        survey_dialogue(str(dialogue.pk))
    assert unknown.value.code == "unknown"


@pytest.mark.parametrize("change", ["cancelled", "future", "long_ago"])
def test_the_survey_is_open_from_the_start_to_fourteen_days_after(dialogue, change):
    now = timezone.now()
    if change == "cancelled":
        # A dialogue recorded as held cannot be cancelled through the services; a
        # planned one that was cancelled is the case here.
        Dialogue.objects.filter(pk=dialogue.pk).update(
            status=DialogueStatus.CANCELLED, cancel_reason="Hujan deras"
        )
    elif change == "future":
        Dialogue.objects.filter(pk=dialogue.pk).update(
            actual_start=now + timedelta(days=1), actual_end=now + timedelta(days=1, hours=2)
        )
    else:
        Dialogue.objects.filter(pk=dialogue.pk).update(
            actual_start=now - timedelta(days=16), actual_end=now - timedelta(days=15)
        )
    with pytest.raises(ValidationError) as closed:
        survey_dialogue(survey_token(dialogue))
    assert closed.value.code == "closed"


def test_one_answer_per_browser_and_dialogue_without_linking_them(bekasi, dialogue):
    answer = survey_submit(
        dialogue=dialogue,
        device_key=DEVICE,
        answers={"rasa_aman": "4", "kepuasan": 5, "saran": "  Lampu  gang mati  "},
    )
    assert answer.scores == {"rasa_aman": 4, "kepuasan": 5}
    assert answer.comment == "Lampu gang mati"
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM surveys_surveyresponse")
        assert "Lampu" not in cursor.fetchone()[0]
    with pytest.raises(ValidationError) as again:
        survey_submit(dialogue=dialogue, device_key=DEVICE, answers={"rasa_aman": "2"})
    assert again.value.code == "already_answered"
    survey_submit(dialogue=dialogue, device_key=DEVICE + "x", answers={"rasa_aman": "2"})
    other = held_dialogue(bekasi.officer_selatan, bekasi.polsek_selatan, bekasi.rw024, days_ago=3)
    survey_submit(dialogue=other, device_key=DEVICE, answers={"rasa_aman": "3"})
    digests = set(SurveyResponse.objects.values_list("voter_digest", flat=True))
    assert len(digests) == 3 and DEVICE not in "".join(digests)


@pytest.mark.parametrize(
    "answers", [{"rasa_aman": "6"}, {"kepuasan": "baik"}, {}, {"saran": "x" * 1001}]
)
def test_answers_out_of_range_or_none_at_all_are_refused(dialogue, answers):
    with pytest.raises(ValidationError):
        survey_submit(dialogue=dialogue, device_key=DEVICE, answers=answers)
    assert SurveyResponse.objects.count() == 0


def test_the_interval_matches_a_hand_computation():
    # 4, 5, 3, 4, 5, 4: mean 25/6 = 4.1667, s = 0.7528, t(0.975, 5) = 2.5706,
    # half-width 2.5706 × 0.7528 / √6 = 0.7900.
    n, mean, low, high = mean_interval([4, 5, 3, 4, 5, 4])
    assert n == 6 and mean == pytest.approx(4.1667, abs=1e-4)
    assert low == pytest.approx(3.3767, abs=1e-3) and high == pytest.approx(4.9567, abs=1e-3)
    # Clipped to the scale: 5, 5, 5, 5, 1 (mean 4.2, s = 1.7889, t(0.975, 4) = 2.7764,
    # half-width 2.2212) would reach 6.42.
    _n, _mean, low, high = mean_interval([5, 5, 5, 5, 1])
    assert low == pytest.approx(1.9788, abs=1e-3) and high == 5.0


def test_the_interval_from_counts_is_the_interval_from_the_answers():
    import random

    rng = random.Random(7)
    for size in (4, 5, 6, 40, 3_000):
        answers = [rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5]) for _answer in range(size)]
        counts = {value: answers.count(value) for value in range(1, 6)}
        from_counts = mean_interval_of_counts(counts)
        from_answers = mean_interval(answers)
        assert from_counts[0] == from_answers[0] == size
        if from_answers[1] is None:
            assert from_counts[1:] == (None, None, None)
            continue
        assert from_counts[1] == from_answers[1]  # both exact, correctly rounded
        assert from_counts[2:] == pytest.approx(from_answers[2:], rel=1e-12)
    assert mean_interval_of_counts({4: 3, 5: 2, 3: 1}) == pytest.approx(
        mean_interval([4, 5, 3, 4, 5, 4])
    )
    assert mean_interval_of_counts({5: 5})[1:] == (5.0, 5.0, 5.0)


def test_no_mean_from_a_handful_of_answers(dialogue):
    for number, score in enumerate([5, 4, 5, 4]):
        survey_submit(
            dialogue=dialogue, device_key=f"{DEVICE}{number}", answers={"kepuasan": score}
        )
    results = {r.question.code: r for r in survey_results(SurveyResponse.objects.all())}
    assert results["kepuasan"].count == 4 and results["kepuasan"].mean is None
    assert results["rasa_aman"].count == 0
    survey_submit(dialogue=dialogue, device_key=f"{DEVICE}9", answers={"kepuasan": 3})
    results = {r.question.code: r for r in survey_results(SurveyResponse.objects.all())}
    assert results["kepuasan"].mean == pytest.approx(4.2)
