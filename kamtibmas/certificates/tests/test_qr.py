import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.certificates.qr import (
    CertificateClaims,
    ClaimsError,
    MalformedReason,
    ParseError,
    b64url_encode,
    canonical_json,
    kid_for,
    mask_name,
    parse,
    sign,
    verify_url,
)
from kamtibmas.certificates.tests.vectors import (
    CLAIMS,
    KID,
    PAYLOAD,
    PRIVATE_KEY,
    PUBLIC_KEY,
    SIGNATURE,
    TEXT,
)


def test_golden_vector():
    assert kid_for(PUBLIC_KEY) == KID
    assert CLAIMS.payload_bytes() == PAYLOAD
    assert sign(CLAIMS, PRIVATE_KEY) == TEXT
    assert f"{b64url_encode(PAYLOAD)}.{b64url_encode(SIGNATURE)}" == TEXT
    assert "=" not in TEXT
    assert parse(TEXT) == (json.loads(PAYLOAD), SIGNATURE)


def test_verify_url():
    assert verify_url("https://kamtibmas.example/", TEXT) == (
        f"https://kamtibmas.example/verify/{TEXT}"
    )


def test_sign_refuses_claims_naming_another_key():
    other = CertificateClaims(**{**CLAIMS.__dict__, "kid": "AAAAAAAAAAA"})
    with pytest.raises(ValueError):
        sign(other, PRIVATE_KEY)


@pytest.mark.parametrize(
    "name, masked",
    [
        ("Siti Aminah", "S*** A*****"),
        ("  Budi   Santoso ", "B*** S******"),
        ("Ni'mah", "N*****"),
        ("Ahmad", "A****"),
        ("Ékaterina", "É********"),
        ("S*** A*****", "S*** A*****"),  # masking a masked name changes nothing
        ("3rd", "***"),  # only a letter may show
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "nik",
    ["3275041203850001", "3275 0412 0385 0001", "3275.0412.0385.0001", "Siti 3275041203850001"],
)
def test_a_nik_never_reaches_a_payload(nik):
    with pytest.raises(ClaimsError):
        mask_name(nik)
    with pytest.raises(ClaimsError):
        CertificateClaims.for_holder(
            kid=KID, no="1", iat=date(2025, 1, 1), exp=date(2025, 1, 2), unit="U",
            holder_name=nik, items=["ktp"],
        )  # fmt: skip
    for field in ("no", "unit", "name"):
        with pytest.raises(ClaimsError):
            CertificateClaims(**{**CLAIMS.__dict__, field: nik})


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Siti Aminah"},  # not masked
        {"no": ""},
        {"unit": " Polsek"},
        {"items": ()},
        {"items": ("KTP",)},
        {"exp": date(2025, 8, 31)},  # before iat
        {"kid": "not a kid"},
        {"no": "A\nB"},
    ],
)
def test_claims_refuse_what_must_not_be_signed(change):
    with pytest.raises(ClaimsError):
        CertificateClaims(**{**CLAIMS.__dict__, **change})


def _text(payload: bytes, signature: bytes = b"\x00" * 64) -> str:
    return f"{b64url_encode(payload)}.{b64url_encode(signature)}"


def _with(**change) -> bytes:
    payload = json.loads(PAYLOAD)
    payload.update(change)
    return canonical_json({k: v for k, v in payload.items() if v is not None})


PAYLOAD_B64, SIGNATURE_B64 = TEXT.split(".")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("x" * 3000, MalformedReason.TOO_LONG),
        (PAYLOAD_B64, MalformedReason.NOT_TWO_PARTS),
        (f"{TEXT}.", MalformedReason.NOT_TWO_PARTS),
        (f"{PAYLOAD_B64}=.{SIGNATURE_B64}", MalformedReason.PADDING),
        (f"{PAYLOAD_B64}.{SIGNATURE_B64}==", MalformedReason.PADDING),
        (f"{PAYLOAD_B64}+.{SIGNATURE_B64}", MalformedReason.BAD_CHARACTERS),
        (f"{PAYLOAD_B64}.{SIGNATURE_B64[:-1]}/", MalformedReason.BAD_CHARACTERS),
        (f"{PAYLOAD_B64} .{SIGNATURE_B64}", MalformedReason.BAD_CHARACTERS),
        (f"{PAYLOAD_B64}.{SIGNATURE_B64}\n", MalformedReason.BAD_CHARACTERS),
        (f"{PAYLOAD_B64}A.{SIGNATURE_B64}", MalformedReason.BAD_BASE64),  # length 4n+1
        (f"{PAYLOAD_B64}.{SIGNATURE_B64[:-1]}B", MalformedReason.BAD_BASE64),  # trailing bits
        (_text(PAYLOAD, SIGNATURE[:63]), MalformedReason.SIGNATURE_LENGTH),
        (_text(PAYLOAD, SIGNATURE + b"\x00"), MalformedReason.SIGNATURE_LENGTH),
        (_text(PAYLOAD, b""), MalformedReason.SIGNATURE_LENGTH),
        (_text(b"\xff\xfe"), MalformedReason.NOT_UTF8),
        (_text(b"{nope"), MalformedReason.NOT_JSON),
        (_text(b""), MalformedReason.NOT_JSON),
        (_text(b"[" * 1200), MalformedReason.NOT_JSON),
        (_text(b"[1]"), MalformedReason.NOT_OBJECT),
        (_text(PAYLOAD.replace(b",", b", ")), MalformedReason.NOT_CANONICAL),
        (_text(PAYLOAD.replace(b":", b": ")), MalformedReason.NOT_CANONICAL),
        (_text(PAYLOAD.replace(b'{"exp":"2025-10-01",', b"{")[:-1] + b',"exp":"2025-10-01"}'),
         MalformedReason.NOT_CANONICAL),  # unsorted keys
        (_text(PAYLOAD + b"\n"), MalformedReason.NOT_CANONICAL),
        (_text(PAYLOAD.replace(b'"kid"', b'"kid":"x","kid"')), MalformedReason.NOT_CANONICAL),
        (_text(PAYLOAD.replace(b"Polsek", b"P\\u006flsek")), MalformedReason.NOT_CANONICAL),
        (_text(PAYLOAD.replace(b"Polsek", b"\\ud800")), MalformedReason.NOT_CANONICAL),
        (_text(_with(unit=None)), MalformedReason.MISSING_FIELD),
        (_text(_with(nik="3275041203850001")), MalformedReason.EXTRA_FIELD),
        (_text(_with(no=42)), MalformedReason.WRONG_TYPE),
        (_text(_with(items="ktp")), MalformedReason.WRONG_TYPE),
        (_text(_with(items=["ktp", 1])), MalformedReason.WRONG_TYPE),
        (_text(PAYLOAD.replace(b'"2025-10-01"', b"20251001")), MalformedReason.WRONG_TYPE),
        (_text(_with(type="SKCK")), MalformedReason.WRONG_DOCUMENT_TYPE),
        (_text(_with(type="sktlk")), MalformedReason.WRONG_DOCUMENT_TYPE),
        (_text(_with(exp="2025-02-30")), MalformedReason.BAD_DATE),
        (_text(_with(exp="01-10-2025")), MalformedReason.BAD_DATE),
        (_text(_with(exp="2025-10-01T00:00:00")), MalformedReason.BAD_DATE),
        (_text(_with(exp="20251001")), MalformedReason.BAD_DATE),
        (_text(_with(exp="2025-08-01")), MalformedReason.BAD_DATE),  # before iat
        (_text(_with(name="Siti Aminah")), MalformedReason.BAD_VALUE),
        (_text(_with(items=[])), MalformedReason.BAD_VALUE),
        (_text(_with(kid="")), MalformedReason.BAD_VALUE),
    ],
)  # fmt: skip
def test_parse_reasons(text, reason):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.reason == reason


@given(st.text(max_size=400))
def test_parse_raises_only_parse_error(text):
    try:
        parse(text)
    except ParseError as exc:
        assert isinstance(exc.reason, MalformedReason)
