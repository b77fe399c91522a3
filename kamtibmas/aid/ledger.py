"""The stock ledger's arithmetic (C4), as pure functions.

Every movement of stock is one signed quantity of one item at one location: what
was received adds, what was handed out, moved away or damaged subtracts, and an
adjustment (a count that found more or less than the books) adds or subtracts with
its reason. A move is two movements, out of one location and into another. The
balance is the sum of the movements, never a typed number, and no movement may take
a balance below zero. Reconciliation checks received − handed out − moved out +
moved in − damaged ± adjusted − remaining = 0 for every item and location.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    RECEIVED = "received"
    HANDED_OUT = "handed_out"
    MOVED_OUT = "moved_out"
    MOVED_IN = "moved_in"
    DAMAGED = "damaged"
    ADJUSTED = "adjusted"  # signed: a count found more (+) or less (−)


#: The sign each kind gives its (positive) quantity; ADJUSTED carries its own sign.
SIGN = {
    Kind.RECEIVED: 1,
    Kind.HANDED_OUT: -1,
    Kind.MOVED_OUT: -1,
    Kind.MOVED_IN: 1,
    Kind.DAMAGED: -1,
    Kind.ADJUSTED: 1,
}

Key = tuple[int, int]  # (item id, location id)


@dataclass(frozen=True)
class Movement:
    item: int
    location: int
    kind: Kind
    quantity: int  # > 0, except ADJUSTED, which is any non-zero number

    @property
    def delta(self) -> int:
        return SIGN[self.kind] * self.quantity


class LedgerError(ValueError):
    """A movement that the ledger refuses (the code says why)."""

    def __init__(self, code: str, key: Key | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.key = key


def movement_check(movement: Movement) -> None:
    if movement.kind == Kind.ADJUSTED:
        if movement.quantity == 0:
            raise LedgerError("zero")
    elif movement.quantity <= 0:
        raise LedgerError("not_positive")


def balances(movements: Iterable[Movement]) -> dict[Key, int]:
    """The stock of every (item, location) after ``movements``."""
    totals: dict[Key, int] = defaultdict(int)
    for movement in movements:
        totals[(movement.item, movement.location)] += movement.delta
    return dict(totals)


def apply(current: Mapping[Key, int], movements: Iterable[Movement]) -> dict[Key, int]:
    """The balances after ``movements``, all or nothing: ``LedgerError`` ("negative")
    if any (item, location) would go below zero, or for a malformed movement."""
    after = dict(current)
    for movement in movements:
        movement_check(movement)
        key = (movement.item, movement.location)
        after[key] = after.get(key, 0) + movement.delta
    for key, value in after.items():
        if value < 0:
            raise LedgerError("negative", key)
    return after


@dataclass(frozen=True)
class Reconciliation:
    """One (item, location): the movements by kind and what should remain."""

    received: int = 0
    handed_out: int = 0
    moved_out: int = 0
    moved_in: int = 0
    damaged: int = 0
    adjusted: int = 0

    @property
    def expected(self) -> int:
        return (
            self.received
            - self.handed_out
            - self.moved_out
            + self.moved_in
            - self.damaged
            + self.adjusted
        )


def reconcile(movements: Iterable[Movement]) -> dict[Key, Reconciliation]:
    sums: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for movement in movements:
        sums[(movement.item, movement.location)][Kind(movement.kind).value] += movement.quantity
    return {key: Reconciliation(**values) for key, values in sums.items()}
