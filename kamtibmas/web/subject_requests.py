"""Data-subject requests on the web (issue 11 point 2; docs/privacy/subject-requests.md).

Residents, signed in, ask about their own data and follow their requests; once an
access request is done they download its JSON export. Staff who handle requests
(duty desk, commanders, administrators) record requests on a person's behalf after
checking their documents, see their units' queue with overdue requests marked, and
carry requests out. Everything is decided in ``privacy.subject_requests``; these
views parse, call and render. Pages hold personal data: ``no-store``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamtibmas.accounts.models import Role
from kamtibmas.privacy.identifiers import mask_identifier
from kamtibmas.privacy.models import (
    AuditAction,
    DataSubjectRequest,
    SubjectRequestKind,
    SubjectRequestStatus,
)
from kamtibmas.privacy.services import audit_record_many
from kamtibmas.privacy.subject_requests import (
    CORRECTABLE,
    SubjectRecords,
    export_json,
    is_overdue,
    may_handle_subject_requests,
    subject_records,
    subject_request_close,
    subject_request_correct,
    subject_request_erase,
    subject_request_export,
    subject_request_get,
    subject_request_start,
    subject_request_submit,
    subject_request_withdraw_consent,
    subject_requests_for_staff,
    subject_requests_of_resident,
)
from kamtibmas.web.decorators import staff_required

INVALID = 400


class ResidentRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What do you ask for?"),
        choices=SubjectRequestKind.choices,
        widget=forms.RadioSelect,
    )
    details = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For a correction: what is wrong and what it should be."),
    )


class StaffRequestForm(ResidentRequestForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    nik = forms.CharField(label=gettext_lazy("NIK"), required=False, max_length=24)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=24)
    kk = forms.CharField(label=gettext_lazy("KK number"), required=False, max_length=24)

    field_order = ["kind", "name", "nik", "phone", "kk", "details"]


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    response = render(request, f"web/subject_requests/{template}", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _zone(item: DataSubjectRequest) -> Any:
    return item.unit.area if item.unit and item.unit.area_id else None


def _rows(items: list[DataSubjectRequest]) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {"item": item, "zone": _zone(item), "overdue": is_overdue(item, now=now)} for item in items
    ]


# -- Residents ------------------------------------------------------------------------


def _resident(request: HttpRequest) -> Any:
    if request.user.role != Role.RESIDENT:  # type: ignore[union-attr]
        raise PermissionDenied
    return request.user


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def my_requests(request: HttpRequest) -> HttpResponse:
    """The resident's requests and the form to make one."""
    user = _resident(request)
    form = ResidentRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = subject_request_submit(
                    actor=user,
                    kind=form.cleaned_data["kind"],
                    details=form.cleaned_data["details"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Request %(reference)s received; it will be answered within 72 hours.")
                    % {"reference": created.reference},
                )
                return redirect("web:subject-request-mine", created.pk)
        status = INVALID
    items = list(subject_requests_of_resident(user).order_by("-received_at"))
    return _page(request, "mine.html", {"form": form, "rows": _rows(items)}, status=status)


@login_required
@never_cache
@require_GET
def my_request(request: HttpRequest, pk: int) -> HttpResponse:
    user = _resident(request)
    item = subject_request_get(user=user, pk=pk)
    exportable = item.kind == SubjectRequestKind.ACCESS and item.status == SubjectRequestStatus.DONE
    context = {"item": item, "zone": _zone(item), "exportable": exportable}
    return _page(request, "mine_detail.html", context)


def _download(data: dict[str, Any], item: DataSubjectRequest) -> HttpResponse:
    response = HttpResponse(export_json(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{item.reference}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
@require_GET
def my_request_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = _resident(request)
    item = subject_request_get(user=user, pk=pk)
    return _download(subject_request_export(actor=user, request=item), item)


# -- Staff ------------------------------------------------------------------------------


def _handler(request: HttpRequest) -> Any:
    if not may_handle_subject_requests(request.user):
        raise PermissionDenied
    return request.user


@staff_required
@never_cache
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The units' requests, open ones first by due time; overdue ones marked."""
    user = _handler(request)
    requests = subject_requests_for_staff(user)
    open_items = list(
        requests.filter(
            status__in=[SubjectRequestStatus.RECEIVED, SubjectRequestStatus.IN_PROGRESS]
        ).order_by("due_at", "pk")[:200]
    )
    closed = list(
        requests.filter(
            status__in=[SubjectRequestStatus.DONE, SubjectRequestStatus.REFUSED]
        ).order_by("-closed_at", "-pk")[:50]
    )
    rows = _rows(open_items)
    context = {
        "rows": rows,
        "closed_rows": _rows(closed),
        "overdue_count": sum(1 for row in rows if row["overdue"]),
    }
    return _page(request, "queue.html", context)


@staff_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    """Record a request on behalf of a person whose documents were checked."""
    user = _handler(request)
    form = StaffRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                created = subject_request_submit(actor=user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Request %(reference)s recorded; due in 72 hours.")
                    % {"reference": created.reference},
                )
                return redirect("web:subject-request", created.pk)
        return _page(request, "new.html", {"form": form}, status=INVALID)
    return _page(request, "new.html", {"form": form})


def _describe(record: models.Model) -> str:
    label = record._meta.label_lower
    if label == "aspirations.aspiration":
        return _("Case %(number)s") % {"number": record.number}  # type: ignore[attr-defined]
    if label == "certificates.lossreport":
        return _("Loss report %(reference)s") % {"reference": record.reference}  # type: ignore[attr-defined]
    if label == "aid.household":
        kk = record.kk_number or ""  # type: ignore[attr-defined]
        return _("Household, KK %(kk)s") % {"kk": mask_identifier(kk)}
    if label == "engagements.attendee":
        return _("Sign-in at %(dialogue)s") % {"dialogue": record.dialogue.title}  # type: ignore[attr-defined]
    return _("Account %(username)s") % {"username": record.username}  # type: ignore[attr-defined]


def _records_context(found: SubjectRecords) -> list[dict[str, Any]]:
    return [
        {
            "key": f"{record._meta.label_lower}:{record.pk}",
            "label": _describe(record),
            "fields": CORRECTABLE.get(record._meta.label_lower, ()),
        }
        for record in found.all()
    ]


@staff_required
@never_cache
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request, the subject's records in the handler's scope and the actions."""
    item = subject_request_get(user=request.user, pk=pk)
    user = _handler(request)
    found = subject_records(item, viewer=user) if item.is_open else SubjectRecords()
    with transaction.atomic():
        audit_record_many(
            actor=user,
            action=AuditAction.READ,
            subjects=[item, *found.all()],
            reason=f"data-subject request {item.reference}: records listed",
        )
    context = {
        "item": item,
        "zone": _zone(item),
        "overdue": is_overdue(item),
        "records": _records_context(found),
        "elsewhere": sum(found.elsewhere.values()),
        "kinds": SubjectRequestKind,
        "masked_nik": mask_identifier(item.subject_nik or ""),
        "masked_phone": mask_identifier(item.subject_phone or ""),
        "masked_kk": mask_identifier(item.subject_kk or ""),
    }
    return _page(request, "detail.html", context)


@staff_required
@never_cache
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """One step on a request: take it, correct a field, carry it out, close it."""
    item = subject_request_get(user=request.user, pk=pk)
    user = _handler(request)
    action = request.POST.get("action", "")
    try:
        if action == "start":
            subject_request_start(actor=user, request=item)
        elif action == "correct":
            record, _sep, field_name = request.POST.get("target", "").partition("|")
            subject_request_correct(
                actor=user,
                request=item,
                record=record,
                field_name=field_name,
                value=request.POST.get("value", ""),
            )
        elif action == "erase":
            subject_request_erase(actor=user, request=item)
        elif action == "withdraw":
            subject_request_withdraw_consent(actor=user, request=item)
        elif action in ("done", "refused"):
            subject_request_close(
                actor=user,
                request=item,
                status=action,
                resolution=request.POST.get("resolution", ""),
            )
        else:
            messages.error(request, _("Unknown action."))
            return redirect("web:subject-request", item.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("web:subject-request", item.pk)


@staff_required
@never_cache
@require_GET
def export(request: HttpRequest, pk: int) -> HttpResponse:
    item = subject_request_get(user=request.user, pk=pk)
    user = _handler(request)
    try:
        data = subject_request_export(actor=user, request=item)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("web:subject-request", item.pk)
    return _download(data, item)


urlpatterns: list[URLPattern] = [
    path("privacy/requests/", my_requests, name="subject-requests-mine"),
    path("privacy/requests/<int:pk>/", my_request, name="subject-request-mine"),
    path(
        "privacy/requests/<int:pk>/export.json",
        my_request_export,
        name="subject-request-mine-export",
    ),
    path("staff/privacy/requests/", queue, name="subject-request-queue"),
    path("staff/privacy/requests/new/", new_request, name="subject-request-new"),
    path("staff/privacy/requests/<int:pk>/", detail, name="subject-request"),
    path("staff/privacy/requests/<int:pk>/act/", act, name="subject-request-act"),
    path("staff/privacy/requests/<int:pk>/export.json", export, name="subject-request-export"),
]
