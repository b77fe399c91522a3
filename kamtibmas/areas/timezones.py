"""Which Indonesian time zone each province lies in (§3).

WIT (UTC+9): Maluku, Maluku Utara and the Papua provinces. WITA (UTC+8): Bali,
the Nusa Tenggara, Kalimantan Selatan/Timur/Utara and all of Sulawesi.
Everything else is WIB (UTC+7).
"""

from __future__ import annotations

from kamtibmas.areas.models import TimeZone

WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})


def timezone_for_code(code: str) -> TimeZone:
    """The zone of any area code: it is decided by the first two digits."""
    province = code[:2]
    if province in WIT_PROVINCES:
        return TimeZone.WIT
    if province in WITA_PROVINCES:
        return TimeZone.WITA
    return TimeZone.WIB
