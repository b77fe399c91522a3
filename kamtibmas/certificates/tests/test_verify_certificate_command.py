"""``kamtibmas verify_certificate``: offline verification of a QR text, URL or certificate
PDF with this deployment's keys or a saved keys.json; exit status 1 (CommandError) when
invalid. Messages are in the operator's language, Indonesian unless they chose another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kamtibmas.certificates.document import SAMPLE_NUMBER, sample_certificate, sample_claims
from kamtibmas.certificates.keys import (
    public_keyset,
    signing_key_active,
    signing_key_compromise,
)
from kamtibmas.certificates.pdf import render_certificate_pdf
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


def _certificate_pdf(path, key_directory=None):
    kid, key = signing_key_active(directory=key_directory)
    url = verify_url("https://kamtibmas.example", sign(sample_claims(kid), key))
    path.write_bytes(render_certificate_pdf(sample_certificate(url)))
    return path


def test_a_certificate_pdf_is_verified_from_the_qr_on_its_first_page(data_dir, tmp_path):
    pdf = _certificate_pdf(tmp_path / "sktlk.pdf")

    output = _run(str(pdf), "--today", "2025-08-10")
    assert "SAH" in output and SAMPLE_NUMBER in output
    assert "S*** A*****" in output and "ktp, kk" in output
    assert "Siti Aminah" not in output and "3275046505900002" not in output
    with pytest.raises(CommandError, match="kedaluwarsa"):
        _run(str(pdf), "--today", "2025-08-31")


def test_a_pdf_signed_by_a_key_of_another_deployment_is_not_valid(data_dir, tmp_path):
    signing_key_active()  # this deployment has a key, just not that one
    pdf = _certificate_pdf(tmp_path / "other.pdf", key_directory=tmp_path / "elsewhere")

    with pytest.raises(CommandError, match="tidak ditandatangani oleh kunci yang dikenal"):
        _run(str(pdf), "--today", "2025-08-10")


def test_unreadable_files_are_named_in_a_clear_error(data_dir, tmp_path):
    garbage = tmp_path / "scan.pdf"
    garbage.write_bytes(b"GIF89a not a certificate")
    plain = tmp_path / "plain.txt"
    plain.write_text("SKTLK/123/VIII/2025/Sek.Bks.Sel", encoding="utf-8")
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )

    with translation.override("en"):
        with pytest.raises(CommandError, match=r"scan\.pdf is not a readable PDF file"):
            _run(str(garbage))
        with pytest.raises(CommandError, match=r"plain\.txt is not a readable PDF file"):
            _run(str(plain))
        with pytest.raises(CommandError, match=r"No QR code .* first page of .*blank\.pdf"):
            _run(str(blank))
        with pytest.raises(CommandError, match=r"No such file: .*missing\.pdf"):
            _run(str(tmp_path / "missing.pdf"))


def test_the_installed_command_exits_0_for_a_valid_pdf_and_1_otherwise(tmp_path):
    keys = tmp_path / "keys" / "certificates"  # where KAMTIBMAS_DATA_DIR puts them
    valid = _certificate_pdf(tmp_path / "valid.pdf", key_directory=keys)
    foreign = _certificate_pdf(tmp_path / "foreign.pdf", key_directory=tmp_path / "elsewhere")
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.pop("DATABASE_URL", None)
    environment["KAMTIBMAS_DATA_DIR"] = str(tmp_path)

    def kamtibmas(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kamtibmas", "verify_certificate", *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    accepted = kamtibmas(str(valid), "--today", "2025-08-10")
    assert accepted.returncode == 0, accepted.stderr
    assert SAMPLE_NUMBER in accepted.stdout and "SAH" in accepted.stdout
    refused = kamtibmas(str(foreign), "--today", "2025-08-10")
    assert refused.returncode == 1 and "TIDAK SAH" in refused.stderr
    assert kamtibmas(str(tmp_path / "missing.pdf")).returncode == 1
