"""Request and response schemas of the aspirations API (``aspirations.api``).

Schemas only parse and present: which cases a caller sees is decided by the
selectors, what may change by the services. Request bodies refuse unknown fields,
so a client cannot set what it does not own (status, unit, number, …: 422). No
answer here carries the reporter's identity; that is a separate, audited read
(``IdentityOut``). Times are UTC with their offset.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator

from kamtibmas.api.schemas import (
    AreaOut,
    AreaReference,
    Id,
    Latitude,
    Longitude,
    Neighbourhood,
    StrictInput,
    UnitOut,
    UserOut,
    UtcDatetime,
)
from kamtibmas.aspirations.lifecycle import Action, allowed_actions
from kamtibmas.aspirations.models import (
    TEXT_MAX_LENGTH,
    Aspiration,
    AspirationUpdate,
    AuthorKind,
    NotifyChannel,
    Privacy,
    Source,
    Status,
    UpdateKind,
)
from kamtibmas.aspirations.services import NAME_MAX_LENGTH
from kamtibmas.triage.taxonomy import Category, Urgency

AREA_DESCRIPTION = (
    "Where it happens: an area id (number) or Kemendagri code (string) of a "
    'desa/kelurahan, RW or RT, e.g. "32.75.04.1005".'
)
REASON_MAX_LENGTH = 200


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError(_("Tell us what happened or what you ask."))
    return value


# Intake -------------------------------------------------------------------------------


class AspirationCreateIn(StrictInput):
    text: str = Field(max_length=TEXT_MAX_LENGTH, description="The resident's own words.")
    area: AreaReference = Field(description=AREA_DESCRIPTION)
    rw: Neighbourhood | None = Field(None, description="RW number within the desa/kelurahan.")
    rt: Neighbourhood | None = Field(None, description="RT number within the RW.")
    privacy: Privacy = Field(
        description="`public` (name may show), `confidential` (known to the handling "
        "officers only) or `anonymous` (no name, no contact, no account kept)."
    )
    category: Category | None = Field(None, description="Default: what triage suggests.")
    urgency: Urgency | None = Field(None, description="Default: what triage suggests.")
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    reporter_name: str = Field("", max_length=NAME_MAX_LENGTH)
    reporter_phone: str = Field("", max_length=32)
    reporter_email: str = Field("", max_length=254)
    notify_by: NotifyChannel = Field(
        NotifyChannel.NONE, description="How the reporter hears of progress; empty: not at all."
    )
    dialogue: Id | None = Field(
        None, description="The dialogue where it was raised (officers' tokens only)."
    )
    spot_answer: str = Field(
        "", max_length=TEXT_MAX_LENGTH, description="The answer given there on the spot."
    )

    check_text = field_validator("text")(_not_blank)


class DeadlinesOut(Schema):
    """SLA deadlines in working days (§4 C2); null when the clock does not apply."""

    verify_by: UtcDatetime | None
    first_notice_by: UtcDatetime | None
    partner_answer_by: UtcDatetime | None
    resolve_by: UtcDatetime | None


def _deadlines(obj: Aspiration) -> Aspiration:
    return obj  # DeadlinesOut reads its fields from the case itself


class AspirationCreatedOut(Schema):
    id: int | None = Field(
        description="For officers' tokens; null for residents', who follow the case by "
        "`receipt_code`."
    )
    number: str
    status: Status
    category: Category
    urgency: Urgency
    responsible: str
    suggested_category: Category
    suggested_urgency: Urgency
    suggested_responsible: str
    triage_confidence: float
    privacy: Privacy
    source: Source
    area: AreaOut
    assigned_unit: UnitOut
    received_at: UtcDatetime = Field(description="The day only, for anonymous reports.")
    deadlines: DeadlinesOut
    receipt_code: str = Field(
        description="The reporter's key to follow the case at /track/. Shown only in this "
        "answer (and its idempotent replays): it is stored hashed."
    )
    emergency: bool = Field(description="True for `darurat`: the duty desk was alerted.")
    emergency_advice: str | None = Field(description="What to tell the reporter now.")

    @staticmethod
    def resolve_id(obj: Aspiration, context: dict[str, Any]) -> int | None:
        return obj.pk if context["show_id"] else None

    @staticmethod
    def resolve_deadlines(obj: Aspiration) -> Aspiration:
        return _deadlines(obj)

    @staticmethod
    def resolve_receipt_code(obj: Aspiration, context: dict[str, Any]) -> str:
        return str(context["receipt_code"])

    @staticmethod
    def resolve_emergency(obj: Aspiration) -> bool:
        return obj.urgency == Urgency.DARURAT

    @staticmethod
    def resolve_emergency_advice(obj: Aspiration) -> str | None:
        if obj.urgency != Urgency.DARURAT:
            return None
        return _(
            "If anyone is in danger now, call the police at 110 or the emergency number "
            "112 at once. The duty desk has been alerted."
        )


# Staff views of a case ----------------------------------------------------------------


class AspirationOut(Schema):
    id: int
    number: str
    text: str
    status: Status
    category: Category
    urgency: Urgency
    responsible: str
    suggested_category: Category
    suggested_urgency: Urgency
    suggested_responsible: str
    triage_confidence: float
    triage_confirmed_at: UtcDatetime | None
    privacy: Privacy
    source: Source
    area: AreaOut
    latitude: float | None
    longitude: float | None
    unit: UnitOut = Field(description="The police unit of the area.")
    assigned_unit: UnitOut = Field(description="The unit or agency handling it now.")
    assignee: UserOut | None
    dialogue_id: int | None
    duplicate_of_id: int | None
    received_at: UtcDatetime = Field(description="The day only, for anonymous reports.")
    updated_at: UtcDatetime
    deadlines: DeadlinesOut
    escalated_at: UtcDatetime | None
    reopened_count: int

    @staticmethod
    def resolve_deadlines(obj: Aspiration) -> Aspiration:
        return _deadlines(obj)


class AspirationPageOut(Schema):
    items: list[AspirationOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


def _status_or_none(value: str) -> Status | None:
    return Status(value) if value else None


class UpdateOut(Schema):
    id: int
    kind: UpdateKind
    author_kind: AuthorKind
    author: UserOut | None
    from_status: Status | None
    to_status: Status | None
    referred_to: UnitOut | None
    is_public: bool = Field(description="Shown to the reporter and on the tracking page.")
    text: str
    created_at: UtcDatetime

    @staticmethod
    def resolve_from_status(obj: AspirationUpdate) -> Status | None:
        return _status_or_none(obj.from_status)

    @staticmethod
    def resolve_to_status(obj: AspirationUpdate) -> Status | None:
        return _status_or_none(obj.to_status)

    @staticmethod
    def resolve_referred_to(obj: AspirationUpdate) -> Any:
        return obj.unit


class PhotoOut(Schema):
    id: int
    width: int
    height: int


class AspirationDetailOut(AspirationOut):
    spot_answer: str
    verified_at: UtcDatetime | None
    referred_at: UtcDatetime | None
    first_notice_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    allowed_actions: list[Action] = Field(description="What `…/actions` accepts now.")
    updates: list[UpdateOut] = Field(description="Every update, internal ones included.")
    photos: list[PhotoOut]

    @staticmethod
    def resolve_allowed_actions(obj: Aspiration) -> list[Action]:
        return allowed_actions(obj.status)

    @staticmethod
    def resolve_updates(obj: Aspiration, context: dict[str, Any]) -> list[Any]:
        return list(context["updates"])

    @staticmethod
    def resolve_photos(obj: Aspiration) -> list[Any]:
        return list(obj.photos.all())


# Handling a case ----------------------------------------------------------------------


class ActionIn(StrictInput):
    action: Action
    text: str = Field(
        "",
        max_length=TEXT_MAX_LENGTH,
        description="For the reporter; required to resolve, reject or close.",
    )
    is_public: bool = Field(True, description="Tell the reporter and show on the tracking page.")
    unit: Id | None = Field(None, description="`refer`: the unit or agency id to refer to.")
    duplicate_of: Id | None = Field(
        None, description="`mark_duplicate`: the id of the case this one repeats."
    )


class NoteIn(StrictInput):
    text: str = Field(max_length=TEXT_MAX_LENGTH)
    is_public: bool = Field(
        False, description="A progress notice to the reporter (SP2HP); default internal."
    )

    check_text = field_validator("text")(_not_blank)


class AssignIn(StrictInput):
    assignee: Id | None = Field(
        description="User id of an officer of the handling unit; null takes it back."
    )


class TriageConfirmIn(StrictInput):
    category: Category
    urgency: Urgency
    reroute: bool = Field(
        False, description="Send a case not yet verified to the unit the rules name."
    )


class IdentityIn(StrictInput):
    reason: str = Field(
        min_length=3, max_length=REASON_MAX_LENGTH, description="Why you need it (audited)."
    )


class IdentityOut(Schema):
    name: str
    phone: str
    email: str
    account: str = Field(description="The reporter's user name, if they have an account.")


# Public triage and tracking -----------------------------------------------------------


class TriageIn(StrictInput):
    text: str = Field(max_length=TEXT_MAX_LENGTH)
    area: str | None = Field(
        None,
        max_length=24,
        description="Optional area code (kelurahan or below): the answer then also names "
        "the unit the routing rules would give the case.",
    )

    check_text = field_validator("text")(_not_blank)


class TriageExplanationOut(Schema):
    category: list[str] = Field(description="The words that decided the category.")
    urgency: list[str] = Field(description="The words that decided the urgency.")


class TriageUnitOut(Schema):
    id: int
    name: str


class TriageOut(Schema):
    category: Category
    urgency: Urgency
    responsible: str
    confidence: float = Field(ge=0, le=1)
    explanation: TriageExplanationOut
    unit: TriageUnitOut | None = Field(
        None, description="With an area: the unit that would handle the case (routing rules)."
    )


class PublicAreaOut(Schema):
    code: str
    name: str


class LocationOut(Schema):
    latitude: float
    longitude: float


class PublicUpdateOut(Schema):
    kind: UpdateKind
    from_status: Status | None
    to_status: Status | None
    referred_to: str | None = Field(description="The unit or agency it was referred to.")
    text: str
    created_at: UtcDatetime

    @staticmethod
    def resolve_from_status(obj: AspirationUpdate) -> Status | None:
        return _status_or_none(obj.from_status)

    @staticmethod
    def resolve_to_status(obj: AspirationUpdate) -> Status | None:
        return _status_or_none(obj.to_status)

    @staticmethod
    def resolve_referred_to(obj: AspirationUpdate) -> str | None:
        return obj.unit.name if obj.unit is not None else None


class TrackOut(Schema):
    """What the holder of the receipt code sees: no names, coarse place."""

    number: str
    status: Status
    received_at: UtcDatetime = Field(description="The day only, for anonymous reports.")
    area: PublicAreaOut = Field(description="The kelurahan only, unless the report is public.")
    location: LocationOut | None = Field(
        description="About 1 km precise unless the report is public."
    )
    deadlines: DeadlinesOut
    updates: list[PublicUpdateOut]

    @staticmethod
    def resolve_area(obj: Aspiration, context: dict[str, Any]) -> Any:
        return context["area"]

    @staticmethod
    def resolve_location(obj: Aspiration, context: dict[str, Any]) -> dict[str, float] | None:
        found = context["location"]
        return None if found is None else {"latitude": found[0], "longitude": found[1]}

    @staticmethod
    def resolve_deadlines(obj: Aspiration) -> Aspiration:
        return _deadlines(obj)

    @staticmethod
    def resolve_updates(obj: Aspiration, context: dict[str, Any]) -> list[Any]:
        return list(context["updates"])


class TrackMessageIn(StrictInput):
    text: str = Field(max_length=TEXT_MAX_LENGTH)

    check_text = field_validator("text")(_not_blank)


class TrackMessageOut(Schema):
    """Only an acknowledgement: the message is for the handling officers."""

    status: Status = Field(description="The case's status.")
    created_at: UtcDatetime = Field(description="The day only, for anonymous reports.")
