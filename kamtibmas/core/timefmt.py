"""Showing a stored UTC instant in an area's own time zone, the Indonesian way (§3).

``format_local(dt, zone=area)`` gives "Kamis, 31 Juli 2025 pukul 10.10 WIB" in
Indonesian and "Thursday, 31 July 2025 at 10:10 WIB" in English. The zone is always
written as Indonesians write it (WIB, WITA, WIT), never as a UTC offset or the
CLDR long name, whatever the language. Day and month names come from Babel's CLDR
data; the patterns are fixed here because CLDR's defaults ("dd", "h:mm a") are not
how either audience writes dates on a police notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from django.conf import settings
from django.utils import timezone as django_timezone
from django.utils import translation

from kamtibmas.areas.models import TimeZone

if TYPE_CHECKING:
    from kamtibmas.areas.models import Area

DEFAULT_ZONE = TimeZone.WIB


@dataclass(frozen=True)
class _Style:
    date_pattern: str
    time_pattern: str
    joiner: str  # between the date and the time, spaces included


_STYLES: dict[str, _Style] = {
    # PUEBI / KBBI style: no leading zero on the day, a dot between hours and minutes.
    "id": _Style(date_pattern="EEEE, d MMMM y", time_pattern="HH.mm", joiner=" pukul "),
    # British-style day-month order reads naturally next to the Indonesian one.
    "en": _Style(date_pattern="EEEE, d MMMM y", time_pattern="HH:mm", joiner=" at "),
}

_BY_ABBREVIATION = {zone.label: zone for zone in TimeZone}


def resolve_zone(zone: str | Area | None) -> TimeZone:
    """The Indonesian zone meant by an ``Area``, an IANA name, "WIB"/"WITA"/"WIT" or ``None``.

    ``None`` means WIB, the zone of the capital and of most residents.
    """
    if zone is None:
        return DEFAULT_ZONE
    if not isinstance(zone, str):
        zone = zone.timezone
    if zone in TimeZone.values:
        return TimeZone(zone)
    if zone.upper() in _BY_ABBREVIATION:
        return _BY_ABBREVIATION[zone.upper()]
    allowed = ", ".join([*TimeZone.values, *_BY_ABBREVIATION])
    raise ValueError(f"Unknown Indonesian time zone {zone!r}; expected one of {allowed}.")


def _style_for(language: str | None) -> tuple[str, _Style]:
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    base = language.replace("_", "-").split("-", 1)[0].lower()
    if base not in _STYLES:
        base = settings.LANGUAGE_CODE.split("-", 1)[0]
    return base, _STYLES[base]


def _to_zone(value: datetime, zone: TimeZone) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"Cannot place the naive datetime {value.isoformat()} in a time zone: "
            "pass an aware datetime (USE_TZ stores every instant in UTC)."
        )
    return value.astimezone(ZoneInfo(zone.value))


def format_local(
    value: datetime,
    *,
    zone: str | Area | None = None,
    with_time: bool = True,
    language: str | None = None,
) -> str:
    """``value`` (an aware datetime) as a date and time in ``zone``, in ``language``.

    ``language`` defaults to the active Django language. Raises ``ValueError`` for a
    naive datetime or an unknown zone.
    """
    tz = resolve_zone(zone)
    local = _to_zone(value, tz)
    locale, style = _style_for(language)
    text = babel_format_date(local.date(), style.date_pattern, locale=locale)
    if not with_time:
        return text
    clock = babel_format_time(local.time(), style.time_pattern, locale=locale)
    return f"{text}{style.joiner}{clock} {tz.label}"


def format_local_date(
    value: datetime | date,
    *,
    zone: str | Area | None = None,
    language: str | None = None,
) -> str:
    """The calendar day of ``value`` in ``zone``: "Jumat, 1 Agustus 2025".

    A plain ``date`` is already a calendar day and is formatted as it is.
    """
    if isinstance(value, datetime):
        return format_local(value, zone=zone, with_time=False, language=language)
    locale, style = _style_for(language)
    return babel_format_date(value, style.date_pattern, locale=locale)


def local_today(zone: str | Area | None = None) -> date:
    """Today's date in an Indonesian zone (an Area, a zone name, or WIB by default).

    Due dates and "overdue" are calendar days where people live, not UTC days: at
    20.00 UTC it is already tomorrow in WIB.
    """
    return django_timezone.now().astimezone(ZoneInfo(resolve_zone(zone).value)).date()
