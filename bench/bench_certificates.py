"""Certificates (P7): PDF generation and QR verification per second on one core.

    .venv/bin/python bench/bench_certificates.py

Generation: sign the claims of the sample certificate and render its PDF (no
database), a different certificate number each time, against two baselines measured
in the same run: G0 = the Ed25519 signature of the payload alone, G1 = a one-line PDF
from the same library (fpdf2). Target: >= 50 PDFs per second per core.

Verification: ``verify()`` on a valid QR text with the keys loaded once, against
V0 = one ``json.loads`` of the payload and V1 = one raw Ed25519 verification. Target:
>= 5,000 per second. Tampered and garbage texts are timed too: none may cost much
more than a valid one, or a flood of forgeries would be a cheap denial of service.

One process, one thread: rates are the best of several rounds.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import dataclasses
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchenv import machine

ROUNDS = 5
BASE_URL = "https://kamtibmas.example"


def _rate(function: Callable[[int], object], count: int) -> float:
    """Calls per second of ``function(i)`` for i in range(count), best of ROUNDS."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for index in range(count):
            function(index)
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamtibmas.config.settings.base")
    data_dir = tempfile.mkdtemp(prefix="kamtibmas-bench-")
    os.environ.setdefault("KAMTIBMAS_DATA_DIR", data_dir)
    django.setup()
    from importlib.metadata import version

    import fpdf
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from kamtibmas.certificates.document import sample_certificate, sample_claims
    from kamtibmas.certificates.keys import signing_key_active, verification_keys
    from kamtibmas.certificates.pdf import qr_matrix, qr_text_from_pdf, render_certificate_pdf
    from kamtibmas.certificates.qr import b64url_decode, b64url_encode, sign, verify_url
    from kamtibmas.certificates.verify import Reason, verify

    print(f"machine: {machine()}")
    print(
        "libraries: "
        + ", ".join(f"{name} {version(name)}" for name in ("fpdf2", "zxing-cpp", "pypdfium2"))
    )
    key_dir = Path(data_dir) / "bench-keys"
    kid, key = signing_key_active(directory=key_dir)
    keys = verification_keys(directory=key_dir)
    claims = sample_claims(kid)
    numbered = [
        dataclasses.replace(claims, no=f"SKTLK/{n}/VIII/2025/Sek.Bks.Sel") for n in range(200)
    ]
    payload = claims.payload_bytes()

    # --- generation ---------------------------------------------------------------------
    def minimal_pdf(_: int) -> bytes:
        pdf = fpdf.FPDF(unit="mm", format="A4")
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        pdf.text(20, 20, "Surat keterangan")
        return bytes(pdf.output())

    def generate(index: int) -> bytes:
        text = sign(numbered[index % len(numbered)], key)
        return render_certificate_pdf(sample_certificate(verify_url(BASE_URL, text)))

    g0 = _rate(lambda _: key.sign(payload), 2000)
    g1 = _rate(minimal_pdf, 200)
    generated = _rate(generate, 100)
    url = verify_url(BASE_URL, sign(claims, key))
    qr_only = _rate(lambda _: qr_matrix(url), 200)
    pdf_bytes = generate(0)
    read = _rate(lambda _: qr_text_from_pdf(pdf_bytes), 10)
    print(f"G0 Ed25519 sign of the payload: {g0:,.0f}/s")
    print(f"G1 one-line PDF (fpdf2):        {g1:,.0f}/s")
    print(
        f"P7 sign + render the sample:    {generated:,.0f} PDFs/s "
        f"({1000 / generated:.1f} ms each; {len(pdf_bytes):,} bytes)   target >= 50/s; "
        f"{generated / g1:.3f} x G1, {generated / g0:.4f} x G0"
    )
    print(f"   of which the QR matrix:      {1000 / qr_only:.2f} ms")
    print(f"reading the QR back from the PDF (CLI): {1000 / read:.0f} ms per file")

    # --- verification -------------------------------------------------------------------
    text = url.rsplit("/verify/", 1)[1]
    payload_b64, signature_b64 = text.split(".")
    signature = b64url_decode(signature_b64)
    public = Ed25519PublicKey.from_public_bytes(
        key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    payload_json = payload.decode("utf-8")
    flipped = bytearray(payload)
    flipped[payload.index(b"Polsek")] ^= 0x01  # still well-formed: only the signature fails
    bad_sig = bytearray(signature)
    bad_sig[0] ^= 0x01
    other_kid = json.loads(payload_json) | {"kid": "AAAAAAAAAAA"}
    unknown = json.dumps(other_kid, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    cases = {
        "valid": (text, None),
        "payload altered": (f"{b64url_encode(bytes(flipped))}.{signature_b64}", "bad_signature"),
        "signature altered": (f"{payload_b64}.{b64url_encode(bytes(bad_sig))}", "bad_signature"),
        "unknown key": (f"{b64url_encode(unknown.encode())}.{signature_b64}", "unknown_key"),
        "garbage": ("not-a-certificate", "malformed"),
        "2,048 base64 characters": ("A" * 1000 + "." + "B" * 1047, "malformed"),
        "2,049 characters": ("A" * 2049, "malformed"),
    }
    v0 = _rate(lambda _: json.loads(payload_json), 20000)
    v1 = _rate(lambda _: public.verify(signature, payload), 5000)
    print(f"V0 json.loads of the payload:   {v0:,.0f}/s")
    print(f"V1 raw Ed25519 verify:          {v1:,.0f}/s")
    today = claims.iat
    valid_rate = 0.0
    for label, (sample_text, expected) in cases.items():
        verdict = verify(sample_text, keys=keys, today=today)
        reason = verdict.reason.value if verdict.reason else None
        assert reason == expected, (label, verdict)
        assert expected != Reason.MALFORMED or verdict.detail is not None

        def verify_text(_: int, text: str = sample_text) -> object:
            return verify(text, keys=keys, today=today)

        rate = _rate(verify_text, 5000)
        valid_rate = valid_rate or rate
        target = "   target >= 5,000/s" if label == "valid" else ""
        print(
            f"verify, {label + ':':<26} {rate:>9,.0f}/s = {rate / v1:.2f} x V1, "
            f"{rate / v0:.3f} x V0, {rate / valid_rate:.2f} x valid ({reason}){target}"
        )


if __name__ == "__main__":
    main()
