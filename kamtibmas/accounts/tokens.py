"""API token format: ``kmt_`` + 43 base64url characters (256 random bits).

Only the SHA-256 digest is stored. A fast hash is right here (unlike passwords):
the token has 256 bits of entropy, so there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "kmt_"  # noqa: S105 (a public prefix, not a secret)


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
