"""Rotation of the field-encryption keys (SECURITY.md 3).

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

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction

from kamtibmas.config.keyring import new_fernet_key, update_keyring
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
