"""REST endpoints of aspirations (C2): ``/api/v1/aspirations``, the public triage
suggestion ``/api/v1/triage`` and public tracking ``/api/v1/track/{code}`` (§6).

Each endpoint parses its input, fetches the case through the selectors (404 outside
the caller's units), calls one service and serialises the result with
``aspirations.schemas``. Staff endpoints refuse residents' tokens (403); a resident
may only submit. Writes run in one transaction and honour ``Idempotency-Key``
(``api.idempotency``): the answer is recorded in the transaction of the change.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import Field, field_validator

from kamtibmas.accounts.models import Role, User
from kamtibmas.api.areas import area_by_text, area_with_neighbourhood
from kamtibmas.api.auth import StaffToken
from kamtibmas.api.errors import ERROR_RESPONSES, ApiError, ErrorOut
from kamtibmas.api.idempotency import default_scope, idempotent
from kamtibmas.api.operations import operation
from kamtibmas.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kamtibmas.api.schemas import StrictQuery
from kamtibmas.areas.models import Unit
from kamtibmas.aspirations import selectors, services
from kamtibmas.aspirations.models import Aspiration, Privacy, Source
from kamtibmas.aspirations.models import Status as CaseStatus
from kamtibmas.aspirations.schemas import (
    ActionIn,
    AspirationCreatedOut,
    AspirationCreateIn,
    AspirationDetailOut,
    AspirationPageOut,
    AssignIn,
    IdentityIn,
    IdentityOut,
    NoteIn,
    PhotoOut,
    TrackMessageIn,
    TrackMessageOut,
    TrackOut,
    TriageConfirmIn,
    TriageIn,
    TriageOut,
    UpdateOut,
)
from kamtibmas.aspirations.tracking import TrackingThrottled, aspiration_track
from kamtibmas.core.reference import reference_snapshot
from kamtibmas.core.scope import visible_to
from kamtibmas.core.throttle import Limit, throttle_allow
from kamtibmas.engagements.models import Dialogue
from kamtibmas.triage.classifier import triage
from kamtibmas.triage.taxonomy import Category, Urgency

router = Router(tags=["aspirations"])
triage_router = Router(tags=["triage"], auth=None)
track_router = Router(tags=["tracking"], auth=None)

CASE = "/{int:aspiration_id}"
THROTTLED_RESPONSES: dict[int, type[Schema]] = {**ERROR_RESPONSES, 429: ErrorOut}

# The public triage suggestion is cheap but unauthenticated: per client and overall.
TRIAGE_PER_CLIENT = Limit(attempts=60, seconds=60)
TRIAGE_OVERALL = Limit(attempts=6000, seconds=60)
# Messages through a (right) receipt code.
MESSAGE_PER_CLIENT = Limit(attempts=20, seconds=3600)
MESSAGE_OVERALL = Limit(attempts=2000, seconds=3600)


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _case(request: HttpRequest, aspiration_id: int) -> Aspiration:
    return selectors.aspiration_get(user=_actor(request), pk=aspiration_id)


def _throttled() -> ApiError:
    return ApiError(
        429, code="throttled", detail=_("Too many requests from here. Try again later.")
    )


def _detail(case: Aspiration) -> AspirationDetailOut:
    """The case as it is now. ``case`` comes from the selector or from a service that
    changed it: the caller saw it when the request began, and sees the outcome of
    its own change even if the case has just left its units."""
    updates = selectors.aspiration_updates(aspiration=case, public_only=False)
    return AspirationDetailOut.from_orm(case, context={"updates": updates})


# Intake -------------------------------------------------------------------------------


def _intake_scope(request: HttpRequest, values: dict[str, Any]) -> str:
    """A resident's anonymous report must not be tied to their account, not even
    in the idempotency ledger (SECURITY.md 14): its key stands alone."""
    if values["payload"].privacy == Privacy.ANONYMOUS and _actor(request).role == Role.RESIDENT:
        return ""
    return default_scope(request, values)


_SOME_ID = 987654321


@lru_cache(maxsize=8)
def _case_location_template(script_prefix: str) -> str:
    return reverse("api-v1:AspirationGet", kwargs={"aspiration_id": _SOME_ID})


def _case_location(pk: int) -> str:
    """``reverse()`` of the case's URL, composed once per script prefix: reversing
    among the API's routes took about 2% of a submit (§9 P3)."""
    return _case_location_template(get_script_prefix()).replace(str(_SOME_ID), str(pk))


def _dialogue(actor: User, pk: int | None) -> Dialogue | None:
    if pk is None:
        return None
    found = visible_to(Dialogue.objects.select_related("area"), actor).filter(pk=pk).first()
    if found is None:
        raise services.field_error(
            "dialogue", _("You cannot record aspirations for this dialogue."), code="dialogue_scope"
        )
    return found


@router.post(
    "",
    auth=StaffToken(residents=True),
    description="An officer submits on a resident's behalf (at a dialogue, the desk, on "
    "patrol); a resident's own token submits as that resident. Residents' tokens may "
    "call only this operation.",
    **operation(
        "AspirationCreate",
        "Submit an aspiration or complaint; answers its receipt code once",
        ok=201,
        schema=AspirationCreatedOut,
        idempotent=True,
    ),
)
@idempotent(scope=_intake_scope)
def create_aspiration(
    request: HttpRequest, payload: AspirationCreateIn, response: HttpResponse
) -> Status[AspirationCreatedOut]:
    user = _actor(request)
    resident = user.role == Role.RESIDENT
    with transaction.atomic(), reference_snapshot():
        # A resident's scope holds no dialogue: naming one is refused like any other.
        dialogue = _dialogue(user, payload.dialogue)
        submitted = services.aspiration_submit(
            text=payload.text,
            area=area_with_neighbourhood(area=payload.area, rw=payload.rw, rt=payload.rt),
            privacy=payload.privacy,
            source=Source.DIALOGUE if dialogue is not None else Source.API,
            actor=None if resident else user,
            reporter=user if resident else None,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
            reporter_email=payload.reporter_email,
            notify_by=payload.notify_by,
            category=payload.category,
            urgency=payload.urgency,
            latitude=payload.latitude,
            longitude=payload.longitude,
            dialogue=dialogue,
            spot_answer=payload.spot_answer,
        )
    case = submitted.aspiration
    if not resident:
        response.headers["Location"] = _case_location(case.pk)
    created = AspirationCreatedOut.from_orm(
        case, context={"receipt_code": submitted.receipt_code, "show_id": not resident}
    )
    return Status(201, created)


# The inbox ----------------------------------------------------------------------------


class AspirationListQuery(StrictQuery):
    status: str | None = Field(
        None,
        min_length=1,
        max_length=20,
        description="A status code, or `open` for every open case.",
    )
    category: Category | None = None
    urgency: Urgency | None = None
    area: str | None = Field(
        None,
        min_length=1,
        max_length=24,
        description="Area id or code; includes the areas inside it.",
    )
    overdue: bool = Field(False, description="Only open cases past a deadline.")
    mine: bool = Field(False, description="Only cases assigned to you.")
    q: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Words of the text (Indonesian stemming) or a number.",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, min_length=1, max_length=200)

    @field_validator("status")
    @classmethod
    def known_status(cls, value: str | None) -> str | None:
        choices = ["open", *CaseStatus.values]
        if value and value not in choices:
            raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
        return value


@router.get(
    "",
    **operation(
        "AspirationList",
        "Cases of your units (or referred to your agency), newest first, a page at a time",
        schema=AspirationPageOut,
    ),
)
def list_aspirations(request: HttpRequest, query: Query[AspirationListQuery]) -> dict[str, Any]:
    filters = selectors.InboxFilters(
        status=query.status or "",
        category=query.category or "",
        urgency=query.urgency or "",
        area=area_by_text(query.area) if query.area else None,
        overdue=query.overdue,
        mine=query.mine,
        query=query.q or "",
    )
    cases = selectors.aspiration_list(user=_actor(request), filters=filters).select_related("unit")
    page = keyset_page(cases, field="received_at", cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    CASE,
    **operation(
        "AspirationGet",
        "One case with its whole history; no reporter identity (see …/identity)",
        schema=AspirationDetailOut,
    ),
)
def get_aspiration(request: HttpRequest, aspiration_id: int) -> AspirationDetailOut:
    return _detail(_case(request, aspiration_id))


@router.post(
    CASE + "/identity",
    description="Audited: who, when, which case and the reason are recorded. Nobody sees "
    "the identity of an anonymous report; of a confidential one, only police officers "
    "of the handling unit, the area's unit and the units above them (403 otherwise).",
    **operation(
        "AspirationIdentityRead", "Who reported the case, with the reason", schema=IdentityOut
    ),
)
def read_identity(request: HttpRequest, aspiration_id: int, payload: IdentityIn) -> IdentityOut:
    actor = _actor(request)
    case = _case(request, aspiration_id)
    with transaction.atomic():
        identity = selectors.aspiration_identity(
            user=actor, aspiration=case, reason=f"API: {payload.reason.strip()}"
        )
    if identity is None:
        if case.privacy == Privacy.ANONYMOUS:
            raise PermissionDenied(_("This report is anonymous: nobody can see who sent it."))
        raise PermissionDenied(
            _("Only police officers handling this case may see who reported it.")
        )
    return IdentityOut(
        name=identity.name, phone=identity.phone, email=identity.email, account=identity.account
    )


# Handling -----------------------------------------------------------------------------


def _referral_unit(pk: int | None) -> Unit | None:
    """The unit named by id; the service decides whether it may receive the case.
    Every refusal reads the same, whether the id exists or not."""
    if pk is None:
        return None
    found = Unit.objects.filter(pk=pk).first()
    if found is None:
        raise services.field_error(
            "unit", _("This unit or agency does not serve the case's area."), code="unit_scope"
        )
    return found


def _original(actor: User, pk: int | None) -> Aspiration | None:
    if pk is None:
        return None
    found = selectors.aspiration_list(user=actor).filter(pk=pk).first()
    if found is None:
        raise services.field_error("duplicate_of", _("Case not found."), code="duplicate_of")
    return found


@router.post(
    CASE + "/actions",
    **operation(
        "AspirationAct",
        "Move the case along its lifecycle (verify, refer, start, resolve, …)",
        schema=AspirationDetailOut,
        idempotent=True,
    ),
)
@idempotent
def act_on_aspiration(
    request: HttpRequest, aspiration_id: int, payload: ActionIn
) -> Status[AspirationDetailOut]:
    actor = _actor(request)
    case = _case(request, aspiration_id)
    with transaction.atomic():
        case = services.aspiration_act(
            actor=actor,
            aspiration=case,
            action=payload.action,
            text=payload.text,
            is_public=payload.is_public,
            unit=_referral_unit(payload.unit),
            duplicate_of=_original(actor, payload.duplicate_of),
        )
    return Status(200, _detail(case))


@router.post(
    CASE + "/notes",
    **operation(
        "AspirationNoteCreate",
        "Add a progress notice for the reporter (public) or an internal note",
        ok=201,
        schema=UpdateOut,
        idempotent=True,
    ),
)
@idempotent
def create_note(request: HttpRequest, aspiration_id: int, payload: NoteIn) -> Status[UpdateOut]:
    case = _case(request, aspiration_id)
    with transaction.atomic():
        update = services.aspiration_note_add(
            actor=_actor(request), aspiration=case, text=payload.text, is_public=payload.is_public
        )
    return Status(201, UpdateOut.from_orm(update))


def _officer(case: Aspiration, pk: int | None) -> User | None:
    """An officer of the handling unit (or a unit below it); the same refusal for
    anyone else, existing or not."""
    if pk is None:
        return None
    found = (
        User.objects.select_related("unit")
        .filter(pk=pk, unit__path__startswith=case.assigned_unit.path)
        .first()
    )
    if found is None:
        raise services.field_error(
            "assignee",
            _("Choose an officer of the unit handling the case."),
            code="assignee_unit",
        )
    return found


@router.post(
    CASE + "/assign",
    **operation(
        "AspirationAssign",
        "Give the case to one officer of the handling unit, or take it back",
        schema=AspirationDetailOut,
        idempotent=True,
    ),
)
@idempotent
def assign_aspiration(
    request: HttpRequest, aspiration_id: int, payload: AssignIn
) -> Status[AspirationDetailOut]:
    actor = _actor(request)
    case = _case(request, aspiration_id)
    with transaction.atomic():
        case = services.aspiration_assign(
            actor=actor, aspiration=case, assignee=_officer(case, payload.assignee)
        )
    return Status(200, _detail(case))


@router.post(
    CASE + "/triage",
    **operation(
        "AspirationTriageConfirm",
        "Confirm or correct the suggested category and urgency (kept as training data)",
        schema=AspirationDetailOut,
        idempotent=True,
    ),
)
@idempotent
def confirm_triage(
    request: HttpRequest, aspiration_id: int, payload: TriageConfirmIn
) -> Status[AspirationDetailOut]:
    actor = _actor(request)
    case = _case(request, aspiration_id)
    with transaction.atomic():
        case = services.aspiration_triage_confirm(
            actor=actor,
            aspiration=case,
            category=payload.category,
            urgency=payload.urgency,
            reroute=payload.reroute,
        )
    return Status(200, _detail(case))


@router.post(
    CASE + "/photos",
    description="`multipart/form-data` with one picture in `photo` (JPEG, PNG, WebP, …, at "
    "most 8 MB). It is checked by content and stored as a fresh JPEG without its EXIF "
    "data (place, time, camera).",
    **operation(
        "AspirationPhotoAdd", "Add a photo to the case", ok=201, schema=PhotoOut, idempotent=True
    ),
)
@idempotent
def add_photo(
    request: HttpRequest, aspiration_id: int, photo: File[UploadedFile]
) -> Status[PhotoOut]:
    case = _case(request, aspiration_id)
    with transaction.atomic():
        record = services.aspiration_photo_add(actor=_actor(request), aspiration=case, upload=photo)
    return Status(201, PhotoOut.from_orm(record))


# Public: triage suggestion ------------------------------------------------------------


@triage_router.post(
    "",
    description="No token needed; rate-limited per client and overall (429). Uses the §5 "
    "codes. Nothing is stored. `unit` is present only when an area was given.",
    exclude_none=True,
    **operation(
        "TriageSuggest",
        "Suggest category, urgency and responsible body for a complaint's text",
        schema=TriageOut,
        errors=THROTTLED_RESPONSES,
    ),
)
def suggest_triage(request: HttpRequest, payload: TriageIn) -> dict[str, Any]:
    if not throttle_allow(
        scope="triage", request=request, per_client=TRIAGE_PER_CLIENT, overall=TRIAGE_OVERALL
    ):
        raise _throttled()
    answer: dict[str, Any] = triage(payload.text).as_dict()
    if payload.area:
        area = area_by_text(payload.area)
        decision = services.aspiration_route_for(
            area=area, category=answer["category"], responsible=answer["responsible"]
        )
        unit = Unit.objects.filter(pk=decision.unit_id).first() if decision else None
        answer["unit"] = {"id": unit.pk, "name": unit.name} if unit else None
    return answer


# Public: tracking by receipt code -----------------------------------------------------


def _tracked(request: HttpRequest, code: str) -> Aspiration:
    try:
        case = aspiration_track(code=code, request=request)
    except TrackingThrottled:
        raise ApiError(
            429,
            code="throttled",
            # The same words as the tracking page (web.aspirations_public).
            detail=_(
                "Too many wrong codes were tried from your connection. Wait an hour and try "
                "again. If it is urgent, call 110."
            ),
        ) from None
    if case is None:
        raise ApiError(
            404,
            code="not_found",
            detail=_(
                "No report has this receipt code. Check the code on your slip: it has 16 "
                "letters and digits in four groups, like 7F3Q-9X2M-K4TD-HW8R."
            ),
        )
    return case


@track_router.get(
    "/{code}",
    description="No token needed: the receipt code is the key. Wrong codes are "
    "rate-limited (429). Only public updates, the kelurahan and a coarse location are "
    "shown unless the report is public.",
    **operation(
        "AspirationTrack",
        "Follow a report by its receipt code",
        schema=TrackOut,
        errors=THROTTLED_RESPONSES,
    ),
)
def track_aspiration(request: HttpRequest, code: str) -> TrackOut:
    case = _tracked(request, code)
    context = {
        "updates": selectors.aspiration_updates(aspiration=case, public_only=True),
        "area": selectors.public_area(case),
        "location": selectors.public_location(case),
    }
    return TrackOut.from_orm(case, context=context)


@track_router.post(
    "/{code}/messages",
    description="No token needed: the receipt code is the key. The message goes to the "
    "handling officers only. Without a token, an `Idempotency-Key` is matched on the "
    "key alone: send a random one (a UUID).",
    **operation(
        "AspirationTrackMessageCreate",
        "Send the handling officers a message about your report",
        ok=201,
        schema=TrackMessageOut,
        errors=THROTTLED_RESPONSES,
        idempotent=True,
    ),
)
@idempotent
def create_track_message(
    request: HttpRequest, code: str, payload: TrackMessageIn
) -> Status[TrackMessageOut]:
    case = _tracked(request, code)
    if not throttle_allow(
        scope="track_message",
        request=request,
        per_client=MESSAGE_PER_CLIENT,
        overall=MESSAGE_OVERALL,
    ):
        raise _throttled()
    with transaction.atomic():
        update = services.aspiration_message_from_reporter(aspiration=case, text=payload.text)
    return Status(
        201, TrackMessageOut(status=CaseStatus(case.status), created_at=update.created_at)
    )
