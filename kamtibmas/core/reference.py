"""Reference data read once per process, not once per request.

Every intake asks the same questions of tables that change a few times a year: which
units cover this kelurahan, which routing rules apply there, which SLA policy a unit
keeps, which area a code names. Answering them from the database cost about half of
an aspiration submit (§9 P3). Here each process remembers the answers, under the
stamp of ``ReferenceVersion``:

* any change to those tables writes a new random stamp in the same transaction
  (signals below, and ``reference_changed()`` from the bulk paths that bypass them);
* every lookup first reads the stamp (one primary-key read); a stamp other than the
  one the memory was filled under empties it. So a change is seen by every process at
  the moment it commits, never later, and a rolled-back change (a test's
  transaction) brings back a stamp whose answers were true of the data it restores.

Values must be immutable or copied by the caller: several threads share them.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import connection, models

T = TypeVar("T")
P = ParamSpec("P")

#: Remembered answers per process; the oldest go first beyond this.
MAX_ENTRIES = 20_000

_lock = threading.Lock()
_memory: OrderedDict[Hashable, Any] = OrderedDict()
_memory_stamp: str | None = None
# The stamp of the reference_snapshot() the current code runs in, if any.
_snapshot: ContextVar[str | None] = ContextVar("kamtibmas_reference_stamp", default=None)
# A stamp the request's first query already read (``stamp_subquery``), for its
# snapshot; taken once, and forgotten when the request ends.
_prefetched: ContextVar[str | None] = ContextVar("kamtibmas_reference_prefetched", default=None)


def stamp_subquery() -> str:
    """SQL for the stamp as a column of another query, to save a round trip to the
    database: ``SELECT …, (stamp_subquery) FROM …`` then ``stamp_prefetched(value)``."""
    from kamtibmas.core.models import ReferenceVersion

    table = connection.ops.quote_name(ReferenceVersion._meta.db_table)
    return f"(SELECT stamp FROM {table} WHERE id = 1)"  # noqa: S608 (a table name)


def stamp_prefetched(stamp: str | None) -> None:
    """The stamp read with the request's first query: the request's snapshot uses it
    instead of asking again. Only where the snapshot may read before the transaction
    (PostgreSQL, whose transactions read what others committed meanwhile anyway); on
    SQLite the stamp is read inside the write transaction, as below."""
    _prefetched.set(stamp if connection.vendor == "postgresql" else None)


def _forget_prefetched(**_signal: Any) -> None:
    _prefetched.set(None)


def _current_stamp() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {stamp_subquery()}")
        row = cursor.fetchone()
    return (row[0] if row else None) or ""


@contextmanager
def reference_snapshot() -> Iterator[None]:
    """Read the stamp once for every lookup inside (one intake asks half a dozen).

    Open it inside the transaction of the work: on SQLite that transaction holds the
    write lock, so no change can come in between; on PostgreSQL a change committed
    meanwhile is seen by the next request, as if this one had started a little
    earlier. A change made inside renews the snapshot's stamp too."""
    if _snapshot.get() is not None:
        yield
        return
    stamp = _prefetched.get()
    if stamp is None:
        stamp = _current_stamp()
    else:
        _prefetched.set(None)
    token = _snapshot.set(stamp)
    try:
        yield
    finally:
        _snapshot.reset(token)


def in_reference_snapshot(function: Callable[P, T]) -> Callable[P, T]:
    """``function`` runs in a ``reference_snapshot()``."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with reference_snapshot():
            return function(*args, **kwargs)

    return wrapper


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned before under the current stamp. ``None`` is
    not remembered (a missing row may appear without the stamp changing)."""
    global _memory_stamp
    stamp = _snapshot.get() or _current_stamp()
    with _lock:
        if stamp != _memory_stamp:
            _memory.clear()
            _memory_stamp = stamp
        elif key in _memory:
            _memory.move_to_end(key)
            return _memory[key]
    value = compute()
    if value is not None and stamp:
        with _lock:
            if _memory_stamp == stamp:
                _memory[key] = value
                while len(_memory) > MAX_ENTRIES:
                    _memory.popitem(last=False)
    return value


def reference_changed(**_signal: Any) -> None:
    """Give reference data a new stamp (inside the caller's transaction, if any)."""
    from kamtibmas.core.models import ReferenceVersion

    stamp = secrets.token_hex(16)
    if not ReferenceVersion.objects.filter(pk=1).update(stamp=stamp):
        stamp = ReferenceVersion.objects.get_or_create(pk=1, defaults={"stamp": stamp})[0].stamp
    if _snapshot.get() is not None:
        _snapshot.set(stamp)


def forget() -> None:
    """Empty this process's memory (tests that change rows behind the services)."""
    global _memory_stamp
    with _lock:
        _memory.clear()
        _memory_stamp = None


def connect_request_end() -> None:
    """Forget a prefetched stamp when the request ends (from the core app's ``ready``)."""
    from django.core.signals import request_finished

    request_finished.connect(_forget_prefetched, dispatch_uid="reference:prefetched")


def watch(*senders: type[models.Model]) -> None:
    """New stamp on every save and delete of ``senders`` (and their many-to-many
    fields): called from the apps' ``ready``. New rows too: a lookup inside the
    transaction that created a row remembers it under that transaction's stamp, which
    a rollback takes back with the row (whose id SQLite would hand out again)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for sender in senders:
        uid = f"reference:{sender._meta.label}"
        post_save.connect(reference_changed, sender=sender, dispatch_uid=f"{uid}:save")
        post_delete.connect(reference_changed, sender=sender, dispatch_uid=f"{uid}:delete")
        for field in sender._meta.local_many_to_many:
            m2m_changed.connect(
                reference_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}:{field.name}",
            )
