"""The lifecycle of §4 C2 as a state machine (property-based)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamtibmas.aspirations.lifecycle import (
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    InvalidTransition,
    allowed_actions,
    next_status,
)
from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Status
from kamtibmas.aspirations.services import aspiration_act

REACHABLE = {Status.RECEIVED}
_frontier = [Status.RECEIVED]
while _frontier:
    state = _frontier.pop()
    for action in allowed_actions(state):
        target = next_status(state, action)
        if target not in REACHABLE:
            REACHABLE.add(target)
            _frontier.append(target)


def test_every_state_is_reachable_and_every_state_has_a_way_on():
    assert set(Status) == REACHABLE
    assert all(allowed_actions(state) for state in Status)
    assert set(Status) == OPEN_STATES | FINAL_STATES
    assert not OPEN_STATES & FINAL_STATES


def test_the_paths_of_the_specification():
    path = [Action.VERIFY, Action.REFER, Action.START, Action.RESOLVE, Action.REOPEN]
    state = Status.RECEIVED
    for action in path:
        state = next_status(state, action)
    assert state == Status.REOPENED
    assert next_status(Status.VERIFIED, Action.START) == Status.IN_PROGRESS
    with pytest.raises(InvalidTransition):
        next_status(Status.RECEIVED, Action.RESOLVE)  # nobody looked at it yet
    with pytest.raises(InvalidTransition):
        next_status(Status.RESOLVED, Action.VERIFY)
    with pytest.raises(InvalidTransition):
        next_status(Status.IN_PROGRESS, Action.REJECT)


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_no_sequence_of_actions_reaches_an_invalid_state(actions):
    state = Status.RECEIVED
    for action in actions:
        try:
            new = next_status(state, action)
        except InvalidTransition:
            assert action not in allowed_actions(state)
            continue
        sources, target = TRANSITIONS[action]
        assert state in sources and new == target
        assert new in REACHABLE
        state = new


ACTION_ARGS = {
    Action.RESOLVE: {"text": "Lampu sudah diganti oleh kelurahan."},
    Action.REJECT: {"text": "Pesan tidak dapat dipahami."},
    Action.CLOSE_UNRESOLVED: {"text": "Di luar kewenangan kepolisian."},
}


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(st.sampled_from(list(Action)), min_size=1, max_size=8))
def test_the_service_follows_the_machine_and_records_every_change(c2, submit, actions):
    """Random action sequences through ``aspiration_act``: allowed ones move the case
    and add one attributed update, refused ones change nothing."""
    case = submit("Mohon patroli malam ditambah, banyak orang asing nongkrong.").aspiration
    other = submit("Mohon patroli malam, orang asing sering nongkrong di pos ronda.").aspiration
    officer = c2.commander_selatan
    for action in actions:
        before = Aspiration.objects.get(pk=case.pk)
        updates_before = AspirationUpdate.objects.filter(aspiration=case).count()
        extra: dict[str, Any] = dict(ACTION_ARGS.get(action, {}))
        if action == Action.REFER:
            extra["unit"] = (
                c2.kelurahan if before.assigned_unit != c2.kelurahan else c2.polsek_selatan
            )
        if action == Action.MARK_DUPLICATE:
            extra["duplicate_of"] = other
        allowed = action in allowed_actions(before.status)
        if allowed:
            aspiration_act(actor=officer, aspiration=case, action=action, **extra)
            after = Aspiration.objects.get(pk=case.pk)
            assert after.status == next_status(before.status, action)
            last = AspirationUpdate.objects.filter(aspiration=case).order_by("-id")[0]
            assert (last.from_status, last.to_status) == (before.status, after.status)
            assert last.author == officer
        else:
            with pytest.raises(ValidationError):
                aspiration_act(actor=officer, aspiration=case, action=action, **extra)
            after = Aspiration.objects.get(pk=case.pk)
            assert after.status == before.status
            assert AspirationUpdate.objects.filter(aspiration=case).count() == updates_before
        assert (after.status == Status.DUPLICATE) == (after.duplicate_of_id is not None)
    case.delete()
    other.delete()
