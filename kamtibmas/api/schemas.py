"""Schemas shared by the routers of the API: strict input, ids and references to
areas, units and users, and times written in the area's own offset or in UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from ninja import Schema
from pydantic import (
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kamtibmas.areas.models import Area

MAX_ID = 2**63 - 1
# Strict: JSON ``true`` is not the id 1, and ``"5"`` is a code, not an id.
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
AreaReference = Id | Annotated[str, Field(min_length=1, max_length=24)]
Neighbourhood = Annotated[int, Field(ge=1, le=999)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


_WRITTEN_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WRITTEN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")


def _written_day(value: object) -> object:
    """Only ``YYYY-MM-DD`` (pydantic alone would take ``0`` as 1 January 1970)."""
    if isinstance(value, str) and _WRITTEN_DAY.fullmatch(value):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")


def _written_time(value: object) -> object:
    """Only ISO 8601 text (pydantic alone would read ``0`` as a Unix timestamp)."""
    if (isinstance(value, str) and _WRITTEN_TIME.match(value)) or isinstance(value, datetime):
        return value
    raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date and time")


#: A calendar day a client sends, written ``YYYY-MM-DD``.
CalendarDay = Annotated[date, BeforeValidator(_written_day)]
#: A time a client sends: ISO 8601 with its offset (any offset; stored in UTC).
ClientTime = Annotated[AwareDatetime, BeforeValidator(_written_time)]


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


#: Query parameters that would carry a personal identifier. No query takes them: a URL
#: ends up in proxies' logs and browser history (SECURITY.md 12), so every query refuses
#: them with a pointer to the search operation that reads them from its body instead.
IDENTIFIER_PARAMETERS = frozenset({"nik", "kk", "kk_number", "phone", "reporter_phone"})


class StrictQuery(Schema):
    """Query parameters: unknown ones are refused (422) as unknown body fields are, so
    that a typo such as ``?stauts=open`` never silently lists everything; an identifier
    is refused as such (``identifier_in_url``)."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown(cls, data: Any, info: ValidationInfo) -> Any:
        from ninja.errors import ValidationError

        request = (info.context or {}).get("request")
        if request is not None:
            known = {field.alias or name for name, field in cls.model_fields.items()}
            unknown = sorted(set(request.GET) - known)
            if unknown:
                raise ValidationError(
                    [
                        {
                            "type": "identifier_in_url"
                            if name in IDENTIFIER_PARAMETERS
                            else "extra_forbidden",
                            "loc": ("query", name),
                            "msg": "Extra input",
                        }
                        for name in unknown
                    ]
                )
        return data


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
