"""``kamtibmas verify_certificate``: offline verification of a QR text or URL with this
deployment's keys or a saved keys.json; exit status 1 (CommandError) when invalid.
Messages are in the operator's language, Indonesian unless they chose another."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kamtibmas.certificates.keys import public_keyset, signing_key_active, signing_key_compromise
from kamtibmas.certificates.qr import CertificateClaims, sign, verify_url

ISSUED = date(2026, 11, 2)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def signed(data_dir) -> str:
    kid, key = signing_key_active()
    claims = CertificateClaims.for_holder(
        kid=kid,
        no="SKTLK/117/XI/2026/Sek.Bks.Sel",
        iat=ISSUED,
        exp=date(2026, 12, 2),
        unit="Polsek Bekasi Selatan",
        holder_name="Siti Aminah",
        items=("ktp", "kk"),
    )
    return sign(claims, key)


def _run(qr: str, *options: str) -> str:
    out = StringIO()
    call_command("verify_certificate", qr, *options, stdout=out)
    return out.getvalue()


def test_a_valid_certificate_from_its_url_shows_only_the_public_claims(signed):
    output = _run(verify_url("https://kamtibmas.example", signed), "--today", "2026-11-20")

    assert "SAH" in output
    assert "S*** A*****" in output and "ktp, kk" in output and "Polsek Bekasi Selatan" in output
    assert "Siti Aminah" not in output
    assert "pencabutan" in output.lower()  # revocation cannot be seen offline


def test_expired_tampered_and_garbled_codes_exit_with_an_error(signed):
    with pytest.raises(CommandError, match="kedaluwarsa"):
        _run(signed, "--today", "2026-12-03")
    payload, signature = signed.split(".")
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + signature
    with pytest.raises(CommandError, match="TIDAK SAH"):
        _run(tampered, "--today", "2026-11-20")
    with pytest.raises(CommandError, match="bukan kode sertifikat"):
        _run("not-a-code", "--today", "2026-11-20")


def test_a_saved_key_set_verifies_without_this_deployments_keys(signed, data_dir, tmp_path):
    saved = tmp_path / "keys.json"
    saved.write_text(json.dumps(public_keyset()), encoding="utf-8")
    kid = json.loads(saved.read_text())["keys"][0]["kid"]

    assert "SAH" in _run(signed, "--keys", str(saved), "--today", "2026-11-20")

    signing_key_compromise(kid)
    with pytest.raises(CommandError, match="bocor"):
        _run(signed, "--today", "2026-11-20")
    assert "SAH" in _run(signed, "--keys", str(saved), "--today", "2026-11-20")  # the old copy
    saved.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match=r"keys\.json"):
        _run(signed, "--keys", str(saved))
