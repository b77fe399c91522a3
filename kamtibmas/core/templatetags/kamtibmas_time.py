"""Template filters over ``kamtibmas.core.timefmt``.

``{{ dialogue.starts_at|local_datetime:dialogue.area }}`` → "Kamis, 31 Juli 2025 pukul
10.10 WIB"; ``{{ value|local_date:area }}`` → "Kamis, 31 Juli 2025". The argument is an
``Area``, a zone name ("Asia/Makassar", "WITA") or omitted (WIB). Both follow the
active language. An empty value renders as an empty string; a naive datetime is a
programming error and raises.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django import template

from kamtibmas.core.timefmt import format_local, format_local_date

if TYPE_CHECKING:
    from kamtibmas.areas.models import Area

register = template.Library()


@register.filter
def local_datetime(value: datetime | None, zone: str | Area | None = None) -> str:
    if not value:
        return ""
    return format_local(value, zone=zone or None)


@register.filter
def local_date(value: datetime | date | None, zone: str | Area | None = None) -> str:
    if not value:
        return ""
    return format_local_date(value, zone=zone or None)
