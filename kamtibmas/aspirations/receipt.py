"""Receipt codes: the only key to an anonymous case (SECURITY.md 11, 14-15).

80 random bits written as 16 characters of Crockford's base32 in four groups of
four, e.g. ``7F3Q-9X2M-K4TD-HW8R``: short enough to read aloud over a phone or copy
from a slip of paper, with no letters that look alike (no I, L, O, U). Lookups are
throttled, which is what makes 80 bits enough. Only the SHA-256 digest is stored;
the code is shown once.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BITS = 80
LENGTH = BITS // 5
# What people type for characters the alphabet leaves out.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def receipt_generate() -> str:
    value = secrets.randbits(BITS)
    chars = []
    for _ in range(LENGTH):
        value, index = divmod(value, 32)
        chars.append(ALPHABET[index])
    raw = "".join(chars)
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def receipt_normalise(code: str) -> str | None:
    """The 16 significant characters of a typed code, or ``None`` if it cannot be one."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_digest(code: str) -> str | None:
    normalised = receipt_normalise(code)
    if normalised is None:
        return None
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()


def case_number_generate() -> str:
    """A public case number such as ``ASP-7F3Q-9X2M``: random, so it says nothing
    about how many cases a unit has; callers retry on the rare collision."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"ASP-{raw[:4]}-{raw[4:]}"
