"""The vulnerability index, component by component, with hand-computed examples, and
its monotonicity as a property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamtibmas.safety.index import (
    DEFAULT_WEIGHTS,
    AreaInputs,
    CaseGroup,
    Component,
    OpenGroup,
    Weights,
    area_index,
    inputs_merge,
    weights_errors,
)

EMPTY_VISITED = AreaInputs(days_since_dialogue=0.0)


def normalised(inputs: AreaInputs, component: Component) -> float:
    return area_index(inputs).part(component).normalised


def test_recent_aspirations_are_weighted_by_severity_urgency_and_age():
    # kekerasan/tinggi: 1.0 × 0.75 = 0.75, 30 days old at a 30-day half-life: × 0.5
    # → 0.375; two pencurian/sedang today: 2 × 0.9 × 0.5 = 0.9. Load 1.275.
    inputs = AreaInputs(
        received=(
            CaseGroup("kekerasan", "tinggi", age_days=30, count=1),
            CaseGroup("pencurian", "sedang", age_days=0, count=2),
        ),
        days_since_dialogue=0,
    )
    part = area_index(inputs).part(Component.RECENT)
    assert part.raw == pytest.approx(1.275)
    # 1 − e^(−1.275 / 10) = 0.119707…
    assert part.normalised == pytest.approx(0.119707, abs=1e-6)
    assert part.counts == {"cases": 3}


def test_half_life_is_configurable():
    inputs = AreaInputs(received=(CaseGroup("narkoba", "darurat", age_days=10, count=1),))
    short = area_index(inputs, Weights(half_life_days=10)).part(Component.RECENT)
    long = area_index(inputs, Weights(half_life_days=40)).part(Component.RECENT)
    assert short.raw == pytest.approx(0.5)  # one half-life old
    assert long.raw == pytest.approx(0.5**0.25)  # a quarter of one: 0.8409


def test_repeats_count_every_case_after_the_first_of_its_category():
    # narkoba 2 + 1 = 3 cases → 2 repeats; pencurian 1 → 0; sosial 2 → 1. Total 3.
    inputs = AreaInputs(
        received=(
            CaseGroup("narkoba", "sedang", 1, 2),
            CaseGroup("narkoba", "rendah", 5, 1),
            CaseGroup("pencurian", "tinggi", 2, 1),
            CaseGroup("sosial", "rendah", 3, 2),
        )
    )
    part = area_index(inputs).part(Component.REPEAT)
    assert part.raw == 3
    assert part.normalised == pytest.approx(1 - math.exp(-1))  # 0.632121


def test_unresolved_and_overdue_cases():
    # open: 2 kekerasan/darurat (2 × 1.0) + 4 lingkungan/rendah (4 × 0.4 × 0.25 = 0.4)
    # = 2.4 → 1 − e^(−2.4/5) = 0.381217; overdue: 1 kekerasan/darurat = 1.0 →
    # 1 − e^(−1/3) = 0.283469.
    inputs = AreaInputs(
        unresolved=(
            OpenGroup("kekerasan", "darurat", open=2, overdue=1),
            OpenGroup("lingkungan", "rendah", open=4, overdue=0),
        )
    )
    index = area_index(inputs)
    assert index.part(Component.UNRESOLVED).raw == pytest.approx(2.4)
    assert index.part(Component.UNRESOLVED).normalised == pytest.approx(0.381217, abs=1e-6)
    assert index.part(Component.UNRESOLVED).counts == {"open": 6}
    assert index.part(Component.OVERDUE).normalised == pytest.approx(0.283469, abs=1e-6)
    assert index.part(Component.OVERDUE).counts == {"overdue": 1}


def test_inspection_problems_are_a_share_of_the_checklist():
    inputs = AreaInputs(problem_items=frozenset({1, 4, 7}), checklist_size=11)
    assert normalised(inputs, Component.INSPECTION) == pytest.approx(3 / 11)  # 0.2727
    assert normalised(AreaInputs(checklist_size=11), Component.INSPECTION) == 0


def test_aid_need_is_the_vulnerable_share_with_a_prior_of_five_households():
    assert normalised(AreaInputs(households=20, vulnerable_households=5), Component.AID) == (
        pytest.approx(5 / 25)
    )
    # One household of one: 1/6, not 100 %.
    assert normalised(AreaInputs(households=1, vulnerable_households=1), Component.AID) == (
        pytest.approx(1 / 6)
    )
    assert normalised(AreaInputs(), Component.AID) == 0


@pytest.mark.parametrize(
    ("days", "expected"), [(0.0, 0.0), (45.0, 0.5), (90.0, 1.0), (200.0, 1.0), (None, 1.0)]
)
def test_time_since_the_last_dialogue(days, expected):
    assert normalised(AreaInputs(days_since_dialogue=days), Component.GAP) == expected


def test_the_index_is_the_weighted_sum_of_the_components_and_keeps_its_inputs():
    inputs = AreaInputs(
        unresolved=(OpenGroup("kekerasan", "darurat", open=2, overdue=1),),
        households=20,
        vulnerable_households=5,
        days_since_dialogue=45,
    )
    index = area_index(inputs)
    # Default weights sum to 1: 100 × (0.20 × (1 − e^(−2/5)) + 0.10 × (1 − e^(−1/3))
    # + 0.05 × 0.2 + 0.15 × 0.5) = 100 × (0.065936 + 0.028347 + 0.01 + 0.075) = 17.928
    assert index.value == pytest.approx(17.928, abs=1e-3)
    assert index.value == pytest.approx(sum(p.contribution for p in index.parts))
    assert index.part(Component.GAP).contribution == pytest.approx(7.5)
    assert [p.component for p in index.parts] == list(Component)


def test_weights_are_shares_of_their_sum():
    inputs = AreaInputs(days_since_dialogue=None)  # gap 1, everything else 0
    only_gap = Weights(recent=0, repeat=0, unresolved=0, overdue=0, inspection=0, aid=0, gap=3)
    assert area_index(inputs, only_gap).value == pytest.approx(100)
    doubled = Weights(**{c.value: 2 * DEFAULT_WEIGHTS.of(c) for c in Component})
    assert area_index(inputs, doubled).value == pytest.approx(area_index(inputs).value)


def test_kelurahan_inputs_merge_their_rws():
    a = AreaInputs(
        received=(CaseGroup("narkoba", "sedang", 1, 1),),
        problem_items=frozenset({1, 2}),
        checklist_size=11,
        households=3,
        vulnerable_households=1,
        days_since_dialogue=40,
    )
    b = AreaInputs(
        received=(CaseGroup("narkoba", "sedang", 2, 1),),
        problem_items=frozenset({2, 3}),
        checklist_size=11,
        households=7,
        days_since_dialogue=None,
    )
    merged = inputs_merge([a, b])
    assert merged.problem_items == {1, 2, 3}
    assert (merged.households, merged.vulnerable_households) == (10, 1)
    assert merged.days_since_dialogue == 40
    assert area_index(merged).part(Component.REPEAT).raw == 1  # narkoba in both RWs


# ---- weights validation ------------------------------------------------------------


def test_negative_weights_are_refused_per_field():
    errors = weights_errors({"recent": -0.1, "gap": 0.5, "aid": -2})
    assert set(errors) == {"recent", "aid"}


def test_all_zero_weights_are_refused_on_every_weight():
    errors = weights_errors(
        dict.fromkeys(
            ("recent", "repeat", "unresolved", "overdue", "inspection", "aid", "gap"), 0.0
        )
    )
    assert set(errors) == {c.value for c in Component}
    with pytest.raises(ValueError, match="above zero"):
        area_index(AreaInputs(), Weights(**dict.fromkeys([c.value for c in Component], 0.0)))


def test_half_life_out_of_range_is_refused():
    assert set(weights_errors({"half_life_days": 0})) == {"half_life_days"}
    assert weights_errors({"half_life_days": 30}) == {}


# ---- monotonicity ------------------------------------------------------------------

categories = st.sampled_from(["kekerasan", "narkoba", "pencurian", "sosial", "lainnya"])
urgencies = st.sampled_from(["darurat", "tinggi", "sedang", "rendah"])
case_groups = st.builds(
    CaseGroup,
    category=categories,
    urgency=urgencies,
    age_days=st.floats(min_value=0, max_value=400),
    count=st.integers(min_value=1, max_value=50),
)


@st.composite
def open_groups(draw):
    count = draw(st.integers(min_value=1, max_value=50))
    return OpenGroup(
        draw(categories), draw(urgencies), open=count, overdue=draw(st.integers(0, count))
    )


area_inputs = st.builds(
    AreaInputs,
    received=st.lists(case_groups, max_size=6).map(tuple),
    unresolved=st.lists(open_groups(), max_size=6).map(tuple),
    problem_items=st.frozensets(st.integers(1, 11), max_size=11),
    checklist_size=st.just(11),
    households=st.integers(0, 500),
    vulnerable_households=st.integers(0, 500),
    days_since_dialogue=st.one_of(st.none(), st.floats(min_value=0, max_value=1000)),
)
weights = st.builds(
    Weights,
    **{c.value: st.floats(min_value=0, max_value=10) for c in Component},
    half_life_days=st.floats(min_value=1, max_value=365),
).filter(lambda w: w.total > 0)


@settings(max_examples=200, deadline=None)
@given(
    inputs=area_inputs,
    weights=weights,
    extra=st.integers(min_value=1, max_value=20),
    overdue=st.integers(min_value=0, max_value=20),
    category=st.sampled_from(["kekerasan", "narkoba", "pencurian"]),
    urgency=st.sampled_from(["darurat", "tinggi"]),
    age=st.floats(min_value=0, max_value=400),
)
def test_more_unresolved_serious_cases_never_lower_the_index(
    inputs, weights, extra, overdue, category, urgency, age
):
    before = area_index(inputs, weights)
    more = AreaInputs(
        received=(*inputs.received, CaseGroup(category, urgency, age, extra)),
        unresolved=(*inputs.unresolved, OpenGroup(category, urgency, extra, min(overdue, extra))),
        problem_items=inputs.problem_items,
        checklist_size=inputs.checklist_size,
        households=inputs.households,
        vulnerable_households=inputs.vulnerable_households,
        days_since_dialogue=inputs.days_since_dialogue,
    )
    after = area_index(more, weights)
    assert after.value >= before.value - 1e-9
    assert 0 <= before.value <= 100 + 1e-9
    for part in after.parts:
        assert 0 <= part.normalised <= 1
