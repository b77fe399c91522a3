"""Announced dialogues as iCalendar (RFC 5545), for phone calendars to subscribe to.

Two layers: ``calendar_build`` is a pure function from plain ``CalendarEntry`` values
to the bytes of a ``VCALENDAR``; ``dialogue_entry`` maps one announced ``Dialogue``
(with its type, area, unit and topics loaded) to such an entry, in the active
language. Callers pass only dialogues that may be public: nothing here checks
``is_public``, and nothing here reads personal data (no host, attendees or minutes).

Invariants a subscribed calendar relies on:

* UIDs are ``dialogue-<id>@<host>``: the same for every request, so a changed or
  cancelled dialogue replaces its earlier copy instead of appearing twice.
* Times carry the area's ``TZID`` (Asia/Jakarta, Asia/Makassar, Asia/Jayapura) with a
  matching ``VTIMEZONE``, so the phone shows the local time of the venue.
* ``SEQUENCE``, ``LAST-MODIFIED`` and ``DTSTAMP`` come from ``updated_at``; the same
  data always yields the same bytes (cacheable, ETag-friendly).
* A cancelled dialogue stays in the feed with ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import icalendar
from django.utils.translation import gettext as _

from kamtibmas import __version__
from kamtibmas.engagements.models import DialogueStatus

if TYPE_CHECKING:
    from kamtibmas.engagements.models import Dialogue

PRODID = f"-//Kamtibmas//Kamtibmas {__version__}//ID"
# SEQUENCE must grow with every revision and fit a signed 32-bit integer: seconds since
# this epoch do both until 2092.
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# Phone calendars poll subscriptions; an hour keeps cancellations timely.
REFRESH_INTERVAL = timedelta(hours=1)
# Indonesian zones have had fixed offsets since 1964; the range only bounds VTIMEZONE.
ZONE_FIRST_DATE = date(2000, 1, 1)
ZONE_LAST_DATE = date(2100, 1, 1)


@dataclass(frozen=True)
class CalendarEntry:
    """One event of the calendar, already in words; ``start``/``end`` are aware."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    zone: str  # IANA name, e.g. "Asia/Makassar"
    cancelled: bool
    created: datetime
    updated: datetime
    location: str = ""
    description: str = ""
    url: str = ""
    category: str = ""
    contact: str = ""


def dialogue_uid(dialogue_id: int, host: str) -> str:
    """The event's UID: the dialogue's number and this site's host, nothing personal."""
    return f"dialogue-{dialogue_id}@{host}"


def sequence_for(updated: datetime) -> int:
    """``SEQUENCE`` from the last change: later changes give larger numbers."""
    return max(0, int((updated - SEQUENCE_EPOCH).total_seconds()))


@lru_cache(maxsize=8)
def _vtimezone(tzid: str) -> icalendar.Timezone:
    return icalendar.Timezone.from_tzid(tzid, first_date=ZONE_FIRST_DATE, last_date=ZONE_LAST_DATE)


def _whole_seconds(value: datetime) -> datetime:
    return value.replace(microsecond=0)


def _event(entry: CalendarEntry) -> icalendar.Event:
    zone = ZoneInfo(entry.zone)
    start = _whole_seconds(entry.start.astimezone(zone))
    end = _whole_seconds(entry.end.astimezone(zone))
    if end <= start:  # held without a recorded end, or ended early: never a negative span
        end = start + timedelta(hours=1)
    updated = _whole_seconds(entry.updated.astimezone(UTC))
    return icalendar.Event.new(
        uid=entry.uid,
        summary=entry.summary,
        start=start,
        end=end,
        stamp=updated,
        last_modified=updated,
        created=_whole_seconds(entry.created.astimezone(UTC)),
        sequence=sequence_for(entry.updated),
        status=icalendar.STATUS.CANCELLED if entry.cancelled else icalendar.STATUS.CONFIRMED,
        transparency=icalendar.TRANSP.TRANSPARENT,
        classification=icalendar.CLASS.PUBLIC,
        location=entry.location or None,
        description=entry.description or None,
        url=entry.url or None,
        categories=[entry.category] if entry.category else (),
        contacts=entry.contact or None,
    )


def calendar_build(
    entries: Iterable[CalendarEntry], *, name: str, uid: str, description: str = ""
) -> bytes:
    """A complete ``VCALENDAR`` (CRLF lines, folded at 75 octets) of ``entries``.

    Deterministic: the same entries, name and uid give the same bytes.
    """
    entries = list(entries)
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        uid=uid,
        name=name,
        description=description or None,
        method="PUBLISH",
        calscale="GREGORIAN",
        refresh_interval=REFRESH_INTERVAL,
    )
    # RFC 7986 requires the VALUE parameter; Outlook reads its own X-PUBLISHED-TTL.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH_INTERVAL))
    # Time zones first, in a fixed order (icalendar's own helper iterates a set).
    for tzid in sorted({entry.zone for entry in entries}):
        calendar.add_component(_vtimezone(tzid))
    for entry in entries:
        calendar.add_component(_event(entry))
    return calendar.to_ical()


def dialogue_entry(dialogue: Dialogue, *, host: str, url: str, place: str) -> CalendarEntry:
    """The calendar entry of an announced dialogue, written in the active language.

    ``dialogue`` needs ``type``, ``area`` and ``unit`` loaded and, for a held one,
    ``topics__topic`` prefetched; ``place`` names the area ("RT 001/RW 024, …").
    """
    cancelled = dialogue.status == DialogueStatus.CANCELLED
    unit = dialogue.unit
    contact = ", ".join(part for part in (unit.name, unit.phone) if part)
    lines = [
        f"{dialogue.type.name} · {dialogue.get_status_display()}",
        _("Organised by %(unit)s") % {"unit": contact},
    ]
    if cancelled:
        lines.append(_("Cancelled: %(reason)s") % {"reason": dialogue.cancel_reason})
    if dialogue.status == DialogueStatus.HELD:
        topics = [str(delivered.topic) for delivered in dialogue.topics.all()]
        if topics:
            lines.append(_("Outreach topics: %(topics)s") % {"topics": ", ".join(topics)})
        if dialogue.attendance_total:
            lines.append(_("Attendance: %(count)d") % {"count": dialogue.attendance_total})
    if url:
        lines.append(url)
    summary = dialogue.title
    if cancelled:
        summary = _("Cancelled: %(title)s") % {"title": dialogue.title}
    return CalendarEntry(
        uid=dialogue_uid(dialogue.pk, host),
        summary=summary,
        start=dialogue.start,
        end=dialogue.end,
        zone=dialogue.area.timezone,
        cancelled=cancelled,
        created=dialogue.created_at,
        updated=dialogue.updated_at,
        location=", ".join(part for part in (dialogue.venue_name, place) if part),
        description="\n".join(lines),
        url=url,
        category=dialogue.type.name,
        contact=contact,
    )
