"""Secrets and keys kept in the data directory, generated on first run.

Each secret can be given through the environment instead; what is not given is
created once, written with mode 0600 to ``<data dir>/secrets.json`` and reused.
Nothing here is ever committed: the data directory lives outside the checkout.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

SECRETS_FILE = "secrets.json"


def new_fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _generators() -> dict[str, Any]:
    return {
        "secret_key": lambda: secrets.token_urlsafe(64),
        # Newest first: the first key encrypts, every key decrypts (rotation).
        "field_encryption_keys": lambda: [new_fernet_key()],
        # Kept apart from the encryption keys (SECURITY.md 2).
        "blind_index_key": lambda: secrets.token_hex(32),
    }


def load_keyring(data_dir: Path) -> dict[str, Any]:
    """Return the stored secrets, creating any that are missing."""
    path = data_dir / SECRETS_FILE
    stored: dict[str, Any] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    missing = {name: make() for name, make in _generators().items() if name not in stored}
    if missing:
        stored.update(missing)
        write_keyring(data_dir, stored)
    return stored


def write_keyring(data_dir: Path, keyring: dict[str, Any]) -> None:
    """Write atomically with owner-only permissions."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRETS_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(keyring, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
