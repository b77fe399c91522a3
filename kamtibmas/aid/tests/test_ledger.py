"""The ledger's arithmetic: any sequence of movements it accepts keeps every balance
equal to its reconciliation and never below zero."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.aid.ledger import (
    Kind,
    LedgerError,
    Movement,
    apply,
    balances,
    reconcile,
)

movements = st.builds(
    Movement,
    item=st.integers(1, 3),
    location=st.integers(1, 3),
    kind=st.sampled_from(list(Kind)),
    quantity=st.integers(-20, 40),
)


@given(st.lists(movements, max_size=60))
def test_accepted_movements_never_go_negative_and_always_reconcile(sequence):
    state: dict = {}
    accepted: list[Movement] = []
    for movement in sequence:
        try:
            state = apply(state, [movement])
        except LedgerError:
            continue  # refused: nothing changed
        accepted.append(movement)
    assert all(value >= 0 for value in state.values())
    assert {k: v for k, v in state.items() if v} == {
        k: v for k, v in balances(accepted).items() if v
    }
    for key, summary in reconcile(accepted).items():
        assert summary.expected == state.get(key, 0)


@given(st.lists(movements, min_size=1, max_size=10))
def test_a_batch_is_all_or_nothing(batch):
    start = {(item, location): 10 for item in range(1, 4) for location in range(1, 4)}
    try:
        after = apply(start, batch)
    except LedgerError:
        return
    assert after == {
        key: start.get(key, 0) + balances(batch).get(key, 0) for key in start | balances(batch)
    }


def test_refusals_say_why():
    with pytest.raises(LedgerError) as excinfo:
        apply({}, [Movement(1, 1, Kind.HANDED_OUT, 1)])
    assert excinfo.value.code == "negative" and excinfo.value.key == (1, 1)
    with pytest.raises(LedgerError) as excinfo:
        apply({}, [Movement(1, 1, Kind.RECEIVED, 0)])
    assert excinfo.value.code == "not_positive"
    with pytest.raises(LedgerError) as excinfo:
        apply({}, [Movement(1, 1, Kind.ADJUSTED, 0)])
    assert excinfo.value.code == "zero"
    assert apply({(1, 1): 5}, [Movement(1, 1, Kind.ADJUSTED, -5)]) == {(1, 1): 0}
