"""Rotation of the field-encryption keys (SECURITY.md 3).

Procedure (``kamtibmas rotate_keys`` does all three steps; see
docs/operations/key-rotation.md):

1. put a new key first in the key list (it encrypts from then on; the old ones
   still decrypt);
2. re-encrypt every encrypted column with the new key;
3. retire the old keys, after which the new key alone decrypts everything.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import transaction

from kamtibmas.config.keyring import load_keyring, new_fernet_key, write_keyring
from kamtibmas.privacy.fields import _crypter_cache, encrypted_fields_of

BATCH = 500


def _use_keys(keys: list[str]) -> None:
    settings.FIELD_ENCRYPTION_KEYS = keys
    _crypter_cache.clear()


def field_key_add() -> list[str]:
    """Generate a key, store it first in the data directory's keyring, and use it."""
    keyring = load_keyring(settings.DATA_DIR)
    keys = [new_fernet_key(), *settings.FIELD_ENCRYPTION_KEYS]
    keyring["field_encryption_keys"] = keys
    write_keyring(settings.DATA_DIR, keyring)
    _use_keys(keys)
    return keys


def field_keys_retire() -> list[str]:
    """Keep only the newest key. Call after ``fields_reencrypt`` has finished."""
    keys = list(settings.FIELD_ENCRYPTION_KEYS[:1])
    keyring = load_keyring(settings.DATA_DIR)
    keyring["field_encryption_keys"] = keys
    write_keyring(settings.DATA_DIR, keyring)
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
