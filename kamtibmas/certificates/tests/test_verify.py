from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.certificates.qr import MalformedReason, b64url_decode, b64url_encode
from kamtibmas.certificates.tests.vectors import (
    KID,
    PAYLOAD,
    PUBLIC_KEY,
    PUBLIC_X,
    TEXT,
    TODAY,
    keys,
)
from kamtibmas.certificates.verify import KeyStatus, Reason, keyset_parse, verify

PAYLOAD_B64, SIGNATURE_B64 = TEXT.split(".")
UNIT_BYTE = PAYLOAD.index(b"Polsek")


def _flip(part: str, index: int) -> str:
    data = bytearray(b64url_decode(part))
    data[index] ^= 0x01
    return b64url_encode(bytes(data))


def test_valid():
    verdict = verify(TEXT, keys=keys(), today=TODAY)
    assert verdict.valid and verdict.outcome == "valid" and verdict.reason is None
    assert verdict.as_dict() == {
        "outcome": "valid",
        "reason": None,
        "certificate": {
            "no": "SKTLK/0042/IX/2025/Sek.Bks.Sel",
            "type": "SKTLK",
            "iat": "2025-09-01",
            "exp": "2025-10-01",
            "unit": "Polsek Bekasi Selatan",
            "name": "S*** A*****",
            "items": ["ktp", "atm"],
        },
    }


def test_valid_on_the_first_and_the_last_day():
    assert verify(TEXT, keys=keys(), today=date(2025, 9, 1)).valid
    assert verify(TEXT, keys=keys(), today=date(2025, 10, 1)).valid


def test_retired_key_still_verifies():
    assert verify(TEXT, keys=keys(KeyStatus.RETIRED), today=TODAY).valid


def test_security_16_one_flipped_payload_byte_is_a_bad_signature():
    # "Polsek" becomes "Qolsek": the payload stays well-formed, only the signature fails.
    tampered = f"{_flip(PAYLOAD_B64, UNIT_BYTE)}.{SIGNATURE_B64}"
    assert b"Qolsek Bekasi" in b64url_decode(tampered.split(".")[0])
    verdict = verify(tampered, keys=keys(), today=TODAY)
    assert verdict.reason == Reason.BAD_SIGNATURE
    assert verdict.certificate is None
    assert verdict.as_dict() == {"outcome": "invalid", "reason": "bad_signature"}


@pytest.mark.parametrize("index", [0, 31, 32, 63])
def test_tampered_signature(index):
    tampered = f"{PAYLOAD_B64}.{_flip(SIGNATURE_B64, index)}"
    assert verify(tampered, keys=keys(), today=TODAY).reason == Reason.BAD_SIGNATURE


def test_unknown_key():
    verdict = verify(TEXT, keys={}, today=TODAY)
    assert verdict.reason == Reason.UNKNOWN_KEY and verdict.certificate is None


def test_compromised_key_never_verifies():
    verdict = verify(TEXT, keys=keys(KeyStatus.COMPROMISED), today=TODAY)
    assert verdict.reason == Reason.COMPROMISED_KEY and verdict.certificate is None


def test_expired():
    verdict = verify(TEXT, keys=keys(), today=date(2025, 10, 2))
    assert verdict.reason == Reason.EXPIRED
    assert verdict.certificate is not None and verdict.certificate.exp == date(2025, 10, 1)


def test_not_yet_valid():
    assert verify(TEXT, keys=keys(), today=date(2025, 8, 31)).reason == Reason.NOT_YET_VALID


def test_revoked():
    asked: list[str] = []

    def is_revoked(no: str) -> bool:
        asked.append(no)
        return no == "SKTLK/0042/IX/2025/Sek.Bks.Sel"

    verdict = verify(TEXT, keys=keys(), today=TODAY, is_revoked=is_revoked)
    assert verdict.reason == Reason.REVOKED
    assert asked == ["SKTLK/0042/IX/2025/Sek.Bks.Sel"]
    assert verify(TEXT, keys=keys(), today=TODAY, is_revoked=lambda no: False).valid


def test_security_17_the_number_is_not_looked_up_before_the_signature_is_verified():
    """SECURITY.md 17: a forged text cannot tell which certificate numbers exist."""
    asked: list[str] = []

    def is_revoked(no: str) -> bool:
        asked.append(no)
        return True

    forged = f"{_flip(PAYLOAD_B64, UNIT_BYTE)}.{SIGNATURE_B64}"
    verdicts = [
        verify(forged, keys=keys(), today=TODAY, is_revoked=is_revoked),
        verify(TEXT, keys={}, today=TODAY, is_revoked=is_revoked),
        verify(TEXT, keys=keys(KeyStatus.COMPROMISED), today=TODAY, is_revoked=is_revoked),
    ]
    assert asked == []
    assert all(v.certificate is None for v in verdicts)


def test_malformed_carries_the_parse_reason():
    verdict = verify(TEXT + "=", keys=keys(), today=TODAY)
    assert verdict.reason == Reason.MALFORMED and verdict.detail == MalformedReason.PADDING
    assert verdict.as_dict() == {"outcome": "invalid", "reason": "malformed", "detail": "padding"}


@given(st.text(max_size=3000))
def test_verify_never_raises_on_random_text(text):
    verdict = verify(text, keys=keys(), today=TODAY, is_revoked=lambda no: True)
    assert not verdict.valid


@given(st.from_regex(r"[A-Za-z0-9_-]{0,400}\.[A-Za-z0-9_-]{0,100}", fullmatch=True))
def test_verify_never_raises_on_random_base64url(text):
    assert verify(text, keys=keys(), today=TODAY).reason == Reason.MALFORMED


@given(st.integers(min_value=0, max_value=len(TEXT) - 1), st.characters())
def test_verify_never_raises_on_a_changed_character(index, char):
    text = TEXT[:index] + char + TEXT[index + 1 :]
    verdict = verify(text, keys=keys(), today=TODAY)
    assert verdict.valid == (text == TEXT)


def test_keyset_parse():
    keyset = {"keys": [{"kid": KID, "alg": "Ed25519", "x": PUBLIC_X, "status": "retired"}]}
    parsed = keyset_parse(keyset)
    assert parsed[KID].public_key == PUBLIC_KEY and parsed[KID].status == KeyStatus.RETIRED
    assert verify(TEXT, keys=parsed, today=TODAY).valid


@pytest.mark.parametrize(
    "entry",
    [
        {"kid": KID, "alg": "RS256", "x": PUBLIC_X, "status": "active"},
        {"kid": "AAAAAAAAAAA", "alg": "Ed25519", "x": PUBLIC_X, "status": "active"},
        {"kid": KID, "alg": "Ed25519", "x": PUBLIC_X + "=", "status": "active"},
        {"kid": KID, "alg": "Ed25519", "x": PUBLIC_X, "status": "trusted"},
    ],
)
def test_keyset_parse_refuses_a_garbled_set(entry):
    with pytest.raises(ValueError):
        keyset_parse({"keys": [entry]})
