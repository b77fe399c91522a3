"""The desk's pages for loss reports and certificates (§4 C3, issue 7): the list, a new
report at the desk or at a dialogue, the report page, completing a draft, issuing,
the PDF, revoking, the register and the monthly counts.

Thin views: every read is scoped through ``core.scope`` (a report or certificate of
another unit is 404 on every URL here), every write is one call of
``certificates.services``, and the register comes from ``certificates.register``.

Who: desk officers, commanders and administrators do everything; community officers
(Bhabinkamtibmas) record reports at their dialogues and read the reports of their
unit, with the NIK and card numbers masked, but do not complete, issue, revoke,
print or keep the register (403); other staff roles (handlers, partner agencies)
have no business with reporters' identities and get 403 too; residents 403 and
visitors the login page, as on every staff route.

Personal data: the report page and the issuing page write an audit READ naming the
fields they show; the list writes one READ per report for the names it shows; the
PDF and the register's workbook write EXPORT. Searches by NIK or phone number are
sent by POST and matched through the blind index, so the numbers appear neither in
an address nor in a LIKE over encrypted columns. Every page here is ``no-store``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import POLICE_KINDS, Unit
from kamtibmas.certificates.catalogue import checklist
from kamtibmas.certificates.models import (
    Certificate,
    LossReport,
    ReportSource,
    ReportStatus,
)
from kamtibmas.certificates.printing import (
    PDF_MEDIA_TYPE,
    certificate_filename,
    certificate_pdf_export,
)
from kamtibmas.certificates.register import (
    XLSX_MEDIA_TYPE,
    monthly_counts,
    monthly_counts_xlsx,
    register_rows,
    register_xlsx,
)
from kamtibmas.certificates.selectors import loss_reports_by_identifier
from kamtibmas.certificates.services import (
    ISSUING_ROLES,
    RECORDING_ROLES,
    REQUIRED_TO_ISSUE,
    certificate_issue,
    certificate_revoke,
    loss_report_contact_consent,
    loss_report_start,
    loss_report_update,
    reference_normalise,
)
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.core.timefmt import format_local_date, local_today
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.privacy.identifiers import mask_identifier
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record, audit_record_many
from kamtibmas.web.decorators import staff_roles_required
from kamtibmas.web.forms_certificates import (
    IDENTITY_DOCUMENTS,
    ConsentForm,
    IssueForm,
    ListFilterForm,
    LossReportForm,
    RegisterFilterForm,
    RevokeForm,
    SearchForm,
    YearForm,
)

PAGE_SIZE = 25
SEARCH_LIMIT = 50
INVALID = 400
LIST = "web:loss-list"
REPORT = "web:loss-report"
_REFERENCE = re.compile(r"^[A-Z0-9]{10}$")


#: ``staff_required``, then only the roles that record loss reports (403 else).
loss_staff_required = staff_roles_required(RECORDING_ROLES)


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _desk(request: HttpRequest) -> User:
    """The signed-in officer, who must be one who completes, issues and prints."""
    user = _staff(request)
    if user.role not in ISSUING_ROLES:
        raise PermissionDenied
    return user


def _may_issue(user: User) -> bool:
    return user.role in ISSUING_ROLES


def _reports(user: User) -> models.QuerySet[LossReport]:
    return visible_to(LossReport.objects.all(), user)


def _report(request: HttpRequest, pk: int) -> LossReport:
    return get_visible_or_404(
        LossReport.objects.select_related(
            "unit__area", "dialogue", "handling_officer", "created_by"
        ),
        request.user,
        pk=pk,
    )


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    return get_visible_or_404(
        Certificate.objects.select_related("report", "unit__area"), request.user, pk=pk
    )


def _certificate_of(report: LossReport) -> Certificate | None:
    return Certificate.objects.filter(report=report).select_related("unit__area").first()


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A page of this area: never stored by any cache; knows whether to offer the
    desk's actions."""
    context.setdefault("may_issue", _may_issue(_staff(request)))
    return _no_store(render(request, f"web/staff/loss/{template}", context, status=status))


def _label(name: str) -> str:
    field = LossReport._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.verbose_name)


def _field_labels() -> dict[str, str]:
    return {field: _label(field) for field in (*REQUIRED_TO_ISSUE, "lost_on", "lost_place")}


def recording_units(user: User) -> models.QuerySet[Unit]:
    """The police units the user records for: theirs and those below it."""
    return visible_to(Unit.objects.filter(kind__in=POLICE_KINDS), user).order_by("path")


# ---- the list -----------------------------------------------------------------------


def _search(reports: models.QuerySet[LossReport], text: str) -> models.QuerySet[LossReport] | None:
    """Reports whose reference, NIK or phone number is exactly ``text``; ``None``
    when it is none of the three. NIK and phone go through the blind index."""
    found: models.QuerySet[LossReport] | None = None
    reference = reference_normalise(text)
    if _REFERENCE.match(reference):
        found = reports.filter(reference=reference)
    for kind in ("nik", "phone"):
        try:
            by_identifier = loss_reports_by_identifier(reports, **{kind: text})
        except ValidationError:
            continue
        found = by_identifier if found is None else found | by_identifier
    return found


@loss_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def list_page(request: HttpRequest) -> HttpResponse:
    """The unit's reports, newest first: by status (GET), or found by a reference, NIK
    or phone number (POST, so the number stays out of the address)."""
    user = _staff(request)
    reports = _reports(user).select_related("unit__area", "certificate").prefetch_related("items")
    filter_form = ListFilterForm(request.GET or None)
    search_form = SearchForm(request.POST if request.method == "POST" else None)
    status = ""
    if filter_form.is_bound and filter_form.is_valid():
        status = filter_form.cleaned_data["status"]
    page = None
    searched = False
    rows: list[LossReport] = []
    if search_form.is_bound:
        if search_form.is_valid():
            found = _search(reports, search_form.cleaned_data["q"])
            if found is None:
                search_form.add_error(
                    "q", _("Enter a reference, a NIK of 16 digits or a phone number.")
                )
            else:
                searched = True
                rows = list(found.order_by("-created_at", "-id")[:SEARCH_LIMIT])
    else:
        if status:
            reports = reports.filter(status=status)
        page = Paginator(reports.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = list(page)
    drafts_waiting = _reports(user).filter(status=ReportStatus.DRAFT).count()
    with transaction.atomic():
        audit_record_many(
            actor=user,
            action=AuditAction.READ,
            subjects=[report for report in rows if report.name],
            reason="loss report list",
            fields=["name"],
        )
    return _page(
        request,
        "list.html",
        {
            "filter_form": filter_form,
            "search_form": search_form,
            "rows": rows,
            "page": page,
            "searched": searched,
            "drafts_waiting": drafts_waiting,
            "draft_status": ReportStatus.DRAFT,
            "current": "list",
        },
        status=INVALID if search_form.errors else 200,
    )


# ---- a new report -------------------------------------------------------------------


def _dialogue_from(request: HttpRequest) -> Dialogue | None:
    """The dialogue named by ``?dialogue=<id>``: 404 outside the user's scope."""
    raw = request.GET.get("dialogue", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_visible_or_404(
        Dialogue.objects.select_related("unit", "area"), request.user, pk=int(raw)
    )


def _new_page(
    request: HttpRequest,
    form: LossReportForm,
    dialogue: Dialogue | None,
    *,
    status: int = 200,
) -> HttpResponse:
    action = reverse("web:loss-new")
    if dialogue is not None:
        action += f"?dialogue={dialogue.pk}"
    return _page(
        request,
        "form.html",
        {"form": form, "dialogue": dialogue, "action": action, "report": None, "current": "new"},
        status=status,
    )


def loss_report_from_form(
    user: User, form: LossReportForm, dialogue: Dialogue | None
) -> LossReport:
    """Start the report a valid new-report form describes: at ``dialogue`` when there
    is one, else at the desk. The service's ``ValidationError`` is raised as it came
    (``form.service_error`` places it). Shared with the field app (``web.field``)."""
    data = form.cleaned_data
    return loss_report_start(
        actor=user,
        source=ReportSource.DIALOGUE if dialogue is not None else ReportSource.DESK,
        unit=data["unit"],
        identity=form.identity(),
        items=form.items() or [],
        dialogue=dialogue,
        reporter_consents_contact=data["reporter_consents_contact"],
        **form.loss(),
    )


def started_message(report: LossReport) -> str:
    """What the officer is told of a report just started."""
    if report.status == ReportStatus.READY:
        text = _("Loss report %(reference)s recorded: ready to issue.")
    else:
        text = _("Loss report %(reference)s saved as a draft: complete it to issue.")
    return text % {"reference": report.reference}


@loss_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def new_page(request: HttpRequest) -> HttpResponse:
    """Record a report at the desk, or (``?dialogue=<id>``) at a dialogue, linked."""
    user = _staff(request)
    dialogue = _dialogue_from(request)
    if dialogue is not None and dialogue.status == DialogueStatus.CANCELLED:
        messages.error(request, _("A cancelled dialogue cannot take loss reports."))
        return redirect("web:dialogue", dialogue.pk)
    units = recording_units(user)
    if request.method != "POST":
        default = dialogue.unit if dialogue is not None else user.unit
        initial: dict[str, Any] = {}
        if default is not None and units.filter(pk=default.pk).exists():
            initial["unit"] = default.pk
        return _new_page(request, LossReportForm(units=units, initial=initial), dialogue)
    form = LossReportForm(request.POST, units=units)
    if form.is_valid():
        try:
            report = loss_report_from_form(user, form, dialogue)
        except ValidationError as error:
            form.service_error(error)
        else:
            messages.success(request, started_message(report))
            return redirect(REPORT, report.pk)
    messages.error(request, _("Nothing was saved. See the message next to the form."))
    return _new_page(request, form, dialogue, status=INVALID)


# ---- the report page ----------------------------------------------------------------


def _shown_identity(report: LossReport, *, full: bool) -> list[tuple[str, str, str]]:
    """(field, label, value) of the reporter's identity as this reader may see it."""
    rows = []
    for field in REQUIRED_TO_ISSUE:
        value = getattr(report, field)
        if value in (None, ""):
            continue
        display_method = getattr(report, f"get_{field}_display", None)
        if isinstance(value, date):
            text = format_local_date(value)
        elif callable(display_method):
            text = str(display_method())
        else:
            text = str(value)
        if field == "nik" and not full:
            text = mask_identifier(text)
        rows.append((field, _label(field), text))
    return rows


def _shown_items(report: LossReport, *, full: bool) -> list[dict[str, Any]]:
    items = []
    for stored in report.items.all():
        kind = stored.kind
        details = []
        for field in kind.fields:
            value = stored.details.get(field.code, "")
            if not value:
                continue
            if field.sensitive and not full:
                value = mask_identifier(value)
            details.append((field.label, value))
        items.append({"item": kind, "details": details})
    return items


@loss_staff_required
@never_cache
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one report; the identity shown is written to the audit log."""
    user = _staff(request)
    report = _report(request, pk)
    full = _may_issue(user)
    identity = _shown_identity(report, full=full)
    items = _shown_items(report, full=full)
    shown = [field for field, _label, _value in identity]
    if any(item["details"] for item in items):
        shown.append("items")
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            subject=report,
            reason="staff loss report page",
            fields=shown,
        )
    dialogue = report.dialogue
    labels = _field_labels()
    missing = [labels[field] for field in REQUIRED_TO_ISSUE if getattr(report, field) in (None, "")]
    is_handler = report.handling_officer_id == user.pk
    context = {
        "report": report,
        "identity": identity,
        "items": items,
        "checklist": checklist([stored["item"].code for stored in items]),
        "missing": missing,
        "certificate": _certificate_of(report),
        "dialogue_visible": dialogue is not None
        and visible_to(Dialogue.objects.filter(pk=dialogue.pk), user).exists(),
        "may_issue": full,
        "may_change": full and report.status in (ReportStatus.DRAFT, ReportStatus.READY),
        "is_handler": is_handler,
        "offer_take": not (is_handler and report.officer_consents_contact),
    }
    return _page(request, "detail.html", context)


@loss_staff_required
@never_cache
@require_POST
def take_action(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer takes the report on and agrees to show their name and contact to
    the resident (or withdraws that agreement)."""
    user = _staff(request)
    report = _report(request, pk)
    form = ConsentForm(request.POST)
    consents = form.is_valid() and form.cleaned_data["consents"]
    try:
        loss_report_contact_consent(actor=user, report=report, consents=consents)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if consents:
            messages.success(request, _("You handle this report; the resident may see your name."))
        else:
            messages.success(request, _("Your name and contact are no longer shown."))
    return redirect(reverse(REPORT, args=[report.pk]) + "#handling")


# ---- completing or correcting a report ----------------------------------------------


def _edit_page(
    request: HttpRequest, report: LossReport, form: LossReportForm, *, status: int = 200
) -> HttpResponse:
    return _page(
        request,
        "form.html",
        {
            "form": form,
            "dialogue": None,
            "action": reverse("web:loss-edit", args=[report.pk]),
            "report": report,
            "current": "edit",
        },
        status=status,
    )


@loss_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete a draft (an online report the resident brings to the post) or
    correct a report before its certificate is issued."""
    user = _desk(request)
    report = _report(request, pk)
    initial, items_editable = LossReportForm.initial_for(report)
    if request.method != "POST":
        if report.status not in (ReportStatus.DRAFT, ReportStatus.READY):
            messages.error(
                request,
                _("This report is %(status)s and can no longer be changed.")
                % {"status": report.get_status_display()},
            )
            return redirect(REPORT, report.pk)
        with transaction.atomic():
            audit_record(
                actor=user,
                action=AuditAction.READ,
                subject=report,
                reason="staff loss report correction form",
                fields=[field for field in REQUIRED_TO_ISSUE if initial.get(field)] + ["items"],
            )
        form = LossReportForm(initial=initial, items_editable=items_editable)
        return _edit_page(request, report, form)
    form = LossReportForm(request.POST, items_editable=items_editable)
    if form.is_valid():
        try:
            report = loss_report_update(
                actor=user,
                report=report,
                identity=form.identity(),
                items=form.items(),
                loss=form.loss(),
            )
        except ValidationError as error:
            form.service_error(error)
        else:
            if report.status == ReportStatus.READY:
                text = _("Report %(reference)s saved: ready to issue.")
            else:
                text = _("Report %(reference)s saved; it is still a draft.")
            messages.success(request, text % {"reference": report.reference})
            return redirect(REPORT, report.pk)
    messages.error(request, _("Nothing was saved. See the message next to the form."))
    return _edit_page(request, report, form, status=INVALID)


# ---- issuing ------------------------------------------------------------------------


def _issue_page(
    request: HttpRequest, report: LossReport, form: IssueForm, *, status: int = 200
) -> HttpResponse:
    user = _staff(request)
    identity = _shown_identity(report, full=True)
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            subject=report,
            reason="staff loss report: identity compared before issuing",
            fields=[field for field, _label, _value in identity] + ["items"],
        )
    context = {
        "report": report,
        "form": form,
        "identity": identity,
        "items": _shown_items(report, full=True),
        "documents": IDENTITY_DOCUMENTS,
        "can_issue": report.status == ReportStatus.READY,
    }
    return _page(request, "issue.html", context, status=status)


@loss_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def issue_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm that the originals were seen, then issue the certificate."""
    user = _desk(request)
    report = _report(request, pk)
    if request.method != "POST":
        if report.status == ReportStatus.ISSUED:
            messages.info(request, _("A certificate was already issued for this report."))
            return redirect(reverse(REPORT, args=[report.pk]) + "#certificate")
        return _issue_page(request, report, IssueForm())
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            certificate = certificate_issue(
                actor=user, report=report, identity_checked=form.cleaned_data["identity_checked"]
            )
        except ValidationError as error:
            form.service_error(error, _field_labels())
        else:
            messages.success(
                request,
                _("Certificate %(number)s issued, valid until %(date)s.")
                % {
                    "number": certificate.number,
                    "date": format_local_date(certificate.valid_until),
                },
            )
            return redirect(reverse(REPORT, args=[report.pk]) + "#certificate")
    return _issue_page(request, report, form, status=INVALID)


@loss_staff_required
@never_cache
@require_GET
def certificate_pdf_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate as printed, for the desk to print and hand over (audited)."""
    user = _desk(request)
    certificate = _certificate(request, pk)
    data = certificate_pdf_export(actor=user, certificate=certificate, channel="web")
    response = HttpResponse(data, content_type=PDF_MEDIA_TYPE)
    filename = certificate_filename(certificate)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


# ---- revoking -----------------------------------------------------------------------


def _revoke_page(
    request: HttpRequest, certificate: Certificate, form: RevokeForm, *, status: int = 200
) -> HttpResponse:
    return _page(
        request,
        "revoke.html",
        {"certificate": certificate, "report": certificate.report, "form": form},
        status=status,
    )


@loss_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def revoke_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a certificate, with the reason, after a confirmation step."""
    user = _desk(request)
    certificate = _certificate(request, pk)
    if request.method != "POST":
        if certificate.revoked:
            messages.info(request, _("This certificate is already revoked."))
            return redirect(reverse(REPORT, args=[certificate.report_id]) + "#certificate")
        return _revoke_page(request, certificate, RevokeForm())
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            certificate_revoke(
                actor=user, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.error_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request, _("Certificate %(number)s revoked.") % {"number": certificate.number}
            )
            return redirect(reverse(REPORT, args=[certificate.report_id]) + "#certificate")
    return _revoke_page(request, certificate, form, status=INVALID)


# ---- the register and the monthly counts --------------------------------------------


def _register_filters(
    request: HttpRequest, user: User
) -> tuple[RegisterFilterForm, date, date, Unit | None]:
    """The chosen period and unit, or this month at the user's unit when none is."""
    today = local_today(user.unit.area if user.unit is not None else None)
    units = recording_units(user)
    form = RegisterFilterForm(
        request.GET or None,
        units=units,
        initial={"start": today.replace(day=1), "end": today},
    )
    start, end, unit = today.replace(day=1), today, None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        unit = form.cleaned_data["unit"]
    return form, start, end, unit


@loss_staff_required
@never_cache
@require_GET
def register_page(request: HttpRequest) -> HttpResponse:
    """The desk's register for a period (this month unless chosen); audited per row."""
    user = _desk(request)
    form, start, end, unit = _register_filters(request, user)
    rows = []
    if not form.errors:
        try:
            with transaction.atomic():
                rows = register_rows(actor=user, start=start, end=end, unit=unit, purpose="read")
        except ValidationError as error:
            for key, errors in error.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
    export = reverse("web:loss-register-xlsx")
    query = request.GET.urlencode()
    return _page(
        request,
        "register.html",
        {
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "unit": unit,
            "export_url": f"{export}?{query}" if query else export,
            "current": "register",
        },
        status=INVALID if form.errors else 200,
    )


@loss_staff_required
@never_cache
@require_GET
def register_xlsx_file(request: HttpRequest) -> HttpResponse:
    """The register as a workbook; every report in it is audited as an export."""
    user = _desk(request)
    form, start, end, unit = _register_filters(request, user)
    if form.errors:
        return register_page(request)
    try:
        with transaction.atomic():
            rows = register_rows(actor=user, start=start, end=end, unit=unit, purpose="export")
    except ValidationError:
        return register_page(request)
    response = HttpResponse(register_xlsx(rows), content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="register-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return _no_store(response)


def _year(request: HttpRequest, user: User) -> tuple[YearForm, int]:
    this_year = local_today(user.unit.area if user.unit is not None else None).year
    form = YearForm(request.GET or None, initial={"year": this_year})
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["year"]
    return form, this_year


@loss_staff_required
@never_cache
@require_GET
def monthly_page(request: HttpRequest) -> HttpResponse:
    """Certificates per unit, month and document for one year (no personal data)."""
    user = _desk(request)
    form, year = _year(request, user)
    counts = monthly_counts(actor=user, year=year)
    return _page(
        request,
        "monthly.html",
        {
            "form": form,
            "year": year,
            "rows": [(count, date(count.year, count.month, 1)) for count in counts],
            "export_url": f"{reverse('web:loss-monthly-xlsx')}?year={year}",
            "current": "monthly",
        },
        status=INVALID if form.errors else 200,
    )


@loss_staff_required
@never_cache
@require_GET
def monthly_xlsx_file(request: HttpRequest) -> HttpResponse:
    user = _desk(request)
    form, year = _year(request, user)
    if form.errors:
        return monthly_page(request)
    response = HttpResponse(
        monthly_counts_xlsx(monthly_counts(actor=user, year=year)), content_type=XLSX_MEDIA_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="sktlk-per-month-{year}.xlsx"'
    return _no_store(response)


ONE = "staff/loss/<int:pk>/"
CERTIFICATE = "staff/loss/certificates/<int:pk>"

urlpatterns: list[URLPattern] = [
    path("staff/loss/", list_page, name="loss-list"),
    path("staff/loss/new/", new_page, name="loss-new"),
    path(ONE, report_page, name="loss-report"),
    path(f"{ONE}edit/", edit_page, name="loss-edit"),
    path(f"{ONE}take/", take_action, name="loss-take"),
    path(f"{ONE}issue/", issue_page, name="loss-issue"),
    path(f"{CERTIFICATE}.pdf", certificate_pdf_file, name="loss-certificate-pdf"),
    path(f"{CERTIFICATE}/revoke/", revoke_page, name="loss-certificate-revoke"),
    path("staff/loss/register/", register_page, name="loss-register"),
    path("staff/loss/register.xlsx", register_xlsx_file, name="loss-register-xlsx"),
    path("staff/loss/monthly/", monthly_page, name="loss-monthly"),
    path("staff/loss/monthly.xlsx", monthly_xlsx_file, name="loss-monthly-xlsx"),
]
