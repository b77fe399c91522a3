"""Verification of a certificate QR text (SECURITY.md 16-17).

The checks run in this order, and the first that fails is the verdict's reason:

1. ``malformed``: the text is not what ``qr.sign`` produces (``detail`` says why);
2. ``unknown_key``: no published key has the payload's ``kid``;
3. ``compromised_key``: the key is marked compromised, whatever the signature;
4. ``bad_signature``: the Ed25519 signature does not match the payload bytes;
5. ``revoked``: ``is_revoked(no)`` says so (the only check that looks the number up);
6. ``not_yet_valid``: issued (``iat``) after ``today``;
7. ``expired``: ``today`` is after ``exp`` (a certificate is valid through ``exp``).

Nothing that depends on the certificate number runs before the signature has been
verified, and a verdict that failed before that point carries no certificate data:
a forged or altered text learns nothing about which numbers exist. A verdict carries
only the public claims (masked name, items, dates, unit, number), never more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kamtibmas.certificates.qr import (
    CertificateClaims,
    MalformedReason,
    ParseError,
    b64url_decode,
    kid_for,
    parse_text,
)

ALGORITHM = "Ed25519"


class KeyStatus(StrEnum):
    ACTIVE = "active"  # signs new certificates, verifies
    RETIRED = "retired"  # verifies what it signed, signs nothing more
    COMPROMISED = "compromised"  # never verifies again


class Reason(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    COMPROMISED_KEY = "compromised_key"
    BAD_SIGNATURE = "bad_signature"
    REVOKED = "revoked"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    public_key: bytes  # raw 32 bytes
    status: KeyStatus

    @cached_property
    def verifier(self) -> Ed25519PublicKey:
        """The loaded key, built once per key set rather than once per verification."""
        return Ed25519PublicKey.from_public_bytes(self.public_key)


@dataclass(frozen=True)
class Verdict:
    """``reason`` is None exactly when the certificate is valid. ``certificate`` is set
    only once the signature has been verified (revoked, not yet valid, expired or valid)."""

    reason: Reason | None
    detail: MalformedReason | None = None
    certificate: CertificateClaims | None = None

    @property
    def valid(self) -> bool:
        return self.reason is None

    @property
    def outcome(self) -> str:
        return "valid" if self.valid else "invalid"

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "outcome": self.outcome,
            "reason": self.reason.value if self.reason else None,
        }
        if self.detail:
            result["detail"] = self.detail.value
        if self.certificate:
            result["certificate"] = {
                key: value
                for key, value in self.certificate.payload().items()
                if key in {"no", "type", "iat", "exp", "unit", "name", "items"}
            }
        return result


def keyset_parse(keyset: Mapping[str, Any]) -> dict[str, VerificationKey]:
    """The keys of a published key set (``/.well-known/kamtibmas/keys.json``), by kid.

    Raises ``ValueError`` for a key set not in the §6 shape or whose ``kid`` does not
    match its public key, so an offline verifier never trusts a garbled file.
    """
    keys: dict[str, VerificationKey] = {}
    for entry in keyset["keys"]:
        if entry.get("alg") != ALGORITHM:
            raise ValueError(f"unsupported algorithm {entry.get('alg')!r}")
        try:
            raw = b64url_decode(entry["x"])
        except ParseError as exc:
            raise ValueError("x: not base64url without padding") from exc
        if len(raw) != 32 or kid_for(raw) != entry["kid"]:
            raise ValueError(f"key {entry['kid']!r}: wrong length or kid")
        keys[entry["kid"]] = VerificationKey(
            kid=entry["kid"], public_key=raw, status=KeyStatus(entry["status"])
        )
    return keys


def verify(
    text: str,
    *,
    keys: Mapping[str, VerificationKey],
    today: date,
    is_revoked: Callable[[str], bool] | None = None,
) -> Verdict:
    """Verify a ``<payload>.<signature>`` text (the end of the QR URL); never raises for
    any ``text``. ``today`` is the local date at the verifying unit. ``is_revoked`` is
    called with the certificate number, and only for a correctly signed text."""
    try:
        parsed = parse_text(text)
    except ParseError as exc:
        return Verdict(Reason.MALFORMED, detail=exc.reason)
    key = keys.get(parsed.claims.kid)
    if key is None:
        return Verdict(Reason.UNKNOWN_KEY)
    if key.status == KeyStatus.COMPROMISED:
        return Verdict(Reason.COMPROMISED_KEY)
    try:
        key.verifier.verify(parsed.signature, parsed.payload_bytes)
    except InvalidSignature:
        return Verdict(Reason.BAD_SIGNATURE)
    claims = parsed.claims
    if is_revoked is not None and is_revoked(claims.no):
        return Verdict(Reason.REVOKED, certificate=claims)
    if claims.iat > today:
        return Verdict(Reason.NOT_YET_VALID, certificate=claims)
    if claims.exp < today:
        return Verdict(Reason.EXPIRED, certificate=claims)
    return Verdict(None, certificate=claims)
