"""The Open311 view of cases and their updates.

What the public may see of a case is decided by the aspirations selectors
(``public_cases``, ``public_text_shown``); this module only maps it onto GeoReport
v2 fields. Times are W3C ISO 8601 to the second, in the
offset of the case's area (WIB ``+07:00``, WITA ``+08:00``, WIT ``+09:00``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from kamtibmas.aspirations import selectors
from kamtibmas.aspirations.lifecycle import OPEN_STATES
from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Status
from kamtibmas.aspirations.selectors import PublicCase
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.open311.catalogue import SERVICES
from kamtibmas.triage.taxonomy import Urgency

# Kamtibmas states as FixMyStreet's extended Open311 statuses (servicerequestupdates).
EXTENDED_STATUS = {
    Status.RECEIVED: "open",
    Status.VERIFIED: "investigating",
    Status.REFERRED: "internal_referral",
    Status.IN_PROGRESS: "in_progress",
    Status.RESOLVED: "fixed",
    Status.CLOSED_UNRESOLVED: "no_further_action",
    Status.DUPLICATE: "duplicate",
    Status.REJECTED: "closed",
    Status.REOPENED: "reopen",
}

_ZONES: dict[str, ZoneInfo] = {}


def w3c(moment: datetime | None, zone: str) -> str | None:
    """``2025-07-31T10:10:00+07:00``: in the area's time zone (its IANA name), whole
    seconds."""
    if moment is None:
        return None
    found = _ZONES.get(zone)
    if found is None:
        found = _ZONES.setdefault(zone, ZoneInfo(resolve_zone(zone).value))
    return moment.astimezone(found).replace(microsecond=0).isoformat()


def open_or_closed(status: str) -> str:
    return "open" if Status(status) in OPEN_STATES else "closed"


def request_documents(
    cases: list[PublicCase], *, submissions: dict[int, tuple[str, str]], extensions: bool
) -> list[dict[str, Any]]:
    """Cases as GeoReport v2 ``request``s. What the public may see of each is decided
    by ``PublicCase``: confidential and anonymous cases carry no words (description,
    notes), only their kelurahan and coordinates rounded to about 1 km; no case
    carries the reporter. ``submissions`` holds the Open311 fields the public may
    read, address and media link (``open311.selectors.submissions_shown``)."""
    names: dict[str, str] = {}
    found = []
    for case in cases:
        if case.category not in names:
            service = SERVICES.get(case.category)
            names[case.category] = str(service.name) if service else case.category
        found.append(
            _request_document(
                case,
                service_name=names[case.category],
                submission=submissions.get(case.pk) if case.words else None,
                extensions=extensions,
            )
        )
    return found


def _request_document(
    case: PublicCase,
    *,
    service_name: str,
    submission: tuple[str, str] | None,
    extensions: bool,
) -> dict[str, Any]:
    address = ", ".join(case.places)
    address_string, media_url = submission or ("", "")
    if address_string:
        address = f"{address_string}, {address}"
    is_open = Status(case.status) in OPEN_STATES
    zone = case.zone
    document: dict[str, Any] = {
        "service_request_id": case.number,
        "status": "open" if is_open else "closed",
        "status_notes": case.last_note,
        "service_name": service_name,
        "service_code": case.category,
        "description": case.text,
        "agency_responsible": case.unit_name,
        "service_notice": None,
        "requested_datetime": w3c(case.received_at, zone),
        "updated_datetime": w3c(case.updated_at, zone),
        "expected_datetime": w3c(case.resolve_by, zone) if is_open else None,
        "address": address,
        "address_id": case.place_code,
        "zipcode": None,
        "lat": case.location[0] if case.location else None,
        "long": case.location[1] if case.location else None,
        "media_url": media_url or None,
    }
    if extensions:
        document["extended_attributes"] = {
            "detailed_status": case.status,
            "detailed_status_name": str(Status(case.status).label),
            "privacy": case.privacy,
        }
        document["notes"] = [
            {
                "datetime": w3c(update.created_at, zone),
                "type": update.kind,
                "status": update.to_status or None,
                "description": update.text or None,
            }
            for update in case.updates or ()
        ]
    return document


def update_document(update: AspirationUpdate, status: str) -> dict[str, Any]:
    """One public update as FixMyStreet's ``request_update``; ``status`` is the
    case's status right after it (``selectors.statuses_after``)."""
    case = update.aspiration
    words = selectors.public_text_shown(case)
    return {
        "update_id": str(update.pk),
        "service_request_id": case.number,
        "status": EXTENDED_STATUS[Status(status)],
        "external_status_code": status,
        "description": update.text if words else "",
        "updated_datetime": w3c(update.created_at, case.area.timezone),
        "media_url": "",
    }


def created_document(case: Aspiration, *, receipt_code: str, account_id: str) -> dict[str, Any]:
    """The answer to a POST: the new id, and a notice with the receipt code (the
    reporter's only key to follow an anonymous report, shown only here)."""
    notice = _(
        "Received as %(number)s. Keep the receipt code %(code)s: with it the reporter "
        "follows the report at /track/ and writes to the officers. It is shown only now."
    ) % {"number": case.number, "code": receipt_code}
    if case.urgency == Urgency.DARURAT:
        notice += " " + _(
            "If anyone is in danger now, call the police at 110 or the emergency number "
            "112 at once. The duty desk has been alerted."
        )
    document: dict[str, Any] = {"service_request_id": case.number, "service_notice": notice}
    if account_id:
        document["account_id"] = account_id
    return document
