"""The hand-out without a connection (issue 8 point 4; SECURITY.md 19).

An officer opens the offline hand-out page of a location while online: the page
keeps itself and its assets in the browser's cache (a service worker serves them
back when the network is gone, even after a reload) and downloads the location's
offline list (``aid.offline``) into IndexedDB, where it is kept until the list's
``keep_until`` (the end of the program's last day, at most ``OFFLINE_LIST_DAYS``
after the download) and then deleted by the page. Without a connection the officer
finds a household by KK number, card or name, sees whether it may receive, records
the hand-out with the recipient's name and signature or photo; the entry waits in
an on-device queue with the Idempotency-Key it was given when it was recorded,
before any attempt to send it (the field app's queue, ``offline-queue.js``). When
the connection returns the page sends the
queue in order to ``offline_sync``, which records each entry exactly once
(``core.idempotency``: a resent entry whose answer was lost replays the first
answer) and answers the entry's state: sent, or rejected with the reason (a
household served by another officer meanwhile, stock used up).

The page itself holds no personal data: it is a shell that the script fills from
IndexedDB. Every URL here except the service worker needs an aid role; another
unit's program is 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kamtibmas.aid.models import AidLocation, AidProgram, Household
from kamtibmas.aid.offline import OFFLINE_LIST_VERSION, offline_list
from kamtibmas.aid.services import (
    aid_handout_record,
    confirmation_from_text,
    handed_at_check,
)
from kamtibmas.core.scope import visible_to
from kamtibmas.privacy.identifiers import mask_identifier
from kamtibmas.web.aid_staff import (
    aid_staff_required,
    area_param,
    handout_dialogue,
    location_of,
    neighbourhoods,
    no_store,
    program_of,
    staff_user,
)
from kamtibmas.web.offline_sync import (
    INVALID,
    REJECTED,
    entry_answer,
    entry_json,
    entry_record_once,
    service_worker,
)

#: Bump when the page or its scripts change in a way an old cached copy must not
#: survive: the service worker then drops the old cache (2: the shared queue,
#: ``offline-queue.js``, and lists with an end).
CACHE_VERSION = 2
CACHE = f"kamtibmas-aid-offline-v{CACHE_VERSION}"
#: The largest JSON body an entry may have: a signature or a phone photo redrawn
#: small by the page (its base64), with room to spare.
SYNC_BODY_MAX = 3 * 1024 * 1024


def _texts() -> dict[str, str]:
    """What the page's script says, in the officer's language."""
    return {
        "online": _("Online: hand-outs are sent as they are recorded."),
        "offline": _("No connection: hand-outs wait on this phone and are sent later."),
        "listState": _("%(count)s households, downloaded %(when)s."),
        "listKept": _("Deleted from this phone at the end of %(day)s."),
        "listDeleted": _(
            "The list was deleted from this phone at the end of %(day)s, so that names do "
            "not stay on it. Download it again while you have a connection."
        ),
        "listFailed": _("The list could not be downloaded: %(reason)s"),
        "listNeeded": _("Download the list while you have a connection."),
        "noConnection": _("no connection"),
        "signIn": _("Sign in again; the waiting hand-outs are kept and sent afterwards."),
        "notFound": _("No household with this KK number or card in the list."),
        "notCode": _("Type the 16 digits of the KK number or the card code."),
        "noMatches": _("No household in the list matches."),
        "mayReceive": _("May receive now:"),
        "mayNot": _("May not receive:"),
        "onPhone": _("Already recorded on this phone at %(time)s."),
        "nameNeeded": _("Write the name of the person who received it."),
        "waiting": _("Waiting to be sent"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "rejected": _("Not recorded: %(reason)s"),
        "fix": _("Correct and send again"),
        "discard": _("Remove"),
        "queueSummary": _("%(waiting)s waiting, %(sent)s sent, %(rejected)s not recorded."),
        "recorded": _("Recorded on this phone. It is sent when there is a connection."),
        "scanFailed": _("The camera could not be used: type the code printed on the card."),
        "photoFailed": _("This photo could not be read."),
    }


@aid_staff_required
@never_cache
@require_GET
def offline_page(request: HttpRequest, pk: int, location_pk: int) -> HttpResponse:
    """The shell of the offline hand-out: texts and addresses, no personal data."""
    user = staff_user(request)
    program = program_of(request, pk)
    location = location_of(program, location_pk)
    here = (program.pk, location.pk)
    context = {
        "program": program,
        "location": location,
        "areas": neighbourhoods(program, user),
        "urls": {
            "list": reverse("web:aid-offline-list", args=here),
            "sync": reverse("web:aid-offline-sync", args=here),
            "worker": reverse("web:aid-offline-worker"),
            "online": reverse("web:aid-handout", args=here),
        },
        "version": OFFLINE_LIST_VERSION,
        "cache": CACHE,
        "texts": _texts(),
    }
    response = render(request, "web/staff/aid/offline.html", context)
    return no_store(response)


@aid_staff_required
@never_cache
@require_GET
def offline_list_json(request: HttpRequest, pk: int, location_pk: int) -> HttpResponse:
    """The location's offline list (``aid.offline``), narrowed by ``?area=``."""
    user = staff_user(request)
    program = program_of(request, pk)
    location = location_of(program, location_pk)
    try:
        area = area_param(request, program)
    except Http404:
        return entry_answer("rejected", _("Choose an RW or RT of the program."), INVALID)
    try:
        data = offline_list(actor=user, program=program, location=location, area=area)
    except ValidationError as error:
        return entry_answer("rejected", " ".join(error.messages), REJECTED)
    response = JsonResponse(data)
    return no_store(response)


def _entry(request: HttpRequest) -> dict[str, Any]:
    """The entry's JSON, checked for shape; ``ValueError`` with the reason."""
    data = entry_json(request, max_bytes=SYNC_BODY_MAX)
    household = data.get("household")
    children = data.get("children_present", 0)
    name = data.get("recipient_name")
    handed_at = data.get("handed_at")
    if not isinstance(household, int) or isinstance(household, bool) or household < 1:
        raise ValueError(_("The entry names no household."))
    if not isinstance(children, int) or isinstance(children, bool) or not 0 <= children <= 99:
        raise ValueError(_("Count the children present."))
    if not isinstance(name, str) or len(name) > 120:
        raise ValueError(_("Write the name of the person who received it."))
    if not isinstance(handed_at, str):
        raise ValueError(_("The entry has no time."))
    try:
        moment = datetime.fromisoformat(handed_at.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(_("The entry has no time.")) from exc
    if timezone.is_naive(moment):
        raise ValueError(_("The entry has no time."))
    confirmation = data.get("confirmation")
    picture = None
    if confirmation is not None:
        if not isinstance(confirmation, dict) or not isinstance(confirmation.get("data"), str):
            raise ValueError(_("Send a signature or a photo."))
        picture = (str(confirmation.get("kind", "")), confirmation["data"])
    return {
        "household": household,
        "children_present": children,
        "recipient_name": name,
        "handed_at": moment,
        "confirmation": picture,
    }


@aid_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def offline_sync(request: HttpRequest, pk: int, location_pk: int) -> HttpResponse:
    """GET: a fresh CSRF token for the page (its cached copy's may be stale).
    POST: record one queued entry, once per Idempotency-Key."""
    program = program_of(request, pk)
    location = location_of(program, location_pk)
    if request.method == "GET":
        return entry_answer("ready", "", 200, csrf=get_token(request))
    return _sync_entry(request, program, location)


def _sync_entry(request: HttpRequest, program: AidProgram, location: AidLocation) -> HttpResponse:
    user = staff_user(request)
    return entry_record_once(
        request,
        scope="web:aid-offline",
        parse=_entry,
        record=lambda entry: _record(user, program, location, entry),
    )


def _record(
    user: Any, program: AidProgram, location: AidLocation, entry: dict[str, Any]
) -> dict[str, Any]:
    household = visible_to(Household.objects.filter(pk=entry["household"]), user).first()
    if household is None:
        raise ValidationError(_("No household with this number in your area."))
    handed_at_check(entry["handed_at"])
    confirmation = None
    if entry["confirmation"] is not None:
        confirmation = confirmation_from_text(*entry["confirmation"])
    handout = aid_handout_record(
        actor=user,
        program=program,
        household=household,
        location=location,
        recipient_name=entry["recipient_name"],
        children_present=entry["children_present"],
        dialogue=handout_dialogue(program, location),
        at=entry["handed_at"],
        confirmation=confirmation,
    )
    return {
        "state": "sent",
        "message": _("Hand-out recorded for the household with KK %(kk)s.")
        % {"kk": mask_identifier(household.kk_number)},
        "handout": handout.pk,
    }


@require_GET
def offline_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that serves the offline pages and their assets from the
    browser's cache when the network is gone. Public: it holds no data."""
    return service_worker(
        request,
        cache_prefix="kamtibmas-aid-offline-",
        cache_version=CACHE_VERSION,  # CACHE, which the page fills
        shell_pattern=r"^\/staff\/aid\/\d+\/locations\/\d+\/offline\/$",
    )


ONE = "staff/aid/<int:pk>/locations/<int:location_pk>/offline/"

urlpatterns: list[URLPattern] = [
    path("staff/aid/offline-sw.js", offline_worker, name="aid-offline-worker"),
    path(ONE, offline_page, name="aid-offline"),
    path(f"{ONE}list.json", offline_list_json, name="aid-offline-list"),
    path(f"{ONE}sync", offline_sync, name="aid-offline-sync"),
]
