"""Secrets and keys kept in the data directory, generated on first run.

Each secret can be given through the environment instead; only what is not given
is created, once, written with mode 0600 to ``<data dir>/secrets.json`` and reused.
Several processes may start at once on an empty data directory (web workers, the
task worker): an exclusive lock on ``secrets.lock`` makes exactly one of them
generate, and the others read what it wrote. Nothing here is ever committed: the
data directory lives outside the checkout.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SECRETS_FILE = "secrets.json"
LOCK_FILE = "secrets.lock"


def new_fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


GENERATORS: dict[str, Callable[[], Any]] = {
    "secret_key": lambda: secrets.token_urlsafe(64),
    # Newest first: the first key encrypts, every key decrypts (rotation).
    "field_encryption_keys": lambda: [new_fernet_key()],
    # Kept apart from the encryption keys (SECURITY.md 2).
    "blind_index_key": lambda: secrets.token_hex(32),
}


@contextmanager
def keyring_locked(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's keyring lock (blocks until it is free)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_keyring(data_dir: Path) -> dict[str, Any]:
    path = data_dir / SECRETS_FILE
    if not path.exists():
        return {}
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def load_keyring(data_dir: Path, *, given: Collection[str] = ()) -> dict[str, Any]:
    """Return the stored secrets, generating those that are neither stored nor ``given``.

    ``given`` names the secrets the environment provides: they are never generated
    (a production deployment that passes every key in the environment writes nothing).
    """
    stored = read_keyring(data_dir)
    if all(name in stored or name in given for name in GENERATORS):
        return stored
    with keyring_locked(data_dir):
        stored = read_keyring(data_dir)  # another process may have written it meanwhile
        missing = {
            name: make()
            for name, make in GENERATORS.items()
            if name not in stored and name not in given
        }
        if missing:
            stored.update(missing)
            _write(data_dir, stored)
    return stored


def update_keyring(data_dir: Path, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Apply ``change`` to the stored keyring under the lock and write it back."""
    with keyring_locked(data_dir):
        keyring = read_keyring(data_dir)
        change(keyring)
        _write(data_dir, keyring)
    return keyring


def _write(data_dir: Path, keyring: dict[str, Any]) -> None:
    write_private(data_dir / SECRETS_FILE, json.dumps(keyring, indent=2, sort_keys=True).encode())


def write_private(file: Path, data: bytes) -> None:
    """Write ``file`` atomically (a unique temporary file beside it, fsync, rename)
    with owner-only access (0600): a reader sees the old content or the new, whole."""
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
