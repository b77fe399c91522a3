"""The field app of a dialogue: capture without a connection (issue 12 point 1).

An installable web app (``manifest.webmanifest``, start and scope ``/staff/field/``)
whose service worker keeps the field pages and the site's static files, so that
they open without a connection, even after a reload. The officer opens the field
page of a dialogue from the dialogue's staff page while online; the page downloads
the reference data its forms need (the RW/RT of the dialogue's kelurahan, the
categories, the checklist), with a version, into IndexedDB. At the dialogue, with
or without a connection, the officer records aspirations on residents' behalf, the
attendance figures, the inspection checklist and loss reports on residents' behalf
(the online start's form, ``LossReportForm``, rendered in the page): each entry
waits in an on-device queue under an Idempotency-Key made before the first attempt
and is sent, in order, when the connection returns, to one endpoint per kind of
entry here. Each calls the same service as the online form and is recorded once
under its key (``offline_sync``); the page shows each entry as waiting, sent (with
the case number or the report's reference) or rejected with the server's reason,
and a rejected entry can be corrected and sent again under a new key.

On request the page also downloads the households of the dialogue's kelurahan (or
one RW of it) to fill a resident's name and address from their family card: names,
addresses and RT/RW, and salted digests of the KK numbers, never the numbers
(``aid.offline.households_for_phone``: capped and audited, as the hand-out's list);
kept under a version the page checks whenever it opens online, and deleted from the
phone a day (``HOUSEHOLDS_KEPT``) after the server last found it current.

The pages hold no personal data: they are shells the script fills from IndexedDB.
Every URL but the manifest and the service worker needs a role that records
dialogues (``FIELD_ROLES``) in the unit organising the dialogue: another unit's
dialogue is 404, one the user sees but does not organise 403.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kamtibmas.accounts.models import Role, User
from kamtibmas.aid.models import Household
from kamtibmas.aid.offline import households_for_phone
from kamtibmas.areas.models import Area, AreaLevel, within_q
from kamtibmas.aspirations.models import Privacy
from kamtibmas.core.scope import scope_for, visible_to
from kamtibmas.core.timefmt import format_local, local_today, resolve_zone
from kamtibmas.engagements import selectors
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueStatus,
    FindingResult,
    InspectionItem,
)
from kamtibmas.engagements.selectors import DialogueFilter
from kamtibmas.engagements.services import (
    FindingInput,
    dialogue_set_attendance,
    inspection_record,
)
from kamtibmas.triage.taxonomy import Category, Urgency
from kamtibmas.web.aspirations_staff import dialogue_aspiration_record
from kamtibmas.web.certificates_staff import (
    loss_report_from_form,
    recording_units,
    started_message,
)
from kamtibmas.web.decorators import View, staff_roles_required
from kamtibmas.web.dialogues import place_label
from kamtibmas.web.forms_aspirations import DialogueAspirationForm
from kamtibmas.web.forms_certificates import LossReportForm
from kamtibmas.web.forms_dialogues import AttendanceForm
from kamtibmas.web.offline_sync import (
    INVALID,
    REJECTED,
    entry_answer,
    entry_json,
    entry_record_once,
    no_store,
    service_worker,
)

#: Roles that record dialogues in the field (§2: the community officer; commanders
#: and administrators may stand in).
FIELD_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.COMMANDER, Role.ADMIN})
#: Bump when the pages or their scripts change in a way an old cached copy must not
#: survive: the service worker then drops the old cache.
#: (3: offline-queue.js takes an upgrade hook and a default address for the hand-out.)
CACHE_VERSION = 3
CACHE = f"kamtibmas-field-v{CACHE_VERSION}"
ENTRY_MAX_BYTES = 64 * 1024
NOTE_MAX = 2000
NOTES_MAX = 10_000
#: The field home lists dialogues from this long ago to this far ahead.
HOME_PAST = timedelta(days=14)
HOME_AHEAD = timedelta(days=7)
HOME_MAX = 50
#: How long a phone keeps a downloaded household list: the day of a dialogue. The
#: page deletes it after this (unless a check while online found it unchanged, which
#: keeps it that long again), so names and addresses do not stay on a lost phone.
HOUSEHOLDS_KEPT = timedelta(hours=24)
#: How far ahead of the server's clock a phone's clock may run.
CLOCK_SLACK = timedelta(minutes=10)
#: Changes when the household lookup's shape changes (part of its version).
HOUSEHOLDS_SHAPE = 1


#: ``staff_required``, then only ``FIELD_ROLES`` (403 else).
field_staff_required = staff_roles_required(FIELD_ROLES)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _dialogue(request: HttpRequest, pk: int) -> Dialogue:
    """A dialogue the user's units organise: 404 outside the scope, 403 when seen but
    organised elsewhere."""
    return selectors.dialogue_get_for_change(user=request.user, pk=pk)


# ---- the installable app -----------------------------------------------------------


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The Web App Manifest. Public (browsers fetch it without cookies), no data."""
    home = reverse("web:field-home")
    data = {
        "name": "Kamtibmas Lapangan",
        "short_name": "Kamtibmas",
        "description": "Catat dialog, aspirasi warga dan pemeriksaan tanpa sinyal.",
        "lang": "id",
        "dir": "ltr",
        "id": home,
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#3d2b1f",
        "icons": [
            {
                "src": static("kamtibmas/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def worker(request: HttpRequest) -> HttpResponse:
    return service_worker(
        request,
        cache_prefix="kamtibmas-field-",
        cache_version=CACHE_VERSION,  # CACHE, which the pages fill
        shell_pattern=r"^\/staff\/field\/(dialogues\/\d+\/)?$",
    )


@field_staff_required
@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The app's start page: the dialogues of the last two weeks and the next week
    that the user's units organise."""
    user = _user(request)
    today = local_today(getattr(user.unit, "area", None) if user.unit else None)
    dialogues = (
        selectors.dialogue_list(
            user=user, filters=DialogueFilter(start=today - HOME_PAST, end=today + HOME_AHEAD)
        )
        .filter(scope_for(user).unit_q("unit"))
        .exclude(status=DialogueStatus.CANCELLED)
        .select_related("area__village")[:HOME_MAX]
    )
    response = render(
        request,
        "web/staff/field/home.html",
        {
            "rows": [(d, place_label(d.area)) for d in dialogues],
            "urls": _app_urls(),
            "cache": CACHE,
        },
    )
    return no_store(response)


def _app_urls() -> dict[str, str]:
    return {
        "manifest": reverse("web:field-manifest"),
        "worker": reverse("web:field-worker"),
    }


# ---- the field page of a dialogue --------------------------------------------------


def _texts() -> dict[str, str]:
    """What the page's script says, in the officer's language."""
    return {
        "online": _("Online: entries are sent as they are recorded."),
        "offline": _("No connection: entries wait on this phone and are sent later."),
        "referenceState": _("Lists of %(when)s on this phone."),
        "referenceNeeded": _("Open this page once with a connection to download the lists."),
        "referenceFailed": _("The lists could not be downloaded: %(reason)s"),
        "noConnection": _("no connection"),
        "signIn": _("Sign in again; the waiting entries are kept and sent afterwards."),
        "waiting": _("Waiting to be sent"),
        "sent": _("Sent"),
        "rejected": _("Not recorded: %(reason)s"),
        "fix": _("Correct and send again"),
        "discard": _("Remove"),
        "queueSummary": _("%(waiting)s waiting, %(sent)s sent, %(rejected)s not recorded."),
        "recorded": _("Recorded on this phone. It is sent when there is a connection."),
        "kindAspiration": _("Aspiration"),
        "kindAttendance": _("Attendance"),
        "kindInspection": _("Inspection"),
        "attendanceLabel": _(
            "%(residents)s residents, %(leaders)s community leaders, %(children)s children"
        ),
        "inspectionLabel": _("%(checked)s items checked, %(problems)s problems"),
        "textNeeded": _("Write what the resident raised."),
        "anonymousNote": _("Anonymous: no name or phone number is kept."),
        "wholePlace": _("The dialogue's own place"),
        "anyRt": _("No RT"),
        "letKamtibmas": _("Not sure: let Kamtibmas suggest one"),
        "notChecked": _("Not checked"),
        "noteOn": _("Note on “%(item)s”"),
        "recordedAt": _("recorded %(time)s"),
        "kindLoss": _("Loss report"),
        "lossNeeded": _("Give the date of the loss and tick at least one lost document."),
        "householdsState": _("%(count)s households of %(place)s on this phone, from %(when)s."),
        "householdsNeeded": _("Download the households while you have a connection."),
        "householdsFailed": _("The households could not be downloaded: %(reason)s"),
        "householdNotFound": _("No household with this KK number in the list."),
        "householdNoMatch": _("No household in the list matches."),
        "householdSearch": _("Type the 16 digits of a KK number or part of a name."),
        "useForLoss": _("Use for the loss report"),
        "useForAspiration": _("Use for the aspiration"),
    }


@field_staff_required
@never_cache
@require_GET
def page(request: HttpRequest, pk: int) -> HttpResponse:
    """The shell of the field page: texts, addresses and the reference version."""
    dialogue = _dialogue(request, pk)
    zone = resolve_zone(dialogue.area)
    here = [dialogue.pk]
    units = recording_units(_user(request))
    initial = {"unit": dialogue.unit_id} if units.filter(pk=dialogue.unit_id).exists() else {}
    context = {
        "dialogue": dialogue,
        "village": _village(dialogue),
        "loss_form": LossReportForm(units=units, initial=initial, auto_id="loss-%s"),
        "place": place_label(dialogue.area),
        "zone": zone.value,
        "zone_label": zone.label,
        "version": field_reference(dialogue)["version"],
        "cache": CACHE,
        "texts": _texts(),
        "urls": {
            **_app_urls(),
            "home": reverse("web:field-home"),
            "reference": reverse("web:field-reference", args=here),
            "sync": reverse("web:field-sync", args=here),
            "aspiration": reverse("web:field-aspiration", args=here),
            "attendance": reverse("web:field-attendance", args=here),
            "inspection": reverse("web:field-inspection", args=here),
            "loss": reverse("web:field-loss-report", args=here),
            "households": reverse("web:field-households", args=here),
            "dialogue": reverse("web:dialogue", args=here),
        },
    }
    return no_store(render(request, "web/staff/field/page.html", context))


def _number(area: Area) -> int:
    return int(area.code.rsplit(".", 1)[-1])


def _village(dialogue: Dialogue) -> Area:
    """The kelurahan of the dialogue (its own area when it lies higher)."""
    return dialogue.area.village or dialogue.area


def field_reference(dialogue: Dialogue) -> dict[str, Any]:
    """What the forms of the field page choose from, with a version that changes
    whenever any of it does (a new RT, a checklist item, another language). Nobody's
    personal data: the households are a download of their own (``households``)."""
    village = _village(dialogue)
    places: list[dict[str, Any]] = []
    if village.level == AreaLevel.VILLAGE:
        rts: dict[str, list[int]] = {}
        for rt in Area.objects.filter(level=AreaLevel.RT, village=village).only("code"):
            rts.setdefault(rt.code.rsplit(".", 1)[0], []).append(_number(rt))
        for rw in Area.objects.filter(level=AreaLevel.RW, village=village).order_by("code"):
            places.append({"rw": _number(rw), "rts": sorted(rts.get(rw.code, []))})
    data: dict[str, Any] = {
        "places": places,
        "categories": [[code, str(label)] for code, label in Category.choices],
        "urgencies": [[code, str(label)] for code, label in Urgency.choices],
        "privacy": [[code, str(label)] for code, label in Privacy.choices],
        "privacy_default": Privacy.CONFIDENTIAL.value,
        "results": [[code, str(label)] for code, label in FindingResult.choices],
        "attendance": {
            "residents": dialogue.residents_count,
            "leaders": dialogue.leaders_count,
            "children": dialogue.children_count,
        },
        "checklist": [
            {"code": item.code, "name": item.name}
            for item in InspectionItem.objects.filter(is_active=True).order_by("position", "code")
        ],
    }
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    data["version"] = hashlib.sha256(canonical).hexdigest()[:16]
    data["generated"] = format_local(timezone.now(), zone=dialogue.area)
    return data


@field_staff_required
@never_cache
@require_GET
def reference(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue(request, pk)
    return no_store(JsonResponse(field_reference(dialogue)))


def _rw(village: Area, raw: str) -> Area | None:
    """The RW ``raw`` (its number) of the kelurahan; ``None`` for none; ``ValueError``
    for anything else."""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 3:
        raise ValueError(raw)
    rw = Area.objects.filter(
        level=AreaLevel.RW, village=village, code=f"{village.code}.{int(raw):03d}"
    ).first()
    if rw is None:
        raise ValueError(raw)
    return rw


def _household_numbers(area: Area) -> tuple[int | None, int | None]:
    """(RW, RT) of a household's address, as deep as it is known."""
    if area.level == AreaLevel.RT:
        return (_number(area.parent), _number(area)) if area.parent else (None, _number(area))
    if area.level == AreaLevel.RW:
        return _number(area), None
    return None, None


@field_staff_required
@never_cache
@require_GET
def households(request: HttpRequest, pk: int) -> HttpResponse:
    """The household lookup of the dialogue's kelurahan (``?rw=`` narrows it to an
    RW) for recording a resident: the head's name, address and RT/RW, and a salted
    digest of the KK number, never the number (``aid.offline.households_for_phone``:
    capped, audited). ``?have=<version>``: when the phone's copy is still current,
    only ``{"version", "unchanged": true}``, without anybody's data and unaudited."""
    user = _user(request)
    dialogue = _dialogue(request, pk)
    village = _village(dialogue)
    try:
        rw = _rw(village, request.GET.get("rw", ""))
    except ValueError:
        return entry_answer("rejected", _("Choose an RW of the kelurahan."), INVALID)
    chosen = visible_to(
        Household.objects.filter(within_q([rw or village], "area__")), user
    ).select_related("area__parent")
    rows = chosen.order_by("pk").values_list("pk", "area_id", "updated_at")
    canonical = json.dumps([HOUSEHOLDS_SHAPE, *[list(map(str, row)) for row in rows]])
    version = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    keep_until = (timezone.now() + HOUSEHOLDS_KEPT).isoformat(timespec="seconds")
    if request.GET.get("have") == version:
        return no_store(
            JsonResponse({"version": version, "unchanged": True, "keep_until": keep_until})
        )
    try:
        listed = households_for_phone(
            actor=user,
            households=chosen,
            reason="field app: household lookup",
            fields=("head_name", "address"),
        )
    except ValidationError as error:
        return entry_answer("rejected", " ".join(error.messages), REJECTED)
    entries = []
    for household in listed.households:
        number_rw, number_rt = _household_numbers(household.area)
        entries.append(
            {
                **listed.entry(household),
                "rw": number_rw,
                "rt": number_rt,
                "address": household.address or "",
            }
        )
    data = {
        "version": version,
        "rw": _number(rw) if rw else None,
        "place": rw.name if rw else village.name,
        "kelurahan": village.name,
        "salt": listed.salt,
        "generated": format_local(timezone.now(), zone=dialogue.area),
        "keep_until": keep_until,
        "households": entries,
    }
    return no_store(JsonResponse(data))


@field_staff_required
@never_cache
@require_GET
def sync_token(request: HttpRequest, pk: int) -> HttpResponse:
    """A fresh CSRF token for the page (its cached copy's may be stale)."""
    _dialogue(request, pk)
    return entry_answer("ready", "", 200, csrf=get_token(request))


# ---- the entries -------------------------------------------------------------------


def _parse(request: HttpRequest) -> dict[str, Any]:
    return entry_json(request, max_bytes=ENTRY_MAX_BYTES)


def _form_data(entry: dict[str, Any], names: list[str]) -> dict[str, str]:
    """The entry's fields as a form would receive them; anything but text, a whole
    number or nothing is refused."""
    data: dict[str, str] = {}
    for name in names:
        value = entry.get(name)
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(_("The entry is not readable JSON."), code="shape")
        data[name] = str(value)
    return data


def _refusal(form: forms.Form, more: list[str] | None = None) -> ValidationError:
    """The form's errors as one ``ValidationError``, each named by its field."""
    reasons = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        text = " ".join(str(e) for e in errors)
        reasons.append(f"{label}: {text}" if label else text)
    return ValidationError(reasons + (more or []))


def _valid(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or its errors as one ``ValidationError``."""
    if form.is_valid():
        return form.cleaned_data
    raise _refusal(form)


def _refuse_cancelled(dialogue: Dialogue) -> None:
    if dialogue.status == DialogueStatus.CANCELLED:
        raise ValidationError(_("This dialogue was cancelled."), code="cancelled")


def _entry_view(
    record: Callable[[User, Dialogue, dict[str, Any]], dict[str, Any]], kind: str
) -> View:
    @field_staff_required
    @never_cache
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user = _user(request)
        dialogue = _dialogue(request, pk)
        return entry_record_once(
            request,
            scope=f"web:field:{kind}",
            parse=_parse,
            record=lambda entry: record(user, dialogue, entry),
        )

    view.__name__ = f"{kind}_entry"
    return view


def _aspiration(user: User, dialogue: Dialogue, entry: dict[str, Any]) -> dict[str, Any]:
    _refuse_cancelled(dialogue)
    names = list(DialogueAspirationForm.base_fields)
    data = _valid(DialogueAspirationForm(_form_data(entry, names)))
    submitted = dialogue_aspiration_record(actor=user, dialogue=dialogue, data=data)
    case = submitted.aspiration
    return {
        "state": "sent",
        "message": _("Case %(number)s. Receipt code for the resident: %(code)s")
        % {"number": case.number, "code": submitted.receipt_code},
        "case": case.number,
    }


def _attendance(user: User, dialogue: Dialogue, entry: dict[str, Any]) -> dict[str, Any]:
    data = _valid(AttendanceForm(_form_data(entry, ["residents", "leaders", "children"])))
    dialogue = dialogue_set_attendance(dialogue=dialogue, **data)
    return {
        "state": "sent",
        "message": _(
            "Attendance saved: %(residents)s residents, %(leaders)s community leaders, "
            "%(children)s children."
        )
        % {
            "residents": dialogue.residents_count,
            "leaders": dialogue.leaders_count,
            "children": dialogue.children_count,
        },
    }


def _moment(value: Any) -> datetime:
    """An ISO instant with its offset, not in the future; ``ValidationError`` else."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if not isinstance(value, str) or moment is None or timezone.is_naive(moment):
        raise ValidationError(_("The entry has no time."), code="time")
    if moment > timezone.now() + CLOCK_SLACK:
        raise ValidationError(_("The inspection cannot lie in the future."), code="future")
    return moment


def _findings(value: Any) -> list[FindingInput]:
    if not isinstance(value, list):
        raise ValidationError(_("The entry is not readable JSON."), code="shape")
    items = {item.code: item for item in InspectionItem.objects.filter(is_active=True)}
    findings = []
    for row in value:
        if not isinstance(row, dict):
            raise ValidationError(_("The entry is not readable JSON."), code="shape")
        item = items.get(str(row.get("item")))
        if item is None:
            raise ValidationError(
                _("This checklist item is not in use any more: download the lists again."),
                code="item",
            )
        result, note = row.get("result"), row.get("note", "")
        if result not in FindingResult.values:
            raise ValidationError(
                _("Choose OK, a problem or not applicable for “%(item)s”.") % {"item": item.name},
                code="result",
            )
        if not isinstance(note, str) or len(note) > NOTE_MAX:
            raise ValidationError(
                _("The note on “%(item)s” is too long.") % {"item": item.name}, code="note"
            )
        findings.append(FindingInput(item=item, result=result, note=note))
    return findings


def _inspection(user: User, dialogue: Dialogue, entry: dict[str, Any]) -> dict[str, Any]:
    _refuse_cancelled(dialogue)
    inspected_at = _moment(entry.get("inspected_at"))
    findings = _findings(entry.get("findings"))
    notes = entry.get("notes", "")
    if not isinstance(notes, str) or len(notes) > NOTES_MAX:
        raise ValidationError(_("The general notes are too long."), code="notes")
    inspection_record(
        actor=user, dialogue=dialogue, inspected_at=inspected_at, findings=findings, notes=notes
    )
    problems = sum(1 for f in findings if f.result == FindingResult.PROBLEM)
    return {
        "state": "sent",
        "message": _(
            "Inspection of %(when)s saved: %(checked)s items checked, %(problems)s problems."
        )
        % {
            "when": format_local(inspected_at, zone=dialogue.area),
            "checked": len(findings),
            "problems": problems,
        },
    }


def _texts_only(entry: dict[str, Any]) -> dict[str, str]:
    """The entry as a form receives it (``FormData`` of the page's form): every value
    text, or the entry is refused."""
    if not all(isinstance(value, str) for value in entry.values()):
        raise ValidationError(_("The entry is not readable JSON."), code="shape")
    return entry


def _loss_report(user: User, dialogue: Dialogue, entry: dict[str, Any]) -> dict[str, Any]:
    """A loss report started on a resident's behalf at the dialogue: the online
    start's form and service (``web.certificates_staff``)."""
    if dialogue.status == DialogueStatus.CANCELLED:
        raise ValidationError(_("A cancelled dialogue cannot take loss reports."), code="cancelled")
    form = LossReportForm(_texts_only(entry), units=recording_units(user))
    _valid(form)
    try:
        report = loss_report_from_form(user, form, dialogue)
    except ValidationError as error:
        form.service_error(error)
        raise _refusal(form, form.item_errors) from error
    return {
        "state": "sent",
        "message": started_message(report),
        "reference": report.reference,
    }


aspiration_entry = _entry_view(_aspiration, "aspiration")
loss_report_entry = _entry_view(_loss_report, "loss-report")
attendance_entry = _entry_view(_attendance, "attendance")
inspection_entry = _entry_view(_inspection, "inspection")

ONE = "staff/field/dialogues/<int:pk>/"

urlpatterns: list[URLPattern] = [
    path("staff/field/", home, name="field-home"),
    path("staff/field/manifest.webmanifest", manifest, name="field-manifest"),
    path("staff/field/sw.js", worker, name="field-worker"),
    path(ONE, page, name="field"),
    path(f"{ONE}reference.json", reference, name="field-reference"),
    path(f"{ONE}sync", sync_token, name="field-sync"),
    path(f"{ONE}aspirations", aspiration_entry, name="field-aspiration"),
    path(f"{ONE}attendance", attendance_entry, name="field-attendance"),
    path(f"{ONE}inspection", inspection_entry, name="field-inspection"),
    path(f"{ONE}loss-reports", loss_report_entry, name="field-loss-report"),
    path(f"{ONE}households.json", households, name="field-households"),
]
