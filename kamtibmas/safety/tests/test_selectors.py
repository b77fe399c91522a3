"""``area_index`` and ``dialogue_recommendations`` against the database: the inputs
it gathers, its scope, its bad input and its bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kamtibmas.accounts.models import Role
from kamtibmas.aspirations.models import Status
from kamtibmas.conftest import make_user
from kamtibmas.core.timefmt import local_today
from kamtibmas.safety.index import Component
from kamtibmas.safety.models import SafetyWeights
from kamtibmas.safety.selectors import area_index, dialogue_recommendations
from kamtibmas.safety.tests.factories import case, held_dialogue, households, inspection


def period(days: int = 90):
    today = local_today()
    return {"period_start": today - timedelta(days=days), "period_end": today}


def picture_of(area, actor=None, unit=None, **extra):
    return area_index(
        actor=actor or area.commander_selatan,
        unit=unit or area.polsek_selatan,
        **period(),
        **extra,
    )


@pytest.fixture
def scene(area):
    """RW 024: two open kekerasan/tinggi cases (one overdue) in RT 001, an old
    narkoba case and 4 households, 2 with notes, no dialogue. RW 001: one resolved
    pencurian case, a dialogue 10 days ago with 2 problems found."""
    case(area.rt001, category="kekerasan", urgency="tinggi", days_ago=3, overdue=True)
    case(area.rw024, category="kekerasan", urgency="tinggi", days_ago=20)
    case(area.rw024, category="narkoba", urgency="sedang", days_ago=200)
    case(area.rw001, category="pencurian", urgency="sedang", days_ago=5, status=Status.RESOLVED)
    case(area.rw001, category="lainnya", urgency="rendah", days_ago=5, status=Status.REJECTED)
    households(area.officer_selatan, area.rw024, total=4, vulnerable=2)
    dialogue = held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw001, days_ago=10)
    inspection(area.officer_selatan, dialogue, problems=["cctv", "penerangan_jalan"], ok=["portal"])
    case(area.rw003_margahayu, category="narkoba", urgency="darurat", days_ago=1)
    return area


def test_the_inputs_of_each_rw_and_kelurahan(scene):
    picture = picture_of(scene)
    by_code = {s.area.code: s for s in picture.rws}
    assert [s.area for s in picture.rws] == [scene.rw024, scene.rw001]  # Margahayu is not ours
    rw024, rw001 = by_code[scene.rw024.code], by_code[scene.rw001.code]
    assert rw024.kelurahan == scene.kayuringin
    counts = {p.component: p.counts for p in rw024.index.parts}
    assert counts[Component.RECENT] == {"cases": 2}  # the 200-day-old case is outside
    assert counts[Component.REPEAT] == {"repeats": 1}
    assert counts[Component.UNRESOLVED] == {"open": 3}  # open cases of any age count
    assert counts[Component.OVERDUE] == {"overdue": 1}
    assert counts[Component.AID] == {"households": 4, "vulnerable": 2}
    assert rw024.inputs.days_since_dialogue is None
    assert rw024.index.part(Component.GAP).normalised == 1
    rw001_counts = {p.component: p.counts for p in rw001.index.parts}
    assert rw001_counts[Component.RECENT] == {"cases": 1}  # the rejected one is no problem
    assert rw001_counts[Component.UNRESOLVED] == {"open": 0}
    assert rw001_counts[Component.INSPECTION] == {"problems": 2, "checklist": 11}
    assert rw001.inputs.days_since_dialogue == pytest.approx(10, abs=0.1)
    assert rw024.index.value > rw001.index.value
    [kayuringin] = picture.kelurahan
    assert kayuringin.area == scene.kayuringin
    assert kayuringin.inputs.households == 4
    assert len(kayuringin.inputs.problem_items) == 2
    assert kayuringin.inputs.days_since_dialogue == pytest.approx(10, abs=0.1)


def test_the_unit_weights_are_used(scene):
    SafetyWeights.objects.create(
        unit=scene.polres, recent=0, repeat=0, unresolved=0, overdue=0, inspection=0, aid=0, gap=1
    )
    picture = picture_of(scene)  # Polsek Bekasi Selatan inherits the Polres' weights
    assert picture.weights.gap == 1
    by_area = {s.area: s.index.value for s in picture.rws}
    assert by_area[scene.rw024] == pytest.approx(100)  # never visited
    assert by_area[scene.rw001] == pytest.approx(100 * 10 / 90, abs=0.2)


def test_a_reversed_period_is_refused(area):
    today = local_today()
    with pytest.raises(ValidationError) as error:
        area_index(
            actor=area.commander_selatan,
            unit=area.polsek_selatan,
            period_start=today,
            period_end=today - timedelta(days=1),
        )
    assert "before its start" in str(error.value.message_dict["period_end"])


def test_another_units_area_is_refused(area):
    with pytest.raises(PermissionDenied, match="cannot see the areas of Polsek Bekasi Timur"):
        picture_of(area, unit=area.polsek_timur)
    with pytest.raises(PermissionDenied, match="Margahayu lies outside the areas of"):
        picture_of(area, within=area.margahayu)


def test_within_narrows_the_picture_to_one_area(scene):
    picture = picture_of(scene, actor=scene.commander_polres, unit=scene.polres, within=scene.rw024)
    assert [s.area for s in picture.rws] == [scene.rw024]
    assert picture.kelurahan == []


def grow(area, n: int) -> None:
    for i in range(n):
        case(area.rt001, category=["kekerasan", "narkoba", "sosial"][i % 3], days_ago=i + 1)
        case(area.rw001, category="pencurian", days_ago=i + 2, status=Status.RESOLVED)
        held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw001, days_ago=i + 1)
    households(area.officer_selatan, area.rw024, total=n, vulnerable=n // 2)


@pytest.mark.parametrize("size", [2, 25])
def test_queries_do_not_grow_with_the_data(area, size, django_assert_max_num_queries):
    grow(area, size)
    officer = make_user(f"bhabin.q{size}", Role.COMMANDER, area.polsek_selatan)
    with django_assert_max_num_queries(12):
        picture = area_index(actor=officer, unit=area.polsek_selatan, **period())
    assert picture.rws[0].area == area.rw024
    with django_assert_max_num_queries(13):
        dialogue_recommendations(actor=officer, unit=area.polsek_selatan, **period())


def test_recommendations_use_the_units_community_officers(scene):
    # One community officer (bhabin.selatan) × 2 a week: two places.
    planning = dialogue_recommendations(
        actor=scene.commander_selatan, unit=scene.polsek_selatan, **period()
    )
    assert (planning.officers, planning.capacity) == (1, 2)
    assert [score.area for score, _ in planning.items] == [scene.rw024, scene.rw001]
    rw024 = planning.items[0][1]
    assert rw024.explanation.startswith("3 unresolved cases, 1 overdue; 2 aspirations")
    assert "no dialogue held here yet" in rw024.explanation
    make_user("bhabin.dua", Role.COMMUNITY_OFFICER, scene.post_kayuringin)
    planning = dialogue_recommendations(
        actor=scene.commander_selatan, unit=scene.polsek_selatan, per_officer_per_week=1, **period()
    )
    assert planning.capacity == 2
