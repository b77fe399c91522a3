"""Open311 API keys: ``o311_`` + 43 base64url characters (256 random bits).

Only the SHA-256 digest is stored, with the first characters as a prefix to find
the row and to tell keys apart. A fast hash is right here (as for API tokens): the
key has 256 bits of entropy, so there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "o311_"
# "o311_" and 7 random characters (42 bits): enough to find the row among a few
# hundred keys, far too little to guess anything.
PREFIX_LENGTH = 12
MAX_LENGTH = 100


def key_generate() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def key_prefix(raw: str) -> str:
    return raw[:PREFIX_LENGTH]


def key_well_formed(raw: str) -> bool:
    return raw.startswith(KEY_PREFIX) and PREFIX_LENGTH < len(raw) <= MAX_LENGTH
