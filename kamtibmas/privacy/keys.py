"""Rotation of the field-encryption keys (SECURITY.md 3) and of the blind-index key
(SECURITY.md 2; ``blind_index_key_rotate`` below).

Every configured key decrypts; the first one encrypts. Rotation therefore runs in
two steps, with a restart of the application servers in between, so that no
running process ever writes with a key that is about to be retired:

1. ``kamtibmas rotate_keys``: put a new key first and re-encrypt every encrypted
   column with it; the old keys stay, because servers that have not restarted yet
   still encrypt with the old one;
2. restart the application servers and workers (they now encrypt with the new key);
3. ``kamtibmas rotate_keys --retire``: re-encrypt once more (catching rows written
   by the old servers in between), then keep only the new key. From then on the
   new key alone decrypts everything.

See docs/operations/key-rotation.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from kamtibmas.config.keyring import GENERATORS, new_fernet_key, update_keyring
from kamtibmas.privacy.blind_index import BLIND_INDEX_LENGTH, blind_index
from kamtibmas.privacy.fields import encrypted_fields_of, forget_cached_keys

BATCH = 500


def _use_keys(keys: list[str]) -> None:
    # This process goes on with the new list; other processes read it at restart.
    settings.FIELD_ENCRYPTION_KEYS = keys
    forget_cached_keys()


def field_key_add() -> list[str]:
    """Generate a key and store it first in the data directory's keyring."""
    keys = [new_fernet_key(), *settings.FIELD_ENCRYPTION_KEYS]

    def change(keyring: dict[str, Any]) -> None:
        keyring["field_encryption_keys"] = keys

    update_keyring(settings.DATA_DIR, change)
    _use_keys(keys)
    return keys


def field_keys_retire() -> list[str]:
    """Keep only the newest key. Call after ``fields_reencrypt`` has finished."""
    keys = list(settings.FIELD_ENCRYPTION_KEYS[:1])

    def change(keyring: dict[str, Any]) -> None:
        keyring["field_encryption_keys"] = keys

    update_keyring(settings.DATA_DIR, change)
    _use_keys(keys)
    return keys


def fields_reencrypt(*, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Re-encrypt every encrypted column of every model with the newest key.

    Rows are read (decrypted with whichever key fits) and written back in batches;
    each batch is one transaction, so an interrupted run can simply be repeated.
    """
    counts: dict[str, int] = {}
    for model in apps.get_models():
        names = encrypted_fields_of(model)
        if not names:
            continue
        label = model._meta.label
        counts[label] = 0
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                rows = list(
                    model._default_manager.select_for_update()
                    .filter(pk__in=pks[start : start + BATCH])
                    .only("pk", *names)
                )
                model._default_manager.bulk_update(rows, names)
            counts[label] += len(rows)
            if progress:
                progress(label, len(rows))
    return counts


# -- The blind-index key (SECURITY.md 2) ---------------------------------------------
#
# Lookups compare one digest, computed with the one current key: unlike the field
# keys there is no "every key decrypts" phase, so the rotation runs in a maintenance
# window, with the application servers and workers stopped. Its order makes an
# interrupted run safe to repeat:
#
# 1. the new key is generated once and stored in the keyring as
#    ``blind_index_key_next`` (``blind_index_key`` stays the current one, so a process
#    started meanwhile still uses the old key, whatever the rows hold);
# 2. every blind-index column the inventory declares is recomputed from its
#    decrypted source with the pending key, in batches, each batch one transaction;
#    a repeated run reuses the pending key and recomputes every row again from its
#    source, so rows already done get the same digest and the rest are caught up;
# 3. only when every row is done is the pending key promoted to ``blind_index_key``
#    (one atomic write of the keyring, the old key dropped) and switched in-process.
#
# Unique columns (``Household.card_index``, ``kk_index``, attendee phone per
# dialogue) do not collide mid-way: a row's new digest could only equal another
# row's stored digest if both were made with the same key from different values.

BLIND_INDEX_KEY_NEXT = "blind_index_key_next"
BLIND_INDEX_KEY_ENV = "KAMTIBMAS_BLIND_INDEX_KEY"


class BlindIndexKeyFromEnvironment(Exception):
    """The blind-index key is given in the environment: the keyring cannot rotate it."""


class BlindIndexDuplicates(Exception):
    """Rows whose recomputed indexes would break a unique constraint (``"<model>.<pk>"``
    each): rows written with the old key while the rotation ran, by a server that was
    not stopped. Nothing was written; resolve them, then run the rotation again."""

    def __init__(self, rows: list[str]) -> None:
        super().__init__(", ".join(rows))
        self.rows = rows


def blind_index_columns() -> list[tuple[type[models.Model], list[tuple[str, str, str]]]]:
    """Each model with blind-index columns, with ``(column, source, kind)`` for each,
    as the privacy inventory declares them."""
    from kamtibmas.privacy.inventory import Classification, declaration

    found = []
    for model in apps.get_models():
        columns = [
            (field.name, declared.use.index_of, declared.use.index_kind)
            for field in model._meta.concrete_fields
            if (declared := declaration(model._meta.label, field.name)) is not None
            and declared.use.classification == Classification.BLIND_INDEX
        ]
        if columns:
            found.append((model, columns))
    return found


def _is_digest(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == BLIND_INDEX_LENGTH
        and all(c in "0123456789abcdef" for c in value)
    )


def _new_index(*, nullable: bool, kind: str, source: Any, stored: Any) -> Any:
    """The column's value under the (temporarily switched) key, from its source."""
    if stored is not None and stored != "" and not _is_digest(stored):
        return stored  # a marker such as an anonymised household's: never a digest
    if source is None or source == "":
        return None if nullable else stored
    return blind_index(kind, str(source))


@contextmanager
def _blind_index_key(key: str) -> Iterator[None]:
    old = settings.BLIND_INDEX_KEY
    settings.BLIND_INDEX_KEY = key
    try:
        yield
    finally:
        settings.BLIND_INDEX_KEY = old


def _pending_blind_index_key() -> str:
    """The pending key of an unfinished rotation, or a new one stored as pending."""
    pending: dict[str, str] = {}

    def change(keyring: dict[str, Any]) -> None:
        if not keyring.get(BLIND_INDEX_KEY_NEXT):
            keyring[BLIND_INDEX_KEY_NEXT] = GENERATORS["blind_index_key"]()
        pending["key"] = keyring[BLIND_INDEX_KEY_NEXT]

    update_keyring(settings.DATA_DIR, change)
    return pending["key"]


def _unique_sets(model: type[models.Model], names: list[str]) -> list[tuple[str, ...]]:
    """The unique field sets (attribute names) of ``model`` that hold an index column."""
    concrete = {field.name: field for field in model._meta.concrete_fields}
    sets: list[tuple[str, ...]] = [(name,) for name in names if concrete[name].unique]
    together = [
        *model._meta.unique_together,
        # Conditional ones too (the attendee's phone once per dialogue, when there is
        # one): at worst a false alarm, since rows with an empty index are skipped.
        *(
            constraint.fields
            for constraint in model._meta.constraints
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields
        ),
    ]
    for fields in together:
        if any(name in fields for name in names):
            sets.append(tuple(concrete[name].attname for name in fields))
    return sets


def _reindexed(
    rows: list[models.Model], columns: list[tuple[str, str, str]], nullable: dict[str, bool]
) -> None:
    """Set each row's index columns from its source (with the key in force)."""
    for row in rows:
        for column, source, kind in columns:
            value = _new_index(
                nullable=nullable[column],
                kind=kind,
                source=getattr(row, source),
                stored=getattr(row, column),
            )
            setattr(row, column, value)


def _check_unique(
    model: type[models.Model],
    columns: list[tuple[str, str, str]],
    nullable: dict[str, bool],
    key: str,
    pks: list[Any],
) -> None:
    """Compute every new index of ``model`` first, without writing: refuse before the
    first batch when two rows would get the same value in a unique column."""
    names = [column for column, _source, _kind in columns]
    sets = _unique_sets(model, names)
    if not sets:
        return
    fields = {name for unique in sets for name in unique}
    seen: dict[tuple[Any, ...], Any] = {}
    clashes: list[str] = []
    for start in range(0, len(pks), BATCH):
        with _blind_index_key(key):
            rows = list(
                model._default_manager.filter(pk__in=pks[start : start + BATCH])
                .order_by("pk")
                .only("pk", *names, *(source for _c, source, _k in columns), *fields)
            )
            _reindexed(rows, columns, nullable)
        for row in rows:
            for unique in sets:
                values = tuple(getattr(row, name) for name in unique)
                if None in values:
                    continue
                first = seen.setdefault((unique, *values), row.pk)
                if first != row.pk:
                    clashes += [f"{model._meta.label}.{first}", f"{model._meta.label}.{row.pk}"]
    if clashes:
        raise BlindIndexDuplicates(sorted(set(clashes)))


def blind_index_key_rotate(*, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Replace the blind-index key and recompute every blind-index column with it.

    Run with the application servers and workers stopped; restart them afterwards.
    An interrupted run leaves the old key current and the new one pending: run it
    again (before restarting anything) and it finishes the job. Returns the number
    of rows re-indexed per model.
    """
    if os.environ.get(BLIND_INDEX_KEY_ENV):
        raise BlindIndexKeyFromEnvironment(BLIND_INDEX_KEY_ENV)
    new_key = _pending_blind_index_key()
    counts: dict[str, int] = {}
    for model, columns in blind_index_columns():
        label = model._meta.label
        counts[label] = 0
        names = [column for column, _source, _kind in columns]
        sources = {source for _column, source, _kind in columns}
        nullable = {field.name: field.null for field in model._meta.concrete_fields}
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        _check_unique(model, columns, nullable, new_key, pks)
        for start in range(0, len(pks), BATCH):
            with transaction.atomic(), _blind_index_key(new_key):
                rows = list(
                    model._default_manager.select_for_update()
                    .filter(pk__in=pks[start : start + BATCH])
                    .order_by("pk")
                    .only("pk", *names, *sources)
                )
                _reindexed(rows, columns, nullable)
                model._default_manager.bulk_update(rows, names)
            counts[label] += len(rows)
            if progress:
                progress(label, len(rows))

    def promote(keyring: dict[str, Any]) -> None:
        keyring["blind_index_key"] = new_key
        keyring.pop(BLIND_INDEX_KEY_NEXT, None)

    update_keyring(settings.DATA_DIR, promote)
    settings.BLIND_INDEX_KEY = new_key
    return counts
