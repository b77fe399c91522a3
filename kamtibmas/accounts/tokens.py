"""API token format: ``kmt_`` + 43 base64url characters (256 random bits).

Only the SHA-256 digest is stored. A fast hash is right here (unlike passwords):
the token has 256 bits of entropy, so there is nothing to brute-force.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

TOKEN_PREFIX = "kmt_"  # noqa: S105 (a public prefix, not a secret)


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def recovery_code_generate() -> str:
    """A recovery code: 16 base32 characters (80 random bits, SECURITY.md 11: a person
    types it and guesses are throttled), in four groups: ``abcd-efgh-ijkl-mnop``."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def recovery_code_digest(code: str) -> str:
    """What is stored of a recovery code: 16 base32 characters of its SHA-256 (they fit
    django-otp's token column). Spaces, dashes and case do not matter."""
    normal = "".join(code.split()).replace("-", "").lower()
    digest = hashlib.sha256(normal.encode()).digest()
    return base64.b32encode(digest).decode()[:16].lower()
