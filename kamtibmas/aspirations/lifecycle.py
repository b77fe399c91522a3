"""The case lifecycle of §4 C2 as a pure state machine.

``aspirations.services`` is the only caller that changes a case's status, and it
asks ``next_status`` first, so no sequence of actions can reach a state this table
does not allow (property-tested in ``tests/test_lifecycle.py``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.aspirations.models import Status


class Action(models.TextChoices):
    VERIFY = "verify", _("Verify")
    REFER = "refer", _("Refer")
    START = "start", _("Start work")
    RESOLVE = "resolve", _("Resolve")
    CLOSE_UNRESOLVED = "close_unresolved", _("Close without resolution")
    REJECT = "reject", _("Reject")
    MARK_DUPLICATE = "mark_duplicate", _("Merge as duplicate")
    REOPEN = "reopen", _("Reopen")


OPEN_STATES = frozenset(
    {Status.RECEIVED, Status.VERIFIED, Status.REFERRED, Status.IN_PROGRESS, Status.REOPENED}
)
FINAL_STATES = frozenset(
    {Status.RESOLVED, Status.CLOSED_UNRESOLVED, Status.DUPLICATE, Status.REJECTED}
)

# action → (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.VERIFY: (frozenset({Status.RECEIVED, Status.REOPENED}), Status.VERIFIED),
    # Re-referral from "referred" keeps the history: each referral is an update.
    Action.REFER: (OPEN_STATES, Status.REFERRED),
    Action.START: (
        frozenset({Status.VERIFIED, Status.REFERRED, Status.REOPENED}),
        Status.IN_PROGRESS,
    ),
    Action.RESOLVE: (OPEN_STATES - {Status.RECEIVED}, Status.RESOLVED),
    Action.CLOSE_UNRESOLVED: (OPEN_STATES, Status.CLOSED_UNRESOLVED),
    # Spam and unintelligible text are recognised before anyone works on the case.
    Action.REJECT: (
        frozenset({Status.RECEIVED, Status.VERIFIED, Status.REOPENED}),
        Status.REJECTED,
    ),
    Action.MARK_DUPLICATE: (OPEN_STATES, Status.DUPLICATE),
    # "Not fixed" after a resolution, or a closing decision taken back.
    Action.REOPEN: (FINAL_STATES, Status.REOPENED),
}


class InvalidTransition(Exception):
    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"{action} is not possible from {status}")
        self.status = status
        self.action = action


def next_status(status: Status | str, action: Action | str) -> Status:
    """The state ``action`` leads to from ``status``; ``InvalidTransition`` if none."""
    current, act = Status(status), Action(action)
    sources, target = TRANSITIONS[act]
    if current not in sources:
        raise InvalidTransition(current, act)
    return target


def allowed_actions(status: Status | str) -> list[Action]:
    """The actions possible from ``status``, in the table's order."""
    current = Status(status)
    return [action for action, (sources, _target) in TRANSITIONS.items() if current in sources]
