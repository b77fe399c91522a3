"""The certificate signing keys, generated per deployment, kept in the data directory
(or the directory ``KAMTIBMAS_CERTIFICATE_KEYS_DIR`` names, shared by every server).

Layout (never in the database, never in the checkout)::

    <DATA_DIR>/keys/                    0700
    <DATA_DIR>/keys/certificates/       0700
        registry.json                   0600  {"keys": [{"kid", "status", "created", "x"}]}
        <kid>.pem                       0600  PKCS#8 private key, the active key's only
        registry.lock                   0600  flock: one writer at a time

Exactly one key is active and signs; the registry lists keys oldest first. Rotation
creates a new active key and retires the previous one: a retired key still verifies
what it signed, so its public half stays in the registry, but its private half is
deleted, since it will never sign again. A compromised key never verifies again; if it
was the active one, a new active key replaces it at once. The first use on an empty
directory creates the first key; several processes (web workers, the task worker)
may do that at once, and the lock makes exactly one of them create it. Every file is
written to a temporary file and renamed into place, so readers never see half a file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from django.conf import settings

from kamtibmas.certificates.qr import b64url_decode, b64url_encode, kid_for
from kamtibmas.certificates.verify import ALGORITHM, KeyStatus, VerificationKey
from kamtibmas.config.keyring import write_private

REGISTRY_FILE = "registry.json"
LOCK_FILE = "registry.lock"


class UnknownKeyError(LookupError):
    pass


@dataclass(frozen=True)
class KeyRecord:
    kid: str
    status: KeyStatus
    created: str  # ISO date (UTC)
    x: str  # base64url raw public key, no padding


def certificate_keys_dir() -> Path:
    """``KAMTIBMAS_CERTIFICATE_KEYS_DIR``: one directory for every app server and worker
    of a deployment (a shared mount), so that all sign with the same key; by default
    the data directory's."""
    shared = settings.KAMTIBMAS_CERTIFICATE_KEYS_DIR
    return Path(shared) if shared else Path(settings.DATA_DIR) / "keys" / "certificates"


def _directory(directory: Path | None) -> Path:
    """Create the directory (and its ``keys`` parent) owner-only, as needed."""
    path = directory if directory is not None else certificate_keys_dir()
    for level in (path.parent, path):
        level.mkdir(mode=0o700, parents=True, exist_ok=True)
        if level.stat().st_mode & 0o777 != 0o700:
            os.chmod(level, 0o700)
    return path


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read(path: Path) -> list[KeyRecord]:
    file = path / REGISTRY_FILE
    if not file.exists():
        return []
    registry = json.loads(file.read_text(encoding="utf-8"))
    return [
        KeyRecord(kid=k["kid"], status=KeyStatus(k["status"]), created=k["created"], x=k["x"])
        for k in registry["keys"]
    ]


def _write(path: Path, records: list[KeyRecord]) -> None:
    registry = {"keys": [asdict(record) for record in records]}
    text = json.dumps(registry, indent=2, sort_keys=True) + "\n"
    write_private(path / REGISTRY_FILE, text.encode("utf-8"))


def _active(records: list[KeyRecord]) -> KeyRecord | None:
    return next((r for r in records if r.status == KeyStatus.ACTIVE), None)


def _generate(path: Path) -> KeyRecord:
    """Create a key pair and write its private half; the caller registers it."""
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    kid = kid_for(public_raw)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    write_private(path / f"{kid}.pem", pem)
    return KeyRecord(
        kid=kid,
        status=KeyStatus.ACTIVE,
        created=datetime.now(UTC).date().isoformat(),
        x=b64url_encode(public_raw),
    )


def _change(path: Path, change: Callable[[list[KeyRecord]], list[KeyRecord]]) -> list[KeyRecord]:
    """Apply ``change`` to the registry under the lock; delete private keys of keys that
    are no longer active (after the registry no longer names them active)."""
    with _locked(path):
        before = _read(path)
        after = change(list(before))
        if after != before:
            _write(path, after)
        for record in after:
            if record.status != KeyStatus.ACTIVE:
                (path / f"{record.kid}.pem").unlink(missing_ok=True)
    return after


def _ensure_active(path: Path, records: list[KeyRecord]) -> list[KeyRecord]:
    if _active(records) is None:
        records.append(_generate(path))
    return records


def signing_keys_list(*, directory: Path | None = None) -> list[KeyRecord]:
    """Every key, oldest first; creates nothing."""
    path = directory if directory is not None else certificate_keys_dir()
    return _read(path)


def signing_key_ensure(*, directory: Path | None = None) -> KeyRecord:
    """The active key's record, creating the first key if there is none."""
    path = _directory(directory)
    active = _active(_read(path))
    if active is None:
        active = _active(_change(path, lambda records: _ensure_active(path, records)))
    assert active is not None
    return active


def signing_key_active(*, directory: Path | None = None) -> tuple[str, Ed25519PrivateKey]:
    """The kid and private key that sign new certificates (created on first use)."""
    path = _directory(directory)
    record = signing_key_ensure(directory=path)
    private = load_pem_private_key((path / f"{record.kid}.pem").read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise TypeError(f"{record.kid}.pem is not an Ed25519 private key")
    return record.kid, private


def signing_key_rotate(*, directory: Path | None = None) -> tuple[KeyRecord, KeyRecord | None]:
    """Create a new active key and retire the previous one; return (new, retired)."""
    path = _directory(directory)
    retired: list[KeyRecord] = []

    def change(records: list[KeyRecord]) -> list[KeyRecord]:
        result = []
        for record in records:
            if record.status == KeyStatus.ACTIVE:
                record = KeyRecord(**{**asdict(record), "status": KeyStatus.RETIRED})
                retired.append(record)
            result.append(record)
        result.append(_generate(path))
        return result

    records = _change(path, change)
    new = _active(records)
    assert new is not None
    return new, (retired[0] if retired else None)


def signing_key_compromise(
    kid: str, *, directory: Path | None = None
) -> tuple[KeyRecord, KeyRecord | None]:
    """Mark ``kid`` compromised (idempotent). Return its record and, if it was the active
    key, the new active key that replaces it. Raises ``UnknownKeyError``."""
    path = _directory(directory)
    replaced: list[bool] = []

    def change(records: list[KeyRecord]) -> list[KeyRecord]:
        if not any(record.kid == kid for record in records):
            raise UnknownKeyError(kid)
        result = []
        for record in records:
            if record.kid == kid:
                replaced.append(record.status == KeyStatus.ACTIVE)
                record = KeyRecord(**{**asdict(record), "status": KeyStatus.COMPROMISED})
            result.append(record)
        return _ensure_active(path, result) if replaced[0] else result

    records = _change(path, change)
    marked = next(record for record in records if record.kid == kid)
    return marked, (_active(records) if replaced[0] else None)


def public_keyset(*, directory: Path | None = None) -> dict[str, Any]:
    """The §6 key set: ``{"keys": [{"kid", "alg", "x", "status"}]}`` (creates the first
    key if there is none, so the set is never empty)."""
    signing_key_ensure(directory=directory)
    return {
        "keys": [
            {"kid": r.kid, "alg": ALGORITHM, "x": r.x, "status": r.status.value}
            for r in signing_keys_list(directory=directory)
        ]
    }


_verification_cache: dict[Path, tuple[tuple[int, int, int], dict[str, VerificationKey]]] = {}


def verification_keys(*, directory: Path | None = None) -> dict[str, VerificationKey]:
    """This deployment's keys for ``verify.verify``, by kid.

    Kept in memory while the registry file is unchanged (its inode, which every write
    replaces, modification time and size: one ``stat`` per call), so each public key
    is loaded once, not once per verification; a rotation or a compromise written by
    any process shows at once.
    Callers must not change the returned mapping.
    """
    path = directory if directory is not None else certificate_keys_dir()
    try:
        info = (path / REGISTRY_FILE).stat()
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    except FileNotFoundError:
        stamp = None
    cached = _verification_cache.get(path)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    keys = {
        r.kid: VerificationKey(kid=r.kid, public_key=b64url_decode(r.x), status=r.status)
        for r in signing_keys_list(directory=directory)
    }
    if stamp is not None:
        _verification_cache[path] = (stamp, keys)
    return keys
