"""The audit log for commanders (issue 11 point 4; SECURITY.md 5): who read, exported
or changed which personal data, when and why, in the commander's unit and the units
below it.

Who: commanders and administrators; other staff and residents 403, visitors the
login page. Scoped like every read (``core.scope``: an entry belongs to the unit of
the staff member who acted), so another unit's entries never appear, whatever the
filters. Filters: period (calendar days in the zone of the unit reviewed), unit,
actor (username), action and record (type, and optionally its id); newest first, 50
a page; ``?export=csv`` or ``?export=xlsx`` gives the whole filtered list as a file.
Reading the log is itself a read of staff members' personal data: each page writes
a READ row, each file an EXPORT row, about the unit reviewed. ``no-store``.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import Area, Unit
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import format_local, local_today, resolve_zone
from kamtibmas.core.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from kamtibmas.core.xlsx import sheet_start, workbook_bytes
from kamtibmas.privacy.breach import RESOLVERS
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.privacy.services import audit_record_many
from kamtibmas.web.decorators import staff_roles_required
from kamtibmas.web.forms_dialogues import DATE_WIDGET

AUDIT_REVIEW_ROLES = frozenset({Role.COMMANDER, Role.ADMIN})
PAGE_SIZE = 50
DEFAULT_PERIOD_DAYS = 30
#: The most rows one file holds; a longer list is cut (and says so in its last line).
EXPORT_MAX = 50_000
INVALID = 400
REVIEW_REASON = "audit log reviewed"
EXPORT_REASON = "audit log exported ({format})"
REVIEW_FIELDS = ("actor", "action", "record", "fields", "reason")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditFilterForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_WIDGET)
    period_end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DATE_WIDGET)
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int)
    actor = forms.CharField(
        label=gettext_lazy("Staff member (username)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"list": "audit-actors", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    subject_type = forms.CharField(
        label=gettext_lazy("Record type"),
        required=False,
        max_length=80,
        help_text=gettext_lazy("For example aspirations.aspiration or aid.household."),
        widget=forms.TextInput(attrs={"list": "audit-types", "autocomplete": "off"}),
    )
    subject_id = forms.CharField(label=gettext_lazy("Record id"), required=False, max_length=64)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        unit_field.choices = [("", _("All my units")), *((u.pk, u.name) for u in units)]
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = [("", _("All actions")), *AuditAction.choices]

    def clean_subject_type(self) -> str:
        return str(self.cleaned_data.get("subject_type") or "").strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The end of the period is before its start."))
        if cleaned.get("subject_id") and not cleaned.get("subject_type"):
            self.add_error("subject_type", _("Give the record type with its id."))
        return cleaned


#: ``staff_required``, then only ``AUDIT_REVIEW_ROLES`` (403 else).
audit_review_required = staff_roles_required(AUDIT_REVIEW_ROLES)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _zone_area(user: User, unit: Unit | None) -> Area | None:
    """The area whose time zone the page uses: the unit reviewed, else the user's."""
    for candidate in (unit, user.unit):
        if candidate is not None and candidate.area is not None:
            return candidate.area
    return None


def _day_start(day: date, area: Area | None) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(resolve_zone(area).value))


def audit_entries_reviewed(
    *, user: User, filters: dict[str, Any], units: list[Unit]
) -> tuple[models.QuerySet[AuditEntry], Unit | None]:
    """The entries ``user`` may review, narrowed by the form's ``filters``; and the
    unit chosen. Every filter narrows the scoped set, so none can widen it."""
    entries = visible_to(AuditEntry.objects.all(), user)
    unit = next((u for u in units if u.pk == filters.get("unit")), None)
    if unit is not None:
        entries = entries.filter(actor_unit__path__startswith=unit.path)
    area = _zone_area(user, unit)
    if filters.get("period_start"):
        entries = entries.filter(created_at__gte=_day_start(filters["period_start"], area))
    if filters.get("period_end"):
        end = _day_start(filters["period_end"] + timedelta(days=1), area)
        entries = entries.filter(created_at__lt=end)
    if filters.get("actor"):
        entries = entries.filter(actor__username=filters["actor"])
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("subject_type"):
        entries = entries.filter(subject_type=filters["subject_type"])
    if filters.get("subject_id"):
        entries = entries.filter(subject_id=filters["subject_id"])
    entries = entries.select_related("actor", "actor_unit").order_by("-created_at", "-pk")
    return entries, unit


def _reviewed_units(user: User, unit: Unit | None) -> list[Unit]:
    """What the audit row of a review is about: the unit chosen, else the user's own,
    else (an administrator of the whole system) the top units."""
    if unit is not None:
        return [unit]
    if user.unit is not None:
        return [user.unit]
    return list(Unit.objects.filter(parent__isnull=True))


def _audit_review(user: User, unit: Unit | None, *, action: AuditAction, reason: str) -> None:
    audit_record_many(
        actor=user,
        action=action,
        subjects=_reviewed_units(user, unit),
        reason=reason,
        fields=REVIEW_FIELDS,
    )


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _form(request: HttpRequest, user: User, units: list[Unit]) -> AuditFilterForm:
    if request.GET.keys() - {"page", "export"}:
        return AuditFilterForm(request.GET, units=units)
    today = local_today(_zone_area(user, None))
    start = today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    data = {"period_start": start.isoformat(), "period_end": today.isoformat()}
    return AuditFilterForm(data, units=units)


@audit_review_required
@never_cache
@require_GET
def audit_review(request: HttpRequest) -> HttpResponse:
    """The audit entries of the user's units, filtered; ``?export=csv|xlsx`` as a file."""
    user = _user(request)
    units = list(visible_to(Unit.objects.select_related("area"), user).order_by("path"))
    form = _form(request, user, units)
    if not form.is_valid():
        context: dict[str, Any] = {"form": form, "page": None, "actors": [], "types": []}
        return _no_store(render(request, "web/staff/audit/review.html", context, status=INVALID))
    entries, unit = audit_entries_reviewed(user=user, filters=form.cleaned_data, units=units)
    zone_area = _zone_area(user, unit)
    export = request.GET.get("export", "")
    if export in ("csv", "xlsx"):
        with transaction.atomic():
            _audit_review(
                user, unit, action=AuditAction.EXPORT, reason=EXPORT_REASON.format(format=export)
            )
            rows = list(entries[: EXPORT_MAX + 1])
        return _export(rows, export, zone_area)
    with transaction.atomic():
        _audit_review(user, unit, action=AuditAction.READ, reason=REVIEW_REASON)
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    actors = visible_to(User.objects.exclude(role=Role.RESIDENT), user).order_by("username")
    context = {
        "form": form,
        "page": page,
        "zone_area": zone_area,
        "actors": list(actors.values_list("username", flat=True)[:500]),
        # The types the log holds personal data of; a distinct query over the whole
        # log would scan it.
        "types": sorted(RESOLVERS),
        "query": _query(request),
    }
    return _no_store(render(request, "web/staff/audit/review.html", context))


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return query.urlencode()


def _columns() -> list[str]:
    return [
        _("When"),
        _("Staff member"),
        _("Unit"),
        _("Action"),
        _("Which record"),
        _("Fields"),
        _("Why"),
    ]


def _cells(entry: AuditEntry, zone_area: Area | None) -> list[str]:
    return [
        format_local(entry.created_at, zone=zone_area),
        entry.actor.username if entry.actor is not None else _("system"),
        entry.actor_unit.name if entry.actor_unit is not None else "",
        entry.get_action_display(),
        entry.subject_label,
        ", ".join(entry.fields or ()),
        entry.reason,
    ]


def _safe(cell: str) -> str:
    """A spreadsheet runs a cell starting with ``=`` … as a formula: keep it text."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _export(rows: list[AuditEntry], export: str, zone_area: Area | None) -> HttpResponse:
    lines = [_cells(entry, zone_area) for entry in rows[:EXPORT_MAX]]
    if len(rows) > EXPORT_MAX:
        lines.append([_("The list was cut at %(count)d rows.") % {"count": EXPORT_MAX}])
    filename = f"audit-log.{export}"
    if export == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(_columns())
        writer.writerows([[_safe(cell) for cell in line] for line in lines])
        response = HttpResponse(buffer.getvalue().encode(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook()
        sheet = sheet_start(
            workbook.active, _("Audit log"), _columns(), [34, 20, 26, 12, 30, 30, 40]
        )
        for line in lines:
            sheet.append(line)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"  # shown as typed, never run
        response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


urlpatterns: list[URLPattern] = [
    path("staff/audit/", audit_review, name="audit-review"),
]
