"""Staff pages of aspirations (§4 C2): the inbox, the case page with its actions, and
the intake form an officer fills in at a dialogue on a resident's behalf.

Thin views: every read goes through ``aspirations.selectors`` (a case outside the
user's scope is 404 on every URL here, its photos included), every write is one
service call. Each form of the case page posts on its own and redirects back; a
refusal shows the page again with the reason next to the form (status 400) and
changes nothing. The reporter's identity is shown only after a POST that gives a
reason, which ``aspiration_identity`` writes to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import POLICE_KINDS, AreaLevel, Unit
from kamtibmas.aspirations import sla
from kamtibmas.aspirations.lifecycle import OPEN_STATES, TRANSITIONS, Action, allowed_actions
from kamtibmas.aspirations.models import Aspiration, Privacy, Source, Status
from kamtibmas.aspirations.selectors import (
    Identity,
    InboxFilters,
    aspiration_get,
    aspiration_identity,
    aspiration_list,
    aspiration_updates,
    duplicate_candidates,
    identity_visible_to,
    overdue_q,
    response_templates_for,
)
from kamtibmas.aspirations.services import (
    Submitted,
    aspiration_act,
    aspiration_assign,
    aspiration_note_add,
    aspiration_submit,
    aspiration_triage_confirm,
    covering_units,
)
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.triage.classifier import triage
from kamtibmas.web.aspirations_public import place_resolve, service_errors, unindexed
from kamtibmas.web.decorators import staff_required
from kamtibmas.web.dialogues import place_label
from kamtibmas.web.forms_aspirations import (
    BULK_ASSIGN_ME,
    BULK_VERIFY,
    ActionForm,
    AssignForm,
    BulkForm,
    DialogueAspirationForm,
    IdentityForm,
    InboxFilterForm,
    NoteForm,
    TriageForm,
)
from kamtibmas.web.forms_dialogues import villages_visible_to

PAGE_SIZE = 25
INVALID = 400
INBOX = "web:aspiration-inbox"
IDENTITY_REASON_PREFIX = "Staff case page: "


def _staff(request: HttpRequest) -> User:
    """The signed-in staff member (``staff_required`` has let no one else through)."""
    assert isinstance(request.user, User)
    return request.user


def _case_url(case: Aspiration, anchor: str = "") -> str:
    return reverse("web:aspiration", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def _back_to_case(request: HttpRequest, case: Aspiration, anchor: str = "") -> HttpResponse:
    """Back to the case page, or to the inbox when the case has left the user's scope
    (referred or rerouted to a unit they do not see)."""
    if visible_to(Aspiration.objects.filter(pk=case.pk), request.user).exists():
        return redirect(_case_url(case, anchor))
    messages.info(
        request,
        _("Case %(number)s is now with another unit and no longer in your list.")
        % {"number": case.number},
    )
    return redirect(INBOX)


# ---- inbox -----------------------------------------------------------------------------


def _inbox_filters(form: InboxFilterForm) -> InboxFilters:
    chosen: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # errors are shown; the valid filters still apply
        chosen = form.cleaned_data
    return InboxFilters(
        status=chosen.get("status") or "",
        category=chosen.get("category") or "",
        urgency=chosen.get("urgency") or "",
        area=chosen.get("area"),
        overdue=bool(chosen.get("overdue")),
        mine=bool(chosen.get("mine")),
        query=chosen.get("q") or "",
    )


def _with_overdue(cases: models.QuerySet[Aspiration], now: datetime) -> models.QuerySet[Aspiration]:
    """Each case with ``is_overdue``, computed by the database in the same query."""
    return cases.annotate(
        is_overdue=models.Case(
            models.When(overdue_q(now), then=models.Value(True)),
            default=models.Value(False),
            output_field=models.BooleanField(),
        )
    )


@staff_required
@never_cache
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = InboxFilterForm(request.GET or None, villages=villages_visible_to(user))
    cases = aspiration_list(user=user, filters=_inbox_filters(form)).select_related("area__village")
    page = Paginator(_with_overdue(cases, timezone.now()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/staff/aspirations/inbox.html",
        {
            "form": form,
            "page": page,
            "rows": [(case, place_label(case.area)) for case in page],
            "bulk_form": BulkForm(),
            "here": request.get_full_path(),
        },
    )


@staff_required
@never_cache
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Verify, or take, each selected case through its service; one case refused
    does not stop the others, and each refusal is reported with its number."""
    user = _staff(request)
    form = BulkForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or (
        not back.startswith(reverse(INBOX))
    ):
        back = reverse(INBOX)
    if not form.is_valid() or not form.cleaned_data["cases"]:
        messages.error(request, _("Tick the cases to work on, then choose what to do."))
        return redirect(back)
    action = form.cleaned_data["action"]
    done = 0
    for pk in form.cleaned_data["cases"]:
        try:
            case = aspiration_get(user=user, pk=pk)
        except Http404:
            messages.error(request, _("Case #%(id)d: not found.") % {"id": pk})
            continue
        try:
            if action == BULK_VERIFY:
                aspiration_act(actor=user, aspiration=case, action=Action.VERIFY)
            elif action == BULK_ASSIGN_ME:
                aspiration_assign(actor=user, aspiration=case, assignee=user)
        except ValidationError as error:
            messages.error(
                request,
                _("%(number)s: %(reason)s")
                % {"number": case.number, "reason": " ".join(error.messages)},
            )
        else:
            done += 1
    if done:
        if action == BULK_VERIFY:
            text = ngettext("%(count)d case verified.", "%(count)d cases verified.", done)
        else:
            text = ngettext(
                "%(count)d case assigned to you.", "%(count)d cases assigned to you.", done
            )
        messages.success(request, text % {"count": done})
    return redirect(back)


# ---- the case page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    due: datetime
    late: bool
    done: bool


def _deadlines(case: Aspiration, now: datetime) -> list[Deadline]:
    """The case's clocks that apply, each marked late when it was (or is being) missed."""
    final_at = case.resolved_at or case.closed_at
    clocks: list[tuple[str, str, datetime | None, datetime | None]] = [
        ("verify", _("Verify by"), case.verify_by, case.verified_at or final_at),
        ("first_notice", _("First progress notice by"), case.first_notice_by, case.first_notice_at),
    ]
    if case.status == Status.REFERRED:
        clocks.append(("partner_answer", _("Partner answer by"), case.partner_answer_by, None))
    clocks.append(("resolve", _("Resolve by"), case.resolve_by, final_at))
    return [
        Deadline(
            key=key,
            label=label,
            due=due,
            late=sla.is_overdue(deadline=due, now=now, done_at=done_at),
            done=done_at is not None,
        )
        for key, label, due, done_at in clocks
        if due is not None
    ]


def _refer_units(user: User, case: Aspiration) -> models.QuerySet[Unit]:
    """Police units the user sees and every unit covering the case's area (police
    above it, the kelurahan or kecamatan office), as ``aspiration_act`` accepts."""
    covering = {unit.id for unit in covering_units(case.area)}
    police = visible_to(Unit.objects.filter(kind__in=POLICE_KINDS), user).values_list(
        "pk", flat=True
    )
    return (
        Unit.objects.filter(models.Q(pk__in=covering) | models.Q(pk__in=police))
        .exclude(pk=case.assigned_unit_id)
        .order_by("path")
    )


def _officers_of(user: User, case: Aspiration) -> models.QuerySet[User]:
    """Active staff of the handling unit and the units below it, as the user sees them."""
    return (
        visible_to(
            User.objects.filter(
                is_active=True, unit__path__startswith=case.assigned_unit.path
            ).exclude(role=Role.RESIDENT),
            user,
        )
        .select_related("unit")
        .order_by("last_name", "first_name", "username")
    )


def _action_forms(
    request: HttpRequest,
    case: Aspiration,
    candidates: list[Aspiration],
    data: Any = None,
    only: Action | None = None,
) -> dict[Action, ActionForm]:
    user = _staff(request)
    templates = response_templates_for(user=user)
    forms_by_action: dict[Action, ActionForm] = {}
    for action in allowed_actions(case.status):
        if only is not None and action != only:
            continue
        target = TRANSITIONS[action][1]
        forms_by_action[action] = ActionForm(
            data,
            action=action,
            templates=[t for t in templates if t.status in ("", target)],
            units=_refer_units(user, case) if action == Action.REFER else None,
            candidates=candidates if action == Action.MARK_DUPLICATE else (),
        )
    return forms_by_action


def _case_page(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    failed: dict[str, forms.Form] | None = None,
    identity: Identity | None = None,
) -> HttpResponse:
    user = _staff(request)
    case = aspiration_get(user=user, pk=pk)
    now = timezone.now()
    failed = failed or {}
    candidates = [
        found
        for found, _score in duplicate_candidates(
            text=case.text,
            area=case.area,
            exclude_pk=case.pk,
            user=user,
            latitude=case.latitude,
            longitude=case.longitude,
        )
    ]
    action_forms = _action_forms(request, case, candidates)
    # Reasons for a step that is not offered (any more) are shown above the page.
    problems: list[str] = []
    for key, form in failed.items():
        if not isinstance(form, ActionForm):
            continue
        if key in action_forms:
            action_forms[Action(key)] = form
        else:
            problems += [str(error) for errors in form.errors.values() for error in errors]
    dialogue = case.dialogue
    dialogue_visible = (
        dialogue is not None and visible_to(Dialogue.objects.filter(pk=dialogue.pk), user).exists()
    )
    context = {
        "case": case,
        "place": place_label(case.area),
        "photos": list(case.photos.all()),
        "updates": aspiration_updates(aspiration=case, public_only=False),
        "deadlines": _deadlines(case, now),
        "is_open": Status(case.status) in OPEN_STATES,
        "is_overdue": Aspiration.objects.filter(pk=case.pk).filter(overdue_q(now)).exists(),
        "action_forms": [(action, form) for action, form in action_forms.items()],
        # The words that drive the model's suggestion, shown beside it (issue 5).
        "triage_words": triage(case.text).explanation,
        "triage_form": failed.get("triage")
        or TriageForm(initial={"category": case.category, "urgency": case.urgency}),
        "note_form": failed.get("note") or NoteForm(),
        "assign_form": failed.get("assign")
        or AssignForm(officers=_officers_of(user, case), initial={"assignee": case.assignee_id}),
        "identity_form": failed.get("identity") or IdentityForm(),
        "identity_allowed": identity_visible_to(user, case),
        "identity": identity,
        "candidates": candidates,
        "dialogue_visible": dialogue_visible,
        "triage_changed": (case.category, case.urgency)
        != (case.suggested_category, case.suggested_urgency),
        "confidence_percent": round(case.triage_confidence * 100),
        "problems": problems,
    }
    response = render(request, "web/staff/aspirations/detail.html", context, status=status)
    if identity is not None:
        response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@never_cache
@require_GET
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, pk)


def _save(
    request: HttpRequest,
    case: Aspiration,
    form: forms.Form,
    key: str,
    save: Callable[[dict[str, Any]], Any],
    *,
    success: str,
    anchor: str,
    rename: dict[str, str] | None = None,
) -> HttpResponse:
    """Validate ``form``, hand its data to ``save`` (one service call) and go back to
    the case; on refusal, the case page again with the reasons next to the form."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            service_errors(form, error, rename or {})
        else:
            messages.success(request, success)
            return _back_to_case(request, case, anchor)
    messages.error(request, _("Nothing was saved. See the message next to the form."))
    return _case_page(request, case.pk, status=INVALID, failed={key: form})


@staff_required
@never_cache
@require_POST
def act_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _staff(request)
    case = aspiration_get(user=user, pk=pk)
    try:
        act = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    candidates = [
        found
        for found, _score in duplicate_candidates(
            text=case.text,
            area=case.area,
            exclude_pk=case.pk,
            user=user,
            latitude=case.latitude,
            longitude=case.longitude,
        )
    ]
    form = _action_forms(request, case, candidates, data=request.POST, only=act).get(act)
    if form is None:
        # Not possible from this status (any more): the service says why.
        form = ActionForm(request.POST, action=act, templates=[])

    def save(data: dict[str, Any]) -> Aspiration:
        original = data.get("duplicate_of")
        number = (data.get("duplicate_number") or "").strip()
        if original is None and number:
            original = (
                aspiration_list(user=user, filters=InboxFilters(query=number))
                .exclude(pk=case.pk)
                .first()
            )
            if original is None:
                raise ValidationError(
                    {"duplicate_number": _("None of the cases you can see has this number.")}
                )
        return aspiration_act(
            actor=user,
            aspiration=case,
            action=act,
            text=form.chosen_text(),
            is_public=bool(data.get("is_public")),
            unit=data.get("unit"),
            duplicate_of=original,
        )

    return _save(
        request,
        case,
        form,
        act.value,
        save,
        success=_("Done: %(action)s.") % {"action": act.label},
        anchor="history",
        rename={
            "duplicate_of": "duplicate_of" if "duplicate_of" in form.fields else "duplicate_number"
        },
    )


@staff_required
@never_cache
@require_POST
def triage_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = aspiration_get(user=user, pk=pk)
    return _save(
        request,
        case,
        TriageForm(request.POST),
        "triage",
        lambda data: aspiration_triage_confirm(actor=user, aspiration=case, **data),
        success=_("Category and urgency confirmed."),
        anchor="triage",
    )


@staff_required
@never_cache
@require_POST
def note_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = aspiration_get(user=user, pk=pk)
    return _save(
        request,
        case,
        NoteForm(request.POST),
        "note",
        lambda data: aspiration_note_add(
            actor=user, aspiration=case, text=data["text"], is_public=data["is_public"]
        ),
        success=_("Note added."),
        anchor="history",
    )


@staff_required
@never_cache
@require_POST
def assign_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = aspiration_get(user=user, pk=pk)
    return _save(
        request,
        case,
        AssignForm(request.POST, officers=_officers_of(user, case)),
        "assign",
        lambda data: aspiration_assign(actor=user, aspiration=case, assignee=data["assignee"]),
        success=_("Assignment saved."),
        anchor="assignment",
    )


@staff_required
@never_cache
@require_POST
def identity_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the reporter's identity once, with the reason written to the audit log."""
    user = _staff(request)
    case = aspiration_get(user=user, pk=pk)
    form = IdentityForm(request.POST)
    if not form.is_valid():
        return _case_page(request, pk, status=INVALID, failed={"identity": form})
    identity = aspiration_identity(
        user=user,
        aspiration=case,
        reason=IDENTITY_REASON_PREFIX + form.cleaned_data["reason"],
    )
    if identity is None:
        form.add_error(None, _("You may not see who sent this case."))
        return _case_page(request, pk, status=403, failed={"identity": form})
    return _case_page(request, pk, identity=identity)


@staff_required  # type: ignore[arg-type]  # a FileResponse streams: not an HttpResponse
@require_GET
def photo_file(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo of a case, only to staff who see the case, never kept by any cache."""
    case = aspiration_get(user=request.user, pk=pk)
    photo = get_object_or_404(case.photos, pk=photo_pk)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="{case.number}-{photo.pk}.jpg"'
    return response


# ---- recording an aspiration raised at a dialogue ---------------------------------------


def dialogue_aspiration_record(
    *, actor: User, dialogue: Dialogue, data: dict[str, Any]
) -> Submitted:
    """Submit what a ``DialogueAspirationForm`` holds (``data``, its cleaned data) as
    raised at ``dialogue``: the online intake and the field app (``web.field``) both
    call this. An RW/RT inside the dialogue's kelurahan is created on first use,
    except for an anonymous report (SECURITY.md 14). Call inside a transaction."""
    anonymous = data["privacy"] == Privacy.ANONYMOUS
    area = None
    if data["rw"] is not None:
        village = dialogue.area.village or dialogue.area
        if village.level == AreaLevel.VILLAGE:
            area = place_resolve(village, data["rw"], data["rt"], create=not anonymous)
    return aspiration_submit(
        text=data["text"],
        area=area,
        privacy=data["privacy"],
        source=Source.DIALOGUE,
        actor=actor,
        dialogue=dialogue,
        spot_answer=data["spot_answer"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        category=data["category"] or None,
        urgency=data["urgency"] or None,
    )


def _intake_page(
    request: HttpRequest, dialogue: Dialogue, form: DialogueAspirationForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "web/staff/aspirations/intake.html",
        {"dialogue": dialogue, "place": place_label(dialogue.area), "form": form},
        status=status,
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def dialogue_intake(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer records what a resident raised at a dialogue, with the answer given
    on the spot; the page that answers shows the receipt code for the resident."""
    user = _staff(request)
    dialogue = get_visible_or_404(
        Dialogue.objects.select_related("area", "area__village", "type"), user, pk=pk
    )
    if dialogue.status == DialogueStatus.CANCELLED:
        messages.error(request, _("A cancelled dialogue cannot take aspirations."))
        return redirect("web:dialogue", dialogue.pk)
    if request.method != "POST":
        return _intake_page(request, dialogue, DialogueAspirationForm())
    form = DialogueAspirationForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                submitted = dialogue_aspiration_record(
                    actor=user, dialogue=dialogue, data=form.cleaned_data
                )
        except ValidationError as error:
            service_errors(form, error, {"area": "rw"})
        else:
            return _recorded_page(request, dialogue, submitted)
    return _intake_page(request, dialogue, form, status=INVALID)


def _recorded_page(request: HttpRequest, dialogue: Dialogue, submitted: Submitted) -> HttpResponse:
    code = submitted.receipt_code
    return unindexed(
        render(
            request,
            "web/staff/aspirations/recorded.html",
            {
                "dialogue": dialogue,
                "case": submitted.aspiration,
                "code": code,
                "code_groups": code.split("-"),
                "is_emergency": submitted.is_emergency,
            },
        )
    )


ONE = "staff/aspirations/<int:pk>/"

urlpatterns: list[URLPattern] = [
    path("staff/aspirations/", inbox, name="aspiration-inbox"),
    path("staff/aspirations/bulk/", bulk_action, name="aspiration-bulk"),
    path(ONE, case_page, name="aspiration"),
    path(f"{ONE}act/<str:action>/", act_action, name="aspiration-act"),
    path(f"{ONE}triage/", triage_action, name="aspiration-triage"),
    path(f"{ONE}notes/", note_action, name="aspiration-note"),
    path(f"{ONE}assign/", assign_action, name="aspiration-assign"),
    path(f"{ONE}identity/", identity_action, name="aspiration-identity"),
    path(f"{ONE}photos/<int:photo_pk>", photo_file, name="aspiration-photo"),
    path(
        "staff/dialogues/<int:pk>/aspirations/new/",
        dialogue_intake,
        name="dialogue-aspiration-new",
    ),
]
