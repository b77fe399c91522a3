"""Request and response schemas of the engagements API (``engagements.api``).

Schemas only parse and present: which records a caller sees is decided by the
selectors, what may change by the services. Times are answered in the area's own
offset (``+07:00`` for WIB); phone numbers of attendees are never answered in full.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, StrictInt, field_validator
from pydantic.json_schema import SkipJsonSchema

from kamtibmas.api.schemas import (
    AreaOut,
    CalendarDay,
    ClientTime,
    StrictInput,
    UnitOut,
    UserOut,
    in_area_zone,
)
from kamtibmas.engagements.models import (
    Attendee,
    AttendeeGroup,
    AttendeeSource,
    Dialogue,
    DialogueStatus,
    FindingResult,
    FollowUp,
    FollowUpStatus,
    Inspection,
)
from kamtibmas.privacy.identifiers import mask_identifier

MAX_ID = 2**63 - 1
# Strict: JSON ``true`` is not the id 1, and ``"5"`` is a code, not an id.
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
AreaReference = Id | Annotated[str, Field(min_length=1, max_length=24)]
Neighbourhood = Annotated[int, Field(ge=1, le=999)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
ShortText = Annotated[str, Field(max_length=255)]
LongText = Annotated[str, Field(max_length=20_000)]

AREA_DESCRIPTION = (
    "The place: an area id (number) or Kemendagri code (string) of a desa/kelurahan, "
    'RW or RT, e.g. "32.75.04.1005".'
)
TIME_DESCRIPTION = "ISO 8601 with an offset, e.g. 2025-07-31T10:10:00+07:00; any offset."


# Catalogues -------------------------------------------------------------------------


class CatalogueEntryOut(Schema):
    code: str
    name: str = Field(description="In the language of the request.")


class DialogueTypeOut(CatalogueEntryOut):
    is_public_by_default: bool


class ChoiceOut(Schema):
    value: str
    label: str


class CatalogueOut(Schema):
    types: list[DialogueTypeOut]
    topics: list[CatalogueEntryOut]
    inspection_items: list[CatalogueEntryOut]
    statuses: list[ChoiceOut]
    attendee_groups: list[ChoiceOut]
    finding_results: list[ChoiceOut]
    follow_up_statuses: list[ChoiceOut]


# Dialogues ----------------------------------------------------------------------------


class AttendanceOut(Schema):
    residents: int
    leaders: int
    children: int
    total: int


class DialogueOut(Schema):
    id: int
    type: CatalogueEntryOut
    title: str
    status: DialogueStatus
    area: AreaOut
    unit: UnitOut
    host: UserOut | None
    venue_name: str
    latitude: float | None
    longitude: float | None
    planned_start: datetime = Field(description="In the area's offset.")
    planned_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None
    cancel_reason: str
    is_public: bool
    attendance: AttendanceOut
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_planned_start(obj: Dialogue) -> datetime | None:
        return in_area_zone(obj.planned_start, obj.area)

    @staticmethod
    def resolve_planned_end(obj: Dialogue) -> datetime | None:
        return in_area_zone(obj.planned_end, obj.area)

    @staticmethod
    def resolve_actual_start(obj: Dialogue) -> datetime | None:
        return in_area_zone(obj.actual_start, obj.area)

    @staticmethod
    def resolve_actual_end(obj: Dialogue) -> datetime | None:
        return in_area_zone(obj.actual_end, obj.area)

    @staticmethod
    def resolve_created_at(obj: Dialogue) -> datetime | None:
        return in_area_zone(obj.created_at, obj.area)

    @staticmethod
    def resolve_updated_at(obj: Dialogue) -> datetime | None:
        return in_area_zone(obj.updated_at, obj.area)

    @staticmethod
    def resolve_attendance(obj: Dialogue) -> dict[str, int]:
        return {
            "residents": obj.residents_count,
            "leaders": obj.leaders_count,
            "children": obj.children_count,
            "total": obj.attendance_total,
        }


class OfficialOut(Schema):
    id: int
    position: str
    institution: str
    name: str


class TopicDeliveredOut(Schema):
    topic: CatalogueEntryOut
    notes: str


class DialogueDetailOut(DialogueOut):
    minutes: str
    officials: list[OfficialOut]
    topics: list[TopicDeliveredOut]
    attendees_listed: int = Field(description="Named sign-ins; see …/attendees.")
    has_inspection: bool

    @staticmethod
    def resolve_officials(obj: Dialogue) -> list[Any]:
        return list(obj.officials.all())

    @staticmethod
    def resolve_topics(obj: Dialogue) -> list[Any]:
        return list(obj.topics.all())

    @staticmethod
    def resolve_attendees_listed(obj: Dialogue) -> int:
        return len(obj.attendees.all())

    @staticmethod
    def resolve_has_inspection(obj: Dialogue) -> bool:
        return hasattr(obj, "inspection")


class DialoguePageOut(Schema):
    items: list[DialogueOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class DialogueCreateIn(StrictInput):
    type: str = Field(max_length=40, description="A dialogue type code from the catalogue.")
    title: str = Field(min_length=1, max_length=200)
    area: AreaReference = Field(description=AREA_DESCRIPTION)
    rw: Neighbourhood | None = Field(None, description="RW number within the desa/kelurahan.")
    rt: Neighbourhood | None = Field(None, description="RT number within the RW.")
    venue_name: str = Field(min_length=1, max_length=200)
    start: ClientTime = Field(description=TIME_DESCRIPTION)
    end: ClientTime = Field(description=TIME_DESCRIPTION)
    status: Literal["planned", "held"] = Field(
        "planned",
        description="`planned` (the default) for a coming dialogue; `held` records one "
        "that already took place.",
    )
    unit: Id | None = Field(
        None, description="Organising unit id, one of the caller's; default the caller's own."
    )
    host: Id | None = Field(None, description="Host officer's user id; default the caller.")
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    is_public: bool | None = Field(
        None, description="Announce publicly; default from the dialogue type."
    )


class DialogueUpdateIn(StrictInput):
    """Only the fields sent change. Status has its own actions (held, cancel)."""

    # ``X | SkipJsonSchema[None] = None``: a field may be left out but not sent as null
    # (``_not_null``); the OpenAPI document shows it as plain ``X``.
    type: str | SkipJsonSchema[None] = Field(None, max_length=40)
    title: str | SkipJsonSchema[None] = Field(None, min_length=1, max_length=200)
    area: AreaReference | SkipJsonSchema[None] = Field(None, description=AREA_DESCRIPTION)
    rw: Neighbourhood | None = Field(None, description="Only together with `area`.")
    rt: Neighbourhood | None = Field(None, description="Only together with `area` and `rw`.")
    venue_name: str | SkipJsonSchema[None] = Field(None, min_length=1, max_length=200)
    start: ClientTime | SkipJsonSchema[None] = Field(None, description=TIME_DESCRIPTION)
    end: ClientTime | SkipJsonSchema[None] = Field(None, description=TIME_DESCRIPTION)
    host: Id | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    is_public: bool | SkipJsonSchema[None] = None
    minutes: LongText | SkipJsonSchema[None] = None

    @field_validator(
        "type", "title", "area", "venue_name", "start", "end", "is_public", "minutes", mode="before"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_("Leave the field out instead of sending null."))
        return value


class HeldIn(StrictInput):
    actual_start: ClientTime = Field(description=TIME_DESCRIPTION)
    actual_end: ClientTime | None = Field(None, description="May follow later.")


class CancelIn(StrictInput):
    reason: ShortText


class AttendanceIn(StrictInput):
    residents: int = Field(le=MAX_ID, ge=-MAX_ID)
    leaders: int = Field(le=MAX_ID, ge=-MAX_ID)
    children: int = Field(le=MAX_ID, ge=-MAX_ID)


# Named attendees ----------------------------------------------------------------------


class AttendeeIn(StrictInput):
    name: str = Field(max_length=120)
    group: AttendeeGroup = AttendeeGroup.RESIDENT
    phone: str = Field("", max_length=32)
    consent: bool = Field(description="The person agrees to be listed by name.")


class AttendeeOut(Schema):
    id: int
    name: str
    group: AttendeeGroup
    phone_masked: str | None = Field(
        description="Only the last four digits are shown, e.g. +62*******7890."
    )
    source: AttendeeSource
    created_at: datetime

    @staticmethod
    def resolve_phone_masked(obj: Attendee) -> str | None:
        if not obj.phone:
            return None
        return obj.phone[:3] + mask_identifier(obj.phone[3:], visible=4)

    @staticmethod
    def resolve_created_at(obj: Attendee) -> datetime | None:
        return in_area_zone(obj.created_at, obj.dialogue.area)


# Officials and topics -----------------------------------------------------------------


class OfficialIn(StrictInput):
    position: str = Field(max_length=120, description='As press releases name it: "Ketua RW 024".')
    institution: str = Field("", max_length=160)
    name: str = Field("", max_length=120)


class TopicIn(StrictInput):
    notes: LongText = ""


# Inspection ---------------------------------------------------------------------------


class FindingIn(StrictInput):
    item: str = Field(max_length=40, description="An inspection item code from the catalogue.")
    result: FindingResult
    note: LongText = Field("", description="Required for a problem.")


class InspectionIn(StrictInput):
    inspected_at: ClientTime = Field(description=TIME_DESCRIPTION)
    notes: LongText = ""
    findings: list[FindingIn] = Field(max_length=100)
    follow_up_owner: Id | None = Field(
        None, description="Who acts on the problems found; default the host."
    )
    follow_up_due: CalendarDay | None = Field(None, description="Default: in 14 days.")


class FindingOut(Schema):
    id: int
    item: CatalogueEntryOut
    result: FindingResult
    note: str


class InspectionOut(Schema):
    inspected_at: datetime
    inspector: UserOut
    notes: str
    findings: list[FindingOut]

    @staticmethod
    def resolve_inspected_at(obj: Inspection) -> datetime | None:
        return in_area_zone(obj.inspected_at, obj.dialogue.area)

    @staticmethod
    def resolve_findings(obj: Inspection) -> list[Any]:
        return list(obj.findings.all())


# Follow-ups ---------------------------------------------------------------------------


class FollowUpIn(StrictInput):
    title: str = Field(max_length=255, description="What is to be done.")
    owner: Id | None = Field(None, description="Who keeps the promise; default the caller.")
    due_date: CalendarDay


class FollowUpCloseIn(StrictInput):
    outcome: LongText = ""


class FollowUpOut(Schema):
    id: int
    dialogue_id: int
    finding_id: int | None = Field(description="The inspection finding it came from, if any.")
    title: str
    owner: UserOut
    due_date: date
    status: FollowUpStatus
    done_at: datetime | None
    outcome: str
    created_at: datetime

    @staticmethod
    def resolve_done_at(obj: FollowUp) -> datetime | None:
        return in_area_zone(obj.done_at, obj.dialogue.area)

    @staticmethod
    def resolve_created_at(obj: FollowUp) -> datetime | None:
        return in_area_zone(obj.created_at, obj.dialogue.area)
