"""Staff pages of dialogues (§4 C1): list and calendar, plan or record one, the fast
capture page for the officer at the event, and the dialogue page with everything.

Thin views: every read is scoped (``engagements.selectors``, ``core.scope``), so a
dialogue of another unit is 404 on every URL here, including its photos and the
rows under it; every write is one service call. Each section of the capture and
dialogue pages posts on its own and redirects back (POST-redirect-GET), so a lost
connection costs one section; a refusal re-renders the page with the reason next to
the form (status 400) and changes nothing.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, AreaLevel, TimeZone
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create
from kamtibmas.core.scope import get_visible_or_404
from kamtibmas.engagements import selectors
from kamtibmas.engagements.links import dialogue_linked_sections
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueStatus,
    Inspection,
    InspectionFinding,
    InspectionItem,
    OutreachTopic,
)
from kamtibmas.engagements.photos import (
    MAX_UPLOAD_BYTES,
    dialogue_photo_add,
    inspection_finding_photo_set,
)
from kamtibmas.engagements.selectors import DialogueFilter
from kamtibmas.engagements.services import (
    attendee_sign_in,
    dialogue_answer_add,
    dialogue_cancel,
    dialogue_mark_held,
    dialogue_official_add,
    dialogue_official_remove,
    dialogue_plan,
    dialogue_record_past,
    dialogue_set_attendance,
    dialogue_set_minutes,
    dialogue_topics_replace,
    dialogue_update,
    follow_up_cancel,
    follow_up_complete,
    follow_up_create,
    inspection_record,
)
from kamtibmas.web.decorators import staff_required
from kamtibmas.web.forms_dialogues import (
    AnswerForm,
    AttendanceForm,
    CancelForm,
    DialogueFilterForm,
    DialogueForm,
    FindingPhotoForm,
    FollowUpCloseForm,
    FollowUpForm,
    HeldForm,
    InspectionForm,
    MinutesForm,
    OfficialForm,
    PhotoForm,
    SignInForm,
    TopicsForm,
    add_service_error,
    local_instant,
    officers_visible_to,
)

F = TypeVar("F", bound=forms.Form)

PAGE_SIZE = 25
FOLLOW_UPS_SHOWN = 50
CALENDAR_MAX = 1000
INVALID = 400


def _dialogue_seen(request: HttpRequest, pk: int) -> Dialogue:
    """The dialogue alone, for a read: 404 outside the user's scope."""
    return get_visible_or_404(Dialogue.objects.select_related("area", "unit"), request.user, pk=pk)


def _dialogue(request: HttpRequest, pk: int) -> Dialogue:
    """The dialogue alone, for a write: 404 outside the user's scope, 403 when the user
    sees it but their units do not organise it."""
    return selectors.dialogue_get_for_change(user=request.user, pk=pk)


def _officer(request: HttpRequest) -> User:
    """The signed-in staff member (``staff_required`` has let no one else through)."""
    assert isinstance(request.user, User)
    return request.user


def _section(dialogue: Dialogue, view: str, anchor: str) -> str:
    return f"{reverse(view, args=[dialogue.pk])}#{anchor}"


def place_label(area: Area) -> str:
    """An RT as "RT 001/RW 024, Kayuringin Jaya", an RW as "RW 024, …", else the name.

    Reads ``area.village``: select it with the area.
    """
    if area.level in (AreaLevel.RW, AreaLevel.RT) and area.village is not None:
        numbers = area.code.split(".")[4:]
        labels = ["RT", "RW"] if area.level == AreaLevel.RT else ["RW"]
        parts = [
            f"{label} {number}" for label, number in zip(labels, reversed(numbers), strict=True)
        ]
        return f"{'/'.join(parts)}, {area.village.name}"
    return area.name


def _user_zone(user: Any) -> ZoneInfo:
    unit = getattr(user, "unit", None)
    area = getattr(unit, "area", None) if unit is not None else None
    return ZoneInfo(area.timezone if area is not None else TimeZone.WIB.value)


# ---- list and calendar -------------------------------------------------------------


@staff_required
@never_cache
@require_GET
def list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.now().astimezone(_user_zone(user)).date()
    form = DialogueFilterForm(request.GET or None, user=user)
    chosen: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # errors are shown; the valid filters still apply
        chosen = form.cleaned_data
    area = chosen.get("area")
    filters = DialogueFilter(
        area_id=area.pk if area is not None else None,
        type_code=chosen.get("type") or None,
        status=chosen.get("status") or None,
        start=chosen.get("start"),
        end=chosen.get("end"),
    )
    dialogues = selectors.dialogue_list(user=user, filters=filters).select_related("area__village")
    page = Paginator(dialogues, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/staff/dialogue_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(dialogue, place_label(dialogue.area)) for dialogue in page],
            "my_follow_ups": list(selectors.follow_ups_of(user=user)[:FOLLOW_UPS_SHOWN]),
            "overdue_follow_ups": list(
                selectors.follow_ups_overdue(user=user, today=today)[:FOLLOW_UPS_SHOWN]
            ),
            "today": today,
        },
    )


def _month(value: str | None, today: date) -> date:
    """The first day of the month ``value`` ("2025-08") names, else of this month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if not 1900 <= year <= 2999:
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@staff_required
@never_cache
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    """A month grid, Monday first, of the dialogues the user may see, each on the day
    it starts in its own area's time zone."""
    today = timezone.now().astimezone(_user_zone(request.user)).date()
    first = _month(request.GET.get("month"), today)
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
        first.year, first.month
    )
    # One day of margin each way: the filter works on UTC days, the grid on local ones.
    found = selectors.dialogue_list(
        user=request.user,
        filters=DialogueFilter(
            start=weeks[0][0] - timedelta(days=1), end=weeks[-1][-1] + timedelta(days=1)
        ),
    )[:CALENDAR_MAX]
    by_day: dict[date, list[Dialogue]] = defaultdict(list)
    for dialogue in found:
        by_day[dialogue.start.astimezone(ZoneInfo(dialogue.area.timezone)).date()].append(dialogue)
    for day_dialogues in by_day.values():
        day_dialogues.sort(key=lambda d: d.start)
    locale = translation.get_language() or "id"
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "web/staff/dialogue_calendar.html",
        {
            "month": first,
            "month_title": format_date(first, "LLLL y", locale=locale),
            "weekdays": [get_day_names("abbreviated", locale=locale)[i] for i in range(7)],
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "agenda": [
                (day, by_day[day])
                for day in sorted(by_day)
                if day.month == first.month and day.year == first.year
            ],
            "today": today,
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "this_month": f"{today:%Y-%m}",
        },
    )


# ---- saving one form ---------------------------------------------------------------


def _save(
    request: HttpRequest,
    form: F,
    save: Callable[[dict[str, Any]], Any],
    *,
    success: str,
    then: str | Callable[[Any], str],
    failed: Callable[[F], HttpResponse],
) -> HttpResponse:
    """Validate ``form`` and hand its data to ``save`` (one service call), then
    redirect to ``then`` (or ``then(result)``); on refusal, ``failed(form)`` shows the
    page again with the reasons next to the form. ``save`` runs in a transaction, so
    a refusal part-way through changes nothing."""
    if form.is_valid():
        try:
            with transaction.atomic():
                result = save(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error, getattr(form, "FIELDS_BY_CODE", None))
        else:
            messages.success(request, success)
            return redirect(then(result) if callable(then) else then)
    messages.error(request, _("Nothing was saved. See the message next to the form."))
    return failed(form)


def _save_section(
    request: HttpRequest,
    dialogue: Dialogue,
    form: forms.Form,
    save: Callable[[dict[str, Any]], Any],
    *,
    page: str,
    section: str,
    success: str,
    anchor: str | None = None,
) -> HttpResponse:
    """Save one section (``<section>_form``) of the ``"capture"`` or ``"detail"`` page:
    back to it on success, or the whole page again with the reasons."""
    pages: dict[str, tuple[str, Callable[..., HttpResponse]]] = {
        "capture": ("web:dialogue-capture", _capture_page),
        "detail": ("web:dialogue", _detail_page),
    }
    view, render_page = pages[page]
    return _save(
        request,
        form,
        save,
        success=success,
        then=_section(dialogue, view, anchor or section),
        failed=lambda form: render_page(
            request, dialogue.pk, status=INVALID, failed={f"{section}_form": form}
        ),
    )


# ---- plan, record, change ----------------------------------------------------------


def _place(cleaned: dict[str, Any]) -> Area:
    """The area the form names: the village, or an RW/RT in it (created on first use).

    Call inside the transaction of the write that uses it, so a refused write leaves
    no new RW or RT behind.
    """
    area: Area = cleaned["village"]
    if cleaned.get("rw") is not None:
        area = area_rw_get_or_create(village=area, number=cleaned["rw"])
        if cleaned.get("rt") is not None:
            area = area_rt_get_or_create(rw=area, number=cleaned["rt"])
    return area


def _form_page(
    request: HttpRequest, form: DialogueForm, *, dialogue: Dialogue | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "web/staff/dialogue_form.html",
        {
            "form": form,
            "mode": form.mode,
            "dialogue": dialogue,
            "place": place_label(dialogue.area) if dialogue is not None else "",
        },
        status=status,
    )


def _create(request: HttpRequest, *, mode: str) -> HttpResponse:
    user = _officer(request)
    if request.method != "POST":
        return _form_page(request, DialogueForm(user=user, mode=mode), dialogue=None)

    def save(data: dict[str, Any]) -> Dialogue:
        details = {
            "actor": user,
            "type": data["type"],
            "title": data["title"],
            "area": _place(data),
            "unit": data["unit"],
            "venue_name": data["venue_name"],
            "host": data["host"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "is_public": form.is_public(),
        }
        if mode == "past":
            return dialogue_record_past(**details, start=data["start"], end=data["end"])
        return dialogue_plan(**details, planned_start=data["start"], planned_end=data["end"])

    form = DialogueForm(request.POST, user=user, mode=mode)
    if mode == "past":
        success = _("The dialogue is recorded as held.")
        then = "web:dialogue-capture"
    else:
        success, then = _("The dialogue is planned."), "web:dialogue"
    return _save(
        request,
        form,
        save,
        success=success,
        then=lambda dialogue: reverse(then, args=[dialogue.pk]),
        failed=lambda form: _form_page(request, form, dialogue=None, status=INVALID),
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def new_page(request: HttpRequest) -> HttpResponse:
    return _create(request, mode="plan")


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def record_page(request: HttpRequest) -> HttpResponse:
    return _create(request, mode="past")


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _officer(request)
    dialogue = _dialogue(request, pk)
    if dialogue.status == DialogueStatus.CANCELLED:
        messages.error(request, _("A cancelled dialogue cannot be changed."))
        return redirect("web:dialogue", dialogue.pk)
    if request.method != "POST":
        initial = DialogueForm.initial_for(dialogue)
        form = DialogueForm(user=user, mode="edit", dialogue=dialogue, initial=initial)
        return _form_page(request, form, dialogue=dialogue)

    def save(data: dict[str, Any]) -> Dialogue:
        names = ("type", "title", "venue_name", "latitude", "longitude")
        changes: dict[str, Any] = {name: data[name] for name in names}
        changes["area"] = _place(data)
        if data["host"] is not None:
            changes["host"] = data["host"]
        if form.is_public() is not None:
            changes["is_public"] = form.is_public()
        # Unchanged times are left out: a planned dialogue that has begun keeps its start.
        if "start" in data and data["start"] != dialogue.planned_start:
            changes["planned_start"] = data["start"]
        if "end" in data and data["end"] != dialogue.planned_end:
            changes["planned_end"] = data["end"]
        return dialogue_update(actor=user, dialogue=dialogue, **changes)

    form = DialogueForm(request.POST, user=user, mode="edit", dialogue=dialogue)
    return _save(
        request,
        form,
        save,
        success=_("The changes are saved."),
        then=reverse("web:dialogue", args=[dialogue.pk]),
        failed=lambda form: _form_page(request, form, dialogue=dialogue, status=INVALID),
    )


# ---- the capture page --------------------------------------------------------------


def _local(value: datetime, dialogue: Dialogue) -> datetime:
    return value.astimezone(ZoneInfo(dialogue.area.timezone))


def _topics_form(dialogue: Dialogue, data: Any = None) -> TopicsForm:
    delivered = {row.topic_id: row.notes for row in dialogue.topics.all()}
    topics = list(OutreachTopic.objects.filter(is_active=True))
    active = {topic.pk for topic in topics}
    topics += [row.topic for row in dialogue.topics.all() if row.topic_id not in active]
    return TopicsForm(data, topics=topics, delivered=delivered)


def _held_initial(dialogue: Dialogue) -> dict[str, Any]:
    start = dialogue.actual_start or min(dialogue.planned_start, timezone.now())
    local_start = _local(start, dialogue)
    initial: dict[str, Any] = {
        "day": local_start.date(),
        "start_time": local_start.time().replace(second=0, microsecond=0),
    }
    if dialogue.actual_end:
        initial["end_time"] = _local(dialogue.actual_end, dialogue).time()
    return initial


def _capture_page(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    failed: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    dialogue = selectors.dialogue_get(user=request.user, pk=pk)
    sections: dict[str, forms.Form] = {
        "held_form": HeldForm(initial=_held_initial(dialogue)),
        "attendance_form": AttendanceForm(
            initial={
                "residents": dialogue.residents_count,
                "leaders": dialogue.leaders_count,
                "children": dialogue.children_count,
            }
        ),
        "topics_form": _topics_form(dialogue),
        "official_form": OfficialForm(),
        "answer_form": AnswerForm(),
        "minutes_form": MinutesForm(initial={"minutes": dialogue.minutes}),
        "photo_form": PhotoForm(),
    }
    sections.update(failed or {})
    return render(
        request,
        "web/staff/dialogue_capture.html",
        {
            "dialogue": dialogue,
            "place": place_label(dialogue.area),
            "photo_max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
            **sections,
        },
        status=status,
    )


@staff_required
@never_cache
@require_GET
def capture_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _capture_page(request, pk)


@staff_required
@never_cache
@require_POST
def held_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    form = HeldForm(request.POST)

    def save(data: dict[str, Any]) -> Dialogue:
        start, end = form.instants(dialogue.area.timezone)
        return dialogue_mark_held(dialogue=dialogue, actual_start=start, actual_end=end)

    return _save_section(
        request,
        dialogue,
        form,
        save,
        page="capture",
        section="held",
        success=_("The dialogue is recorded as held."),
    )


@staff_required
@never_cache
@require_POST
def attendance_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        AttendanceForm(request.POST),
        lambda data: dialogue_set_attendance(dialogue=dialogue, **data),
        page="capture",
        section="attendance",
        success=_("Attendance saved."),
    )


@staff_required
@never_cache
@require_POST
def topics_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Ticked topics are recorded with their notes; unticked ones are removed."""
    dialogue = selectors.dialogue_get_for_change(user=request.user, pk=pk)
    form = _topics_form(dialogue, request.POST)

    def save(data: dict[str, Any]) -> None:
        chosen = {topic: notes for topic, notes in form.chosen().values()}
        dialogue_topics_replace(dialogue=dialogue, chosen=chosen)

    return _save_section(
        request, dialogue, form, save, page="capture", section="topics", success=_("Topics saved.")
    )


@staff_required
@never_cache
@require_POST
def official_add_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        OfficialForm(request.POST),
        lambda data: dialogue_official_add(dialogue=dialogue, **data),
        page="capture",
        section="official",
        anchor="officials",
        success=_("Official added."),
    )


@staff_required
@never_cache
@require_POST
def official_remove_action(request: HttpRequest, pk: int, official_pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    dialogue_official_remove(official=get_object_or_404(dialogue.officials, pk=official_pk))
    messages.success(request, _("Official removed."))
    return redirect(_section(dialogue, "web:dialogue-capture", "officials"))


@staff_required
@never_cache
@require_POST
def answer_add_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        AnswerForm(request.POST),
        lambda data: dialogue_answer_add(dialogue=dialogue, **data),
        page="capture",
        section="answer",
        anchor="answers",
        success=_("Question and answer saved."),
    )


@staff_required
@never_cache
@require_POST
def minutes_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        MinutesForm(request.POST),
        lambda data: dialogue_set_minutes(dialogue=dialogue, minutes=data["minutes"]),
        page="capture",
        section="minutes",
        success=_("Minutes saved."),
    )


@staff_required
@never_cache
@require_POST
def photo_add_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        PhotoForm(request.POST, request.FILES),
        lambda data: dialogue_photo_add(
            actor=_officer(request),
            dialogue=dialogue,
            upload=data["photo"],
            caption=data["caption"],
        ),
        page="capture",
        section="photo",
        anchor="photos",
        success=_("Photo saved."),
    )


@staff_required  # type: ignore[arg-type]  # a FileResponse streams: not an HttpResponse
@require_GET
def photo_file(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo, only to staff who may see its dialogue, never kept by any cache."""
    dialogue = _dialogue_seen(request, pk)
    photo = get_object_or_404(dialogue.photos, pk=photo_pk)
    return _jpeg(photo.image, f"dialogue-{dialogue.pk}-{photo.pk}.jpg")


@staff_required  # type: ignore[arg-type]  # a FileResponse streams: not an HttpResponse
@require_GET
def finding_photo_file(request: HttpRequest, pk: int, finding_pk: int) -> FileResponse:
    dialogue = _dialogue_seen(request, pk)
    finding = get_object_or_404(
        InspectionFinding.objects.exclude(photo=""), inspection__dialogue=dialogue, pk=finding_pk
    )
    return _jpeg(finding.photo, f"dialogue-{dialogue.pk}-finding-{finding.pk}.jpg")


@staff_required
@never_cache
@require_POST
def finding_photo_action(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    finding = get_object_or_404(
        InspectionFinding.objects.select_related("inspection__dialogue"),
        inspection__dialogue=dialogue,
        pk=finding_pk,
    )
    return _save_section(
        request,
        dialogue,
        FindingPhotoForm(request.POST, request.FILES),
        lambda data: inspection_finding_photo_set(
            actor=_officer(request), finding=finding, upload=data["photo"]
        ),
        page="detail",
        section="finding_photo",
        anchor="inspection",
        success=_("Photo saved."),
    )


def _jpeg(image: Any, filename: str) -> FileResponse:
    try:
        handle = image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# ---- the dialogue page -------------------------------------------------------------


def _inspection_of(dialogue: Dialogue) -> Inspection | None:
    try:
        return dialogue.inspection
    except ObjectDoesNotExist:
        return None


def _inspection_form(request: HttpRequest, dialogue: Dialogue, data: Any = None) -> InspectionForm:
    inspection = _inspection_of(dialogue)
    when = _local(inspection.inspected_at if inspection else timezone.now(), dialogue)
    return InspectionForm(
        data,
        items=InspectionItem.objects.filter(is_active=True),
        findings=inspection.findings.all() if inspection else (),
        officers=officers_visible_to(request.user),
        initial={
            "day": when.date(),
            "time": when.time().replace(second=0, microsecond=0),
            "notes": inspection.notes if inspection else "",
        },
    )


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    close_forms: dict[int, FollowUpCloseForm] | None = None,
    failed: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    dialogue = selectors.dialogue_get(user=request.user, pk=pk)
    attendees = list(dialogue.attendees.all())
    selectors.dialogue_audit_read(
        user=request.user, dialogue=dialogue, reason="Staff dialogue page"
    )
    close_forms = close_forms or {}
    follow_ups = [
        (follow_up, close_forms.get(follow_up.pk) or FollowUpCloseForm(prefix=f"f{follow_up.pk}"))
        for follow_up in dialogue.follow_ups.all()
    ]
    sections: dict[str, forms.Form] = {
        "cancel_form": CancelForm(),
        "sign_in_form": SignInForm(),
        "inspection_form": _inspection_form(request, dialogue),
        "follow_up_form": FollowUpForm(officers=officers_visible_to(request.user)),
    }
    sections.update(failed or {})
    return render(
        request,
        "web/staff/dialogue_detail.html",
        {
            "dialogue": dialogue,
            "place": place_label(dialogue.area),
            "inspection": _inspection_of(dialogue),
            "attendees": attendees,
            "follow_ups": follow_ups,
            "linked_sections": dialogue_linked_sections(dialogue=dialogue, user=request.user),
            "today": _local(timezone.now(), dialogue).date(),
            **sections,
        },
        status=status,
    )


@staff_required
@never_cache
@require_GET
def detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


@staff_required
@never_cache
@require_POST
def cancel_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        CancelForm(request.POST),
        lambda data: dialogue_cancel(dialogue=dialogue, reason=data["reason"]),
        page="detail",
        section="cancel",
        anchor="details-title",
        success=_("The dialogue is cancelled."),
    )


@staff_required
@never_cache
@require_POST
def sign_in_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        SignInForm(request.POST),
        lambda data: attendee_sign_in(dialogue=dialogue, **data),
        page="detail",
        section="sign_in",
        anchor="attendance",
        success=_("Added to the sign-in list."),
    )


@staff_required
@never_cache
@require_POST
def inspection_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = selectors.dialogue_get_for_change(user=request.user, pk=pk)
    form = _inspection_form(request, dialogue, request.POST)

    def save(data: dict[str, Any]) -> Inspection:
        return inspection_record(
            actor=_officer(request),
            dialogue=dialogue,
            inspected_at=local_instant(data["day"], data["time"], dialogue.area.timezone),
            findings=form.findings(),
            notes=data["notes"],
            follow_up_owner=data["follow_up_owner"],
            follow_up_due=data["follow_up_due"],
        )

    return _save_section(
        request,
        dialogue,
        form,
        save,
        page="detail",
        section="inspection",
        success=_("Inspection saved."),
    )


@staff_required
@never_cache
@require_POST
def follow_up_add_action(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return _save_section(
        request,
        dialogue,
        FollowUpForm(request.POST, officers=officers_visible_to(request.user)),
        lambda data: follow_up_create(dialogue=dialogue, **data),
        page="detail",
        section="follow_up",
        anchor="follow-ups",
        success=_("Follow-up added."),
    )


def _follow_up_close(
    request: HttpRequest, pk: int, follow_up_pk: int, *, done: bool
) -> HttpResponse:
    dialogue = selectors.dialogue_get(user=request.user, pk=pk)
    follow_up = get_object_or_404(dialogue.follow_ups, pk=follow_up_pk)
    selectors.follow_up_check_change(user=request.user, follow_up=follow_up)
    close = follow_up_complete if done else follow_up_cancel
    return _save(
        request,
        FollowUpCloseForm(request.POST, prefix=f"f{follow_up.pk}"),
        lambda data: close(follow_up=follow_up, outcome=data["outcome"]),
        success=_("Follow-up done.") if done else _("Follow-up dropped."),
        then=_section(dialogue, "web:dialogue", f"follow-up-{follow_up.pk}"),
        failed=lambda form: _detail_page(
            request, pk, status=INVALID, close_forms={follow_up.pk: form}
        ),
    )


@staff_required
@never_cache
@require_POST
def follow_up_complete_action(request: HttpRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    return _follow_up_close(request, pk, follow_up_pk, done=True)


@staff_required
@never_cache
@require_POST
def follow_up_cancel_action(request: HttpRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    return _follow_up_close(request, pk, follow_up_pk, done=False)


ONE = "staff/dialogues/<int:pk>/"

urlpatterns: list[URLPattern] = [
    path("staff/dialogues/", list_page, name="dialogue-list"),
    path("staff/dialogues/calendar/", calendar_page, name="dialogue-calendar"),
    path("staff/dialogues/new/", new_page, name="dialogue-new"),
    path("staff/dialogues/record/", record_page, name="dialogue-record"),
    path(ONE, detail_page, name="dialogue"),
    path(f"{ONE}edit/", edit_page, name="dialogue-edit"),
    path(f"{ONE}capture/", capture_page, name="dialogue-capture"),
    path(f"{ONE}held/", held_action, name="dialogue-held"),
    path(f"{ONE}cancel/", cancel_action, name="dialogue-cancel"),
    path(f"{ONE}attendance/", attendance_action, name="dialogue-attendance"),
    path(f"{ONE}topics/", topics_action, name="dialogue-topics"),
    path(f"{ONE}officials/", official_add_action, name="dialogue-official-add"),
    path(
        f"{ONE}officials/<int:official_pk>/remove/",
        official_remove_action,
        name="dialogue-official-remove",
    ),
    path(f"{ONE}answers/", answer_add_action, name="dialogue-answer-add"),
    path(f"{ONE}minutes/", minutes_action, name="dialogue-minutes"),
    path(f"{ONE}photos/", photo_add_action, name="dialogue-photo-add"),
    path(f"{ONE}photos/<int:photo_pk>", photo_file, name="dialogue-photo"),
    path(
        f"{ONE}findings/<int:finding_pk>/photo",
        finding_photo_file,
        name="dialogue-finding-photo",
    ),
    path(
        f"{ONE}findings/<int:finding_pk>/photo/",
        finding_photo_action,
        name="dialogue-finding-photo-add",
    ),
    path(f"{ONE}sign-ins/", sign_in_action, name="dialogue-sign-in"),
    path(f"{ONE}inspection/", inspection_action, name="dialogue-inspection"),
    path(f"{ONE}follow-ups/", follow_up_add_action, name="dialogue-follow-up-add"),
    path(
        f"{ONE}follow-ups/<int:follow_up_pk>/complete/",
        follow_up_complete_action,
        name="dialogue-follow-up-complete",
    ),
    path(
        f"{ONE}follow-ups/<int:follow_up_pk>/cancel/",
        follow_up_cancel_action,
        name="dialogue-follow-up-cancel",
    ),
]
