import stat
import threading
from datetime import date
from pathlib import Path

import pytest

from kamtibmas.certificates.keys import (
    UnknownKeyError,
    public_keyset,
    signing_key_active,
    signing_key_compromise,
    signing_key_ensure,
    signing_key_rotate,
    signing_keys_list,
    verification_keys,
)
from kamtibmas.certificates.qr import CertificateClaims, b64url_decode, kid_for, sign
from kamtibmas.certificates.verify import KeyStatus, Reason, keyset_parse, verify


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _sign_now(directory: Path) -> str:
    kid, key = signing_key_active(directory=directory)
    claims = CertificateClaims.for_holder(
        kid=kid, no="SKTLK/1/2025", iat=date(2025, 1, 1), exp=date(2025, 1, 31),
        unit="Polsek Bekasi Timur", holder_name="Budi Santoso", items=["sim"],
    )  # fmt: skip
    return sign(claims, key)


def _verify(text: str, directory: Path) -> Reason | None:
    return verify(text, keys=verification_keys(directory=directory), today=date(2025, 1, 10)).reason


def test_first_use_creates_one_active_key_owner_only(tmp_path):
    directory = tmp_path / "keys" / "certificates"
    assert signing_keys_list(directory=directory) == []
    record = signing_key_ensure(directory=directory)
    assert record.status == KeyStatus.ACTIVE
    assert record.kid == kid_for(b64url_decode(record.x))
    assert _mode(tmp_path / "keys") == 0o700
    assert _mode(directory) == 0o700
    assert _mode(directory / "registry.json") == 0o600
    assert _mode(directory / f"{record.kid}.pem") == 0o600
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        ["registry.json", "registry.lock", f"{record.kid}.pem"]
    )
    assert signing_key_ensure(directory=directory) == record  # reused, not regenerated
    assert _verify(_sign_now(directory), directory) is None


def test_rotation_retires_the_previous_key_which_still_verifies(tmp_path):
    old_text = _sign_now(tmp_path)
    old = signing_key_ensure(directory=tmp_path)
    new, retired = signing_key_rotate(directory=tmp_path)
    assert retired is not None and retired.kid == old.kid and retired.status == KeyStatus.RETIRED
    assert new.kid != old.kid and signing_key_active(directory=tmp_path)[0] == new.kid
    assert [(r.kid, r.status) for r in signing_keys_list(directory=tmp_path)] == [
        (old.kid, KeyStatus.RETIRED),
        (new.kid, KeyStatus.ACTIVE),
    ]
    assert not (tmp_path / f"{old.kid}.pem").exists()  # it will never sign again
    assert _verify(old_text, tmp_path) is None
    assert _verify(_sign_now(tmp_path), tmp_path) is None


def test_rotation_on_an_empty_directory_creates_the_first_key(tmp_path):
    new, retired = signing_key_rotate(directory=tmp_path)
    assert retired is None and new.status == KeyStatus.ACTIVE


def test_a_compromised_key_never_verifies_again(tmp_path):
    old_text = _sign_now(tmp_path)
    old_kid = signing_key_ensure(directory=tmp_path).kid
    signing_key_rotate(directory=tmp_path)
    marked, replacement = signing_key_compromise(old_kid, directory=tmp_path)
    assert marked.status == KeyStatus.COMPROMISED and replacement is None
    assert _verify(old_text, tmp_path) == Reason.COMPROMISED_KEY
    # Idempotent.
    assert signing_key_compromise(old_kid, directory=tmp_path) == (marked, None)


def test_compromising_the_active_key_replaces_it_at_once(tmp_path):
    text = _sign_now(tmp_path)
    kid = signing_key_ensure(directory=tmp_path).kid
    _, replacement = signing_key_compromise(kid, directory=tmp_path)
    assert replacement is not None and replacement.kid != kid
    assert signing_key_active(directory=tmp_path)[0] == replacement.kid
    assert not (tmp_path / f"{kid}.pem").exists()
    assert _verify(text, tmp_path) == Reason.COMPROMISED_KEY
    assert _verify(_sign_now(tmp_path), tmp_path) is None


def test_compromising_an_unknown_key(tmp_path):
    signing_key_ensure(directory=tmp_path)
    with pytest.raises(UnknownKeyError):
        signing_key_compromise("AAAAAAAAAAA", directory=tmp_path)


def test_public_keyset_shape(tmp_path):
    signing_key_ensure(directory=tmp_path)
    signing_key_rotate(directory=tmp_path)
    keyset = public_keyset(directory=tmp_path)
    assert set(keyset) == {"keys"}
    assert [set(entry) for entry in keyset["keys"]] == [{"kid", "alg", "x", "status"}] * 2
    assert [entry["status"] for entry in keyset["keys"]] == ["retired", "active"]
    assert all(entry["alg"] == "Ed25519" and "=" not in entry["x"] for entry in keyset["keys"])
    assert keyset_parse(keyset) == verification_keys(directory=tmp_path)


def test_concurrent_first_use_makes_exactly_one_key(tmp_path):
    directory = tmp_path / "certificates"
    workers = 8
    barrier = threading.Barrier(workers)
    kids: list[str] = []
    errors: list[BaseException] = []

    def first_use() -> None:
        barrier.wait()
        try:
            kids.append(signing_key_active(directory=directory)[0])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    records = signing_keys_list(directory=directory)
    assert len(records) == 1 and records[0].status == KeyStatus.ACTIVE
    assert set(kids) == {records[0].kid}
    assert [p.name for p in directory.glob("*.pem")] == [f"{records[0].kid}.pem"]


def test_verification_keys_are_kept_until_the_registry_changes(tmp_path):
    from kamtibmas.certificates.keys import (
        signing_key_compromise,
        signing_key_ensure,
        verification_keys,
    )
    from kamtibmas.certificates.verify import KeyStatus

    first = signing_key_ensure(directory=tmp_path)
    keys = verification_keys(directory=tmp_path)
    assert verification_keys(directory=tmp_path) is keys, "loaded once while unchanged"
    signing_key_compromise(first.kid, directory=tmp_path)
    fresh = verification_keys(directory=tmp_path)
    assert fresh is not keys and fresh[first.kid].status == KeyStatus.COMPROMISED


def test_servers_share_one_key_directory_when_configured(settings, tmp_path):
    """KAMTIBMAS_CERTIFICATE_KEYS_DIR: two app servers (two data directories) sign with
    the key of the one directory they both mount."""
    from kamtibmas.certificates.keys import certificate_keys_dir

    shared = tmp_path / "shared-keys"
    settings.KAMTIBMAS_CERTIFICATE_KEYS_DIR = str(shared)
    settings.DATA_DIR = tmp_path / "server-1"
    first = signing_key_ensure()
    settings.DATA_DIR = tmp_path / "server-2"
    assert signing_key_ensure() == first
    assert certificate_keys_dir() == shared
    assert (shared / f"{first.kid}.pem").is_file()
    assert not (tmp_path / "server-1" / "keys").exists()
    assert not (tmp_path / "server-2" / "keys").exists()
