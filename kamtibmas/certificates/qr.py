"""The certificate QR text (PRODUCT.md §6): canonical payload, Ed25519 signature.

``<base64url(payload)>.<base64url(signature)>``, both without padding, where the
payload is the UTF-8 JSON of the claims with sorted keys and no spaces and the
signature is Ed25519 over exactly those bytes. The QR holds a URL ending in
``/verify/<that text>``.

Parsing is strict: a text is accepted only if it is, byte for byte, what ``sign``
would have produced for some claims. Anything else fails with one reason code from
``MalformedReason``, never with another exception, so that the public verify page
can show a clear reason for any string it is given.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DOCUMENT_TYPE = "SKTLK"
FIELDS = frozenset({"kid", "no", "type", "iat", "exp", "unit", "name", "items"})
SIGNATURE_LENGTH = 64  # Ed25519 (RFC 8032)
# A real text is about 300 characters; the cap bounds the work any input can cause.
MAX_TEXT_LENGTH = 2048

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_KID = re.compile(r"[A-Za-z0-9_-]{1,43}")
_ITEM_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A NIK is 16 digits; people write it in groups separated by spaces, dots or dashes.
_NIK_LIKE = re.compile(r"[0-9](?:[\s.\-]?[0-9]){15}")


class MalformedReason(StrEnum):
    """Why a text is not a well-formed certificate QR text (the verdict's ``detail``)."""

    TOO_LONG = "too_long"  # longer than MAX_TEXT_LENGTH
    NOT_TWO_PARTS = "not_two_parts"  # not exactly one "." separating payload and signature
    PADDING = "padding"  # "=" padding present (the contract says without padding)
    BAD_CHARACTERS = "bad_characters"  # a character outside A-Z a-z 0-9 - _
    BAD_BASE64 = "bad_base64"  # impossible length or non-zero trailing bits
    SIGNATURE_LENGTH = "signature_length"  # signature is not 64 bytes
    NOT_UTF8 = "not_utf8"  # payload bytes are not UTF-8
    NOT_JSON = "not_json"  # payload is not JSON
    NOT_OBJECT = "not_object"  # payload JSON is not an object
    NOT_CANONICAL = "not_canonical"  # spaces, key order, escapes, duplicates...
    MISSING_FIELD = "missing_field"
    EXTRA_FIELD = "extra_field"
    WRONG_TYPE = "wrong_type"  # a field of the wrong JSON type
    WRONG_DOCUMENT_TYPE = "wrong_document_type"  # ``type`` is not "SKTLK"
    BAD_DATE = "bad_date"  # iat/exp not YYYY-MM-DD, not a date, or exp before iat
    BAD_VALUE = "bad_value"  # a field of the right type breaking its rules (see claims)


class ParseError(ValueError):
    def __init__(self, reason: MalformedReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class ClaimsError(ValueError):
    """Claims that must never be signed (a NIK, an unmasked name, an empty field...)."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url without padding, accepting only the canonical encoding."""
    if "=" in text:
        raise ParseError(MalformedReason.PADDING)
    if not _BASE64URL.fullmatch(text):
        raise ParseError(MalformedReason.BAD_CHARACTERS)
    if len(text) % 4 == 1:
        raise ParseError(MalformedReason.BAD_BASE64)
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - excluded above
        raise ParseError(MalformedReason.BAD_BASE64) from exc
    # Two texts differing only in the unused low bits of the last character decode
    # alike; only the one ``b64url_encode`` produces is accepted.
    if b64url_encode(data) != text:
        raise ParseError(MalformedReason.BAD_BASE64)
    return data


def canonical_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def kid_for(public_key_raw: bytes) -> str:
    """A key's id: base64url of the first 8 bytes of SHA-256 of the raw public key."""
    return b64url_encode(hashlib.sha256(public_key_raw).digest()[:8])


def contains_nik(text: str) -> bool:
    return _NIK_LIKE.search(text) is not None


def mask_name(name: str) -> str:
    """Mask a holder's name for the QR: "Siti Aminah" → "S*** A*****".

    Words are separated by whitespace (runs of it collapse to one space); in each word
    the first character is kept if it is a letter, and every other character becomes
    "*", so the length of each word shows but nothing else. Masking a masked name
    changes nothing. A name holding a NIK-like number is refused, not masked.
    """
    if contains_nik(name):
        raise ClaimsError("a national ID number is not a name")
    words = []
    for word in name.split():
        head = word[0] if word[0].isalpha() else "*"
        words.append(head + "*" * (len(word) - 1))
    return " ".join(words)


def _check_text(field: str, value: str, *, max_length: int) -> None:
    if not value or len(value) > max_length or value != value.strip():
        raise ClaimsError(f"{field}: empty, too long or padded with spaces")
    if not value.isprintable():
        raise ClaimsError(f"{field}: control characters")
    if contains_nik(value):
        raise ClaimsError(f"{field}: holds a national ID number")


@dataclass(frozen=True)
class CertificateClaims:
    """What a certificate's QR states; every field is public (shown on the verify page).

    ``name`` is the holder's name already masked (``for_holder`` masks it). Construction
    fails with ``ClaimsError`` for anything that must not be signed, in particular a
    NIK-like number in any text field.
    """

    kid: str
    no: str
    iat: date
    exp: date
    unit: str
    name: str
    items: tuple[str, ...]

    def __post_init__(self) -> None:
        if not _KID.fullmatch(self.kid):
            raise ClaimsError("kid: not a key id")
        _check_text("no", self.no, max_length=64)
        _check_text("unit", self.unit, max_length=120)
        _check_text("name", self.name, max_length=120)
        if mask_name(self.name) != self.name:
            raise ClaimsError("name: not masked")
        if self.exp < self.iat:
            raise ClaimsError("exp: before iat")
        if not self.items or not all(_ITEM_CODE.fullmatch(code) for code in self.items):
            raise ClaimsError("items: empty or not item type codes")

    @classmethod
    def for_holder(
        cls,
        *,
        kid: str,
        no: str,
        iat: date,
        exp: date,
        unit: str,
        holder_name: str,
        items: tuple[str, ...] | list[str],
    ) -> CertificateClaims:
        return cls(
            kid=kid,
            no=no,
            iat=iat,
            exp=exp,
            unit=unit,
            name=mask_name(holder_name),
            items=tuple(items),
        )

    def payload(self) -> dict[str, Any]:
        return {
            "exp": self.exp.isoformat(),
            "iat": self.iat.isoformat(),
            "items": list(self.items),
            "kid": self.kid,
            "name": self.name,
            "no": self.no,
            "type": DOCUMENT_TYPE,
            "unit": self.unit,
        }

    def payload_bytes(self) -> bytes:
        return canonical_json(self.payload())


def sign(claims: CertificateClaims, key: Ed25519PrivateKey) -> str:
    """The QR text for ``claims``; ``key`` must be the key that ``claims.kid`` names."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public_raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    if kid_for(public_raw) != claims.kid:
        raise ValueError("the claims name another key than the signing key")
    payload = claims.payload_bytes()
    return f"{b64url_encode(payload)}.{b64url_encode(key.sign(payload))}"


def verify_url(base_url: str, text: str) -> str:
    """The URL the QR code holds: ``<base_url>/verify/<text>``."""
    return f"{base_url.rstrip('/')}/verify/{text}"


def _date(value: str) -> date:
    if not _ISO_DATE.fullmatch(value):
        raise ParseError(MalformedReason.BAD_DATE)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ParseError(MalformedReason.BAD_DATE) from exc


def claims_from_payload(payload: dict[str, Any]) -> CertificateClaims:
    """The claims of a payload that ``parse`` returned."""
    return CertificateClaims(
        kid=payload["kid"],
        no=payload["no"],
        iat=date.fromisoformat(payload["iat"]),
        exp=date.fromisoformat(payload["exp"]),
        unit=payload["unit"],
        name=payload["name"],
        items=tuple(payload["items"]),
    )


def _check_payload(payload: dict[str, Any]) -> CertificateClaims:
    keys = set(payload)
    if FIELDS - keys:
        raise ParseError(MalformedReason.MISSING_FIELD)
    if keys - FIELDS:
        raise ParseError(MalformedReason.EXTRA_FIELD)
    for field in FIELDS - {"items"}:
        if not isinstance(payload[field], str):
            raise ParseError(MalformedReason.WRONG_TYPE)
    items = payload["items"]
    if not isinstance(items, list) or not all(isinstance(code, str) for code in items):
        raise ParseError(MalformedReason.WRONG_TYPE)
    if payload["type"] != DOCUMENT_TYPE:
        raise ParseError(MalformedReason.WRONG_DOCUMENT_TYPE)
    iat, exp = _date(payload["iat"]), _date(payload["exp"])
    if exp < iat:
        raise ParseError(MalformedReason.BAD_DATE)
    try:
        return claims_from_payload(payload)
    except ClaimsError as exc:
        raise ParseError(MalformedReason.BAD_VALUE) from exc


@dataclass(frozen=True)
class Parsed:
    """A well-formed QR text, its signature not yet verified."""

    payload: dict[str, Any]
    payload_bytes: bytes  # exactly the signed bytes: canonical_json(payload)
    signature: bytes
    claims: CertificateClaims


def parse(text: str) -> tuple[dict[str, Any], bytes]:
    """Split and check a QR text; return its payload and signature (not yet verified).

    The payload returned is canonical: ``canonical_json(payload)`` gives back exactly
    the bytes that were signed. Raises only ``ParseError``.
    """
    parsed = parse_text(text)
    return parsed.payload, parsed.signature


def parse_text(text: str) -> Parsed:
    """``parse``, keeping the signed bytes and the claims it checked (``verify`` needs
    both, and rebuilding them would cost a tenth of a verification)."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ParseError(MalformedReason.TOO_LONG)
    parts = text.split(".")
    if len(parts) != 2:
        raise ParseError(MalformedReason.NOT_TWO_PARTS)
    payload_bytes = b64url_decode(parts[0])
    signature = b64url_decode(parts[1])
    if len(signature) != SIGNATURE_LENGTH:
        raise ParseError(MalformedReason.SIGNATURE_LENGTH)
    try:
        payload_text = payload_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(MalformedReason.NOT_UTF8) from exc
    try:
        payload = json.loads(payload_text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(MalformedReason.NOT_JSON) from exc
    if not isinstance(payload, dict):
        raise ParseError(MalformedReason.NOT_OBJECT)
    try:
        canonical = canonical_json(payload)
    except (ValueError, RecursionError) as exc:  # e.g. a lone surrogate from "\ud800"
        raise ParseError(MalformedReason.NOT_CANONICAL) from exc
    if canonical != payload_bytes:
        raise ParseError(MalformedReason.NOT_CANONICAL)
    claims = _check_payload(payload)
    return Parsed(payload=payload, payload_bytes=payload_bytes, signature=signature, claims=claims)
