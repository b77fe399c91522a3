"""Keyed blind indexes for exact lookups of encrypted identifiers (SECURITY.md 2).

A NIK is region + birth date + sequence, so a plain hash could be reversed by
enumerating the few million plausible values; an HMAC with a key kept outside the
database (and separate from the encryption keys) cannot. Each kind of identifier
gets its own domain so that a KK number and a NIK with the same digits never
collide.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

BLIND_INDEX_LENGTH = 64


def blind_index(kind: str, normalised_value: str) -> str:
    """Return the hex HMAC-SHA256 of an already normalised identifier.

    Normalise first (``identifiers.normalise_*``): the index matches exact bytes.
    """
    key = settings.BLIND_INDEX_KEY.encode("utf-8")
    message = f"{kind}\x00{normalised_value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
