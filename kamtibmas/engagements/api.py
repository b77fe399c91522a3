"""REST endpoints of dialogues (C1) under ``/api/v1/engagements``.

Each endpoint parses its input, fetches the dialogue through the selectors (404
outside the caller's units, on nested resources too), calls one service and
serialises the result with ``engagements.schemas``. Writes run in one transaction:
when a service refuses, nothing the request touched (a new RW/RT) is kept. That
transaction is also where issue 6's ``Idempotency-Key`` will record its key.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kamtibmas.accounts.models import User
from kamtibmas.api.areas import area_by_text, area_with_neighbourhood
from kamtibmas.api.errors import ApiError
from kamtibmas.api.idempotency import idempotent
from kamtibmas.api.operations import operation
from kamtibmas.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kamtibmas.api.schemas import CalendarDay, StrictQuery, to_utc
from kamtibmas.areas.models import Unit
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.core.timefmt import DEFAULT_ZONE
from kamtibmas.engagements import press, selectors, services
from kamtibmas.engagements.models import (
    AttendeeGroup,
    Dialogue,
    DialogueOfficial,
    DialogueStatus,
    DialogueType,
    FindingResult,
    FollowUp,
    FollowUpStatus,
    InspectionItem,
    OutreachTopic,
    TopicDelivered,
)
from kamtibmas.engagements.schemas import (
    AttendanceIn,
    AttendanceOut,
    AttendeeIn,
    AttendeeOut,
    CancelIn,
    CatalogueOut,
    DialogueCreateIn,
    DialogueDetailOut,
    DialoguePageOut,
    DialogueUpdateIn,
    FollowUpCloseIn,
    FollowUpIn,
    FollowUpOut,
    HeldIn,
    InspectionIn,
    InspectionOut,
    OfficialIn,
    OfficialOut,
    TopicDeliveredOut,
    TopicIn,
)
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record

router = Router(tags=["engagements"])

DIALOGUE = "/{int:dialogue_id}"


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _dialogue(request: HttpRequest, dialogue_id: int) -> Dialogue:
    return selectors.dialogue_get(user=_actor(request), pk=dialogue_id)


def _dialogue_for_change(request: HttpRequest, dialogue_id: int) -> Dialogue:
    """404 outside the scope; 403 when the caller's units do not organise it."""
    return selectors.dialogue_get_for_change(user=_actor(request), pk=dialogue_id)


# Lookups of the catalogues and of people named in a request ---------------------------


def _not_found(*, code: str, detail: str) -> ApiError:
    return ApiError(404, code=code, detail=detail)


def _invalid(*, field: str, code: str, detail: str) -> ApiError:
    return ApiError(422, code=code, detail=detail, field=field)


def _dialogue_type(code: str) -> DialogueType:
    found = DialogueType.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise _invalid(
            field="type",
            code="unknown_type",
            detail=_("There is no dialogue type “%(code)s”; see the catalogue.") % {"code": code},
        )
    return found


def _topic(code: str) -> OutreachTopic:
    found = OutreachTopic.objects.filter(code=code).first()
    if found is None:
        raise _not_found(
            code="unknown_topic",
            detail=_("There is no outreach topic “%(code)s”; see the catalogue.") % {"code": code},
        )
    return found


def _colleague(actor: User, pk: int | None, *, field: str) -> User | None:
    """An active staff member of the caller's units; 422 for anyone else."""
    if pk is None:
        return None
    found = visible_to(User.objects.select_related("unit"), actor).filter(pk=pk).first()
    if found is None or not found.may_use_staff_area:
        raise _invalid(
            field=field,
            code="unknown_user",
            detail=_("There is no officer %(id)s in your units.") % {"id": pk},
        )
    return found


def _unit(actor: User, pk: int | None) -> Unit:
    """The organising unit: the caller's own by default, else one of theirs."""
    if pk is None and actor.unit_id is not None:
        return actor.unit  # type: ignore[return-value]
    found = visible_to(Unit.objects.all(), actor).filter(pk=pk).first() if pk else None
    if found is None:
        raise _invalid(
            field="unit",
            code="unit_scope",
            detail=_("Choose one of your units as the organising unit."),
        )
    return found


# Catalogue and dialogues --------------------------------------------------------------


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"value": value, "label": str(label)} for value, label in choices.choices]


@router.get(
    "/catalogue",
    **operation(
        "EngagementCatalogueGet",
        "Dialogue types, outreach topics and inspection items, named in your language",
        schema=CatalogueOut,
    ),
)
def get_catalogue(request: HttpRequest) -> dict[str, Any]:
    return {
        "types": list(DialogueType.objects.filter(is_active=True)),
        "topics": list(OutreachTopic.objects.filter(is_active=True)),
        "inspection_items": list(InspectionItem.objects.filter(is_active=True)),
        "statuses": _choices(DialogueStatus),
        "attendee_groups": _choices(AttendeeGroup),
        "finding_results": _choices(FindingResult),
        "follow_up_statuses": _choices(FollowUpStatus),
    }


class DialogueListQuery(StrictQuery):
    area: str | None = Field(
        None,
        min_length=1,
        max_length=24,
        description="Area id or code; includes the areas inside it.",
    )
    type: str | None = Field(None, min_length=1, max_length=40, description="Dialogue type code.")
    status: DialogueStatus | None = None
    date_from: CalendarDay | None = Field(
        None, alias="from", description="First day (YYYY-MM-DD, WIB) of the planned start."
    )
    date_to: CalendarDay | None = Field(
        None, alias="to", description="Last day (YYYY-MM-DD, WIB) of the planned start."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, min_length=1, max_length=200)


@router.get(
    "",
    **operation(
        "DialogueList",
        "Dialogues of your units, newest first, a page at a time",
        schema=DialoguePageOut,
    ),
)
def list_dialogues(request: HttpRequest, query: Query[DialogueListQuery]) -> dict[str, Any]:
    area_id = area_by_text(query.area).pk if query.area else None
    filters = selectors.DialogueFilter(
        area_id=area_id,
        type_code=query.type,
        status=query.status,
        start=query.date_from,
        end=query.date_to,
    )
    dialogues = selectors.dialogue_list(user=_actor(request), filters=filters)
    # ``from``/``to`` are calendar days in WIB, the zone of most units (§3); the
    # selector compares dates in the active time zone when the page is read.
    with timezone.override(ZoneInfo(DEFAULT_ZONE.value)):
        page = keyset_page(dialogues, field="planned_start", cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "",
    **operation(
        "DialogueCreate",
        "Plan a dialogue, or record one that took place (`status: held`)",
        ok=201,
        schema=DialogueDetailOut,
        idempotent=True,
    ),
)
@idempotent
def create_dialogue(
    request: HttpRequest, payload: DialogueCreateIn, response: HttpResponse
) -> Status:
    actor = _actor(request)
    with transaction.atomic():
        fields: dict[str, Any] = {
            "actor": actor,
            "type": _dialogue_type(payload.type),
            "title": payload.title,
            "area": area_with_neighbourhood(area=payload.area, rw=payload.rw, rt=payload.rt),
            "unit": _unit(actor, payload.unit),
            "venue_name": payload.venue_name,
            "host": _colleague(actor, payload.host, field="host"),
            "latitude": payload.latitude,
            "longitude": payload.longitude,
            "is_public": payload.is_public,
        }
        start, end = to_utc(payload.start), to_utc(payload.end)
        if payload.status == DialogueStatus.HELD:
            dialogue = services.dialogue_record_past(start=start, end=end, **fields)
        else:
            dialogue = services.dialogue_plan(planned_start=start, planned_end=end, **fields)
    response.headers["Location"] = reverse(
        "api-v1:DialogueGet", kwargs={"dialogue_id": dialogue.pk}
    )
    return Status(201, DialogueDetailOut.from_orm(_dialogue(request, dialogue.pk)))


@router.get(
    DIALOGUE,
    **operation(
        "DialogueGet", "One dialogue with its officials and topics", schema=DialogueDetailOut
    ),
)
def get_dialogue(request: HttpRequest, dialogue_id: int) -> Dialogue:
    dialogue = _dialogue(request, dialogue_id)
    selectors.dialogue_audit_read(user=_actor(request), dialogue=dialogue, reason="API: dialogue")
    return dialogue


@router.patch(
    DIALOGUE,
    **operation(
        "DialogueUpdate",
        "Change the planned details; only the fields sent change",
        schema=DialogueDetailOut,
    ),
)
def update_dialogue(request: HttpRequest, dialogue_id: int, payload: DialogueUpdateIn) -> Dialogue:
    actor = _actor(request)
    dialogue = _dialogue_for_change(request, dialogue_id)
    sent = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    with transaction.atomic():
        # Non-nullable fields are None exactly when they were left out (``_not_null``).
        if payload.area is not None:
            changes["area"] = area_with_neighbourhood(
                area=payload.area, rw=payload.rw, rt=payload.rt
            )
        elif "rw" in sent or "rt" in sent:
            raise _invalid(
                field="area",
                code="area_required",
                detail=_("Send the area together with its RW and RT numbers."),
            )
        if payload.type is not None:
            changes["type"] = _dialogue_type(payload.type)
        if "host" in sent:
            changes["host"] = _colleague(actor, payload.host, field="host")
        if payload.start is not None:
            changes["planned_start"] = to_utc(payload.start)
        if payload.end is not None:
            changes["planned_end"] = to_utc(payload.end)
        for name in ("title", "venue_name", "latitude", "longitude", "is_public"):
            if name in sent:
                changes[name] = sent[name]
        if changes:
            dialogue = services.dialogue_update(actor=actor, dialogue=dialogue, **changes)
        if "minutes" in sent:  # minutes have their own rule: only once it was held
            services.dialogue_set_minutes(dialogue=dialogue, minutes=sent["minutes"] or "")
    return _dialogue(request, dialogue_id)


@router.post(
    DIALOGUE + "/held",
    **operation(
        "DialogueMarkHeld", "Record that the dialogue took place", schema=DialogueDetailOut
    ),
)
def mark_dialogue_held(request: HttpRequest, dialogue_id: int, payload: HeldIn) -> Dialogue:
    dialogue = _dialogue_for_change(request, dialogue_id)
    with transaction.atomic():
        services.dialogue_mark_held(
            dialogue=dialogue,
            actual_start=to_utc(payload.actual_start),
            actual_end=to_utc(payload.actual_end) if payload.actual_end else None,
        )
    return _dialogue(request, dialogue_id)


@router.post(
    DIALOGUE + "/cancel",
    **operation(
        "DialogueCancel", "Cancel a planned dialogue, saying why", schema=DialogueDetailOut
    ),
)
def cancel_dialogue(request: HttpRequest, dialogue_id: int, payload: CancelIn) -> Dialogue:
    dialogue = _dialogue_for_change(request, dialogue_id)
    with transaction.atomic():
        services.dialogue_cancel(dialogue=dialogue, reason=payload.reason)
    return _dialogue(request, dialogue_id)


@router.put(
    DIALOGUE + "/attendance",
    **operation("DialogueAttendanceSet", "Attendance counted by group", schema=AttendanceOut),
)
def set_attendance(request: HttpRequest, dialogue_id: int, payload: AttendanceIn) -> Any:
    dialogue = _dialogue_for_change(request, dialogue_id)
    with transaction.atomic():
        dialogue = services.dialogue_set_attendance(
            dialogue=dialogue,
            residents=payload.residents,
            leaders=payload.leaders,
            children=payload.children,
        )
    return {
        "residents": dialogue.residents_count,
        "leaders": dialogue.leaders_count,
        "children": dialogue.children_count,
        "total": dialogue.attendance_total,
    }


# Named attendees ----------------------------------------------------------------------


@router.get(
    DIALOGUE + "/attendees",
    **operation(
        "AttendeeList",
        "Named sign-ins (personal data: the read is audited, phones are masked)",
        schema=list[AttendeeOut],
    ),
)
def list_attendees(request: HttpRequest, dialogue_id: int) -> list[Any]:
    dialogue = _dialogue(request, dialogue_id)
    attendees = list(dialogue.attendees.all())
    if attendees:
        audit_record(
            actor=_actor(request),
            action=AuditAction.READ,
            subject=dialogue,
            reason="API: list of named attendees",
            fields=["attendee.name", "attendee.phone"],
        )
    return attendees


@router.post(
    DIALOGUE + "/attendees",
    **operation(
        "AttendeeSignIn",
        "Put a consenting attendee on the sign-in list",
        ok=201,
        schema=AttendeeOut,
        idempotent=True,
    ),
)
@idempotent
def sign_in_attendee(request: HttpRequest, dialogue_id: int, payload: AttendeeIn) -> Status:
    dialogue = _dialogue_for_change(request, dialogue_id)
    with transaction.atomic():
        attendee = services.attendee_sign_in(
            dialogue=dialogue,
            name=payload.name,
            group=payload.group,
            phone=payload.phone,
            consent=payload.consent,
        )
    return Status(201, AttendeeOut.from_orm(attendee))


# Officials ----------------------------------------------------------------------------


@router.get(
    DIALOGUE + "/officials",
    **operation("OfficialList", "Officials present", schema=list[OfficialOut]),
)
def list_officials(request: HttpRequest, dialogue_id: int) -> list[Any]:
    return list(_dialogue(request, dialogue_id).officials.all())


@router.post(
    DIALOGUE + "/officials",
    **operation(
        "OfficialAdd", "Add an official present", ok=201, schema=OfficialOut, idempotent=True
    ),
)
@idempotent
def add_official(request: HttpRequest, dialogue_id: int, payload: OfficialIn) -> Status:
    dialogue = _dialogue_for_change(request, dialogue_id)
    with transaction.atomic():
        official = services.dialogue_official_add(
            dialogue=dialogue,
            position=payload.position,
            institution=payload.institution,
            name=payload.name,
        )
    return Status(201, OfficialOut.from_orm(official))


def _official(dialogue: Dialogue, official_id: int) -> DialogueOfficial:
    for official in dialogue.officials.all():
        if official.pk == official_id:
            return official
    raise Http404


@router.delete(
    DIALOGUE + "/officials/{int:official_id}",
    **operation("OfficialRemove", "Remove an official", ok=204, schema=None),
)
def remove_official(request: HttpRequest, dialogue_id: int, official_id: int) -> Status:
    official = _official(_dialogue_for_change(request, dialogue_id), official_id)
    with transaction.atomic():
        services.dialogue_official_remove(official=official)
    return Status(204, None)


# Outreach topics ----------------------------------------------------------------------


def _delivered(dialogue: Dialogue, code: str) -> TopicDelivered:
    for delivered in dialogue.topics.all():
        if delivered.topic.code == code:
            return delivered
    raise Http404


@router.get(
    DIALOGUE + "/topics",
    **operation("TopicList", "Outreach topics delivered", schema=list[TopicDeliveredOut]),
)
def list_topics(request: HttpRequest, dialogue_id: int) -> list[Any]:
    return list(_dialogue(request, dialogue_id).topics.all())


@router.get(
    DIALOGUE + "/topics/{slug:code}",
    **operation("TopicGet", "One outreach topic delivered", schema=TopicDeliveredOut),
)
def get_topic(request: HttpRequest, dialogue_id: int, code: str) -> TopicDelivered:
    return _delivered(_dialogue(request, dialogue_id), code)


@router.put(
    DIALOGUE + "/topics/{slug:code}",
    **operation(
        "TopicSet", "Record (or re-describe) an outreach topic delivered", schema=TopicDeliveredOut
    ),
)
def set_topic(
    request: HttpRequest, dialogue_id: int, code: str, payload: TopicIn
) -> TopicDelivered:
    dialogue = _dialogue_for_change(request, dialogue_id)
    with transaction.atomic():
        return services.dialogue_topic_set(
            dialogue=dialogue, topic=_topic(code), notes=payload.notes
        )


@router.delete(
    DIALOGUE + "/topics/{slug:code}",
    **operation("TopicRemove", "Remove an outreach topic recorded by mistake", ok=204, schema=None),
)
def remove_topic(request: HttpRequest, dialogue_id: int, code: str) -> Status:
    delivered = _delivered(_dialogue_for_change(request, dialogue_id), code)
    with transaction.atomic():
        services.dialogue_topic_remove(delivered=delivered)
    return Status(204, None)


# Inspection ---------------------------------------------------------------------------


@router.get(
    DIALOGUE + "/inspection",
    **operation(
        "InspectionGet",
        "The inspection after the dialogue, with its findings",
        schema=InspectionOut,
    ),
)
def get_inspection(request: HttpRequest, dialogue_id: int) -> Any:
    dialogue = _dialogue(request, dialogue_id)
    if not hasattr(dialogue, "inspection"):
        raise _not_found(
            code="no_inspection", detail=_("No inspection has been recorded for this dialogue.")
        )
    return dialogue.inspection


@router.put(
    DIALOGUE + "/inspection",
    **operation(
        "InspectionRecord",
        "Record (or replace) the inspection; each problem found becomes a follow-up",
        schema=InspectionOut,
    ),
)
def record_inspection(request: HttpRequest, dialogue_id: int, payload: InspectionIn) -> Any:
    actor = _actor(request)
    dialogue = _dialogue_for_change(request, dialogue_id)
    items = InspectionItem.objects.in_bulk(
        [finding.item for finding in payload.findings], field_name="code"
    )
    findings = []
    for position, finding in enumerate(payload.findings):
        item = items.get(finding.item)
        if item is None or not item.is_active:
            raise _invalid(
                field=f"findings.{position}.item",
                code="unknown_item",
                detail=_("There is no inspection item “%(code)s”; see the catalogue.")
                % {"code": finding.item},
            )
        findings.append(services.FindingInput(item=item, result=finding.result, note=finding.note))
    with transaction.atomic():
        services.inspection_record(
            actor=actor,
            dialogue=dialogue,
            inspected_at=to_utc(payload.inspected_at),
            findings=findings,
            notes=payload.notes,
            follow_up_owner=_colleague(actor, payload.follow_up_owner, field="follow_up_owner"),
            follow_up_due=payload.follow_up_due,
        )
    return _dialogue(request, dialogue_id).inspection


# Follow-ups ---------------------------------------------------------------------------


@router.get(
    DIALOGUE + "/follow-ups",
    **operation(
        "FollowUpList",
        "What was promised at the dialogue or found in the inspection",
        schema=list[FollowUpOut],
    ),
)
def list_follow_ups(request: HttpRequest, dialogue_id: int) -> list[Any]:
    return list(_dialogue(request, dialogue_id).follow_ups.all())


@router.post(
    DIALOGUE + "/follow-ups",
    **operation(
        "FollowUpCreate",
        "Record a promise made at the dialogue",
        ok=201,
        schema=FollowUpOut,
        idempotent=True,
    ),
)
@idempotent
def create_follow_up(request: HttpRequest, dialogue_id: int, payload: FollowUpIn) -> Status:
    actor = _actor(request)
    dialogue = _dialogue_for_change(request, dialogue_id)
    with transaction.atomic():
        follow_up = services.follow_up_create(
            dialogue=dialogue,
            title=payload.title,
            owner=_colleague(actor, payload.owner, field="owner") or actor,
            due_date=payload.due_date,
        )
    return Status(201, FollowUpOut.from_orm(follow_up))


def _follow_up(request: HttpRequest, follow_up_id: int) -> FollowUp:
    return get_visible_or_404(
        FollowUp.objects.select_related("dialogue__area", "owner"),
        _actor(request),
        pk=follow_up_id,
    )


def _follow_up_for_change(request: HttpRequest, follow_up_id: int) -> FollowUp:
    follow_up = _follow_up(request, follow_up_id)
    selectors.follow_up_check_change(user=_actor(request), follow_up=follow_up)
    return follow_up


@router.post(
    "/follow-ups/{int:follow_up_id}/complete",
    **operation("FollowUpComplete", "Mark a follow-up done, with its outcome", schema=FollowUpOut),
)
def complete_follow_up(request: HttpRequest, follow_up_id: int, payload: FollowUpCloseIn) -> Any:
    follow_up = _follow_up_for_change(request, follow_up_id)
    with transaction.atomic():
        services.follow_up_complete(follow_up=follow_up, outcome=payload.outcome)
    return _follow_up(request, follow_up_id)


@router.post(
    "/follow-ups/{int:follow_up_id}/cancel",
    **operation("FollowUpCancel", "Drop a follow-up, saying why", schema=FollowUpOut),
)
def cancel_follow_up(request: HttpRequest, follow_up_id: int, payload: FollowUpCloseIn) -> Any:
    follow_up = _follow_up_for_change(request, follow_up_id)
    with transaction.atomic():
        services.follow_up_cancel(follow_up=follow_up, outcome=payload.outcome)
    return _follow_up(request, follow_up_id)


# Press release (issue 10, point 4) ----------------------------------------------------


class EngagementPressReleaseOut(Schema):
    title: str = Field(description="Headline, in Indonesian.")
    body: str = Field(description="Paragraphs separated by an empty line, in Indonesian.")


@router.get(
    DIALOGUE + "/press-release",
    **operation(
        "EngagementPressReleaseGet",
        "The press-release draft of a dialogue: the saved (edited or approved) one, else "
        "one generated from the record; always in Indonesian",
        schema=EngagementPressReleaseOut,
    ),
)
def get_press_release(request: HttpRequest, dialogue_id: int) -> EngagementPressReleaseOut:
    dialogue = _dialogue(request, dialogue_id)
    press.press_release_audit_read(
        user=_actor(request), dialogue=dialogue, reason="API: press release"
    )
    release = press.press_release_current(dialogue)
    return EngagementPressReleaseOut(title=release.title, body=release.body)
