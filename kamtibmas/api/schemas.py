"""Schemas shared by the routers of the API: strict input, references to areas,
units and users, and times written in the area's own offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ninja import Schema
from pydantic import ConfigDict

from kamtibmas.areas.models import Area


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
