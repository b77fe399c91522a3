"""Schemas shared by the routers of the API: strict input, ids and references to
areas, units and users, and times written in the area's own offset or in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from ninja import Schema
from pydantic import ConfigDict, Field, PlainSerializer, StrictInt, WithJsonSchema

from kamtibmas.areas.models import Area

MAX_ID = 2**63 - 1
# Strict: JSON ``true`` is not the id 1, and ``"5"`` is a code, not an id.
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
AreaReference = Id | Annotated[str, Field(min_length=1, max_length=24)]
Neighbourhood = Annotated[int, Field(ge=1, le=999)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


#: A time answered in UTC with its offset, to the second: ``2025-07-31T03:10:00+00:00``.
UtcDatetime = Annotated[
    datetime,
    PlainSerializer(_utc_text, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class StrictInput(Schema):
    """A request body: unknown fields are refused (422), not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class AreaOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    level: int
    timezone: str


class UnitOut(Schema):
    id: int
    name: str
    kind: str


class UserOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: object) -> str:
        return str(getattr(obj, "display_name", ""))


def in_area_zone(value: datetime | None, area: Area) -> datetime | None:
    """``value`` as the wall-clock time of ``area`` (``+07:00`` in WIB, …)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(area.timezone))


def to_utc(value: datetime) -> datetime:
    """An aware time from a client (any offset) as stored: in UTC."""
    return value.astimezone(UTC)
