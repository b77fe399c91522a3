"""Public pages of dialogues: /events/, one event, the iCalendar feed, QR check-in;
and the staff page that shows a dialogue's check-in QR at the venue.

Public pages read announced dialogues only (``dialogue_public_*``) and show no
personal data: the organising unit, never the attendees, their phones or the minutes.
The check-in pages hold a secret code in their URL and a form for personal data, so
they are never cached and never indexed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from kamtibmas.engagements.ical import CalendarEntry, calendar_build, dialogue_entry
from kamtibmas.engagements.models import AttendeeGroup, AttendeeSource, Dialogue, DialogueStatus
from kamtibmas.engagements.qr import qr_svg
from kamtibmas.engagements.selectors import (
    PublicPlace,
    dialogue_get,
    dialogue_public_calendar,
    dialogue_public_get,
    dialogue_public_list,
    dialogue_public_places,
    dialogue_public_version,
    dialogues_public_version,
    public_area_from_code,
)
from kamtibmas.engagements.services import (
    CHECKIN_CODE_MINUTES,
    checkin_code_issue,
    checkin_code_resolve,
    checkin_submit,
)
from kamtibmas.surveys.services import survey_token
from kamtibmas.web.decorators import staff_required
from kamtibmas.web.pagecache import page_cached

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendar apps poll the feed; a few minutes of caching spares the database.
ICS_MAX_AGE = 15 * 60

DEVICE_COOKIE = "kamtibmas_device"
DEVICE_COOKIE_AGE = 365 * 24 * 60 * 60
DEVICE_KEY_BYTES = 16  # 128 bits (SECURITY.md 11)
DEVICE_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")
CHECKIN_RAW_MAX_LENGTH = 64

# Why a check-in code is refused, and the status that says so.
CHECKIN_REFUSAL_STATUS = {"unknown_code": 404, "expired_code": 410, "cancelled": 410}
# Which form field a refusal of ``checkin_submit`` belongs to (None: the whole form).
CHECKIN_ERROR_FIELD = {
    "consent_required": "consent",
    "name_required": "name",
    "duplicate_phone": "phone",
    "invalid": "phone",
    "country": "phone",
}


# Helpers ---------------------------------------------------------------------------


def _host(request: HttpRequest) -> str:
    """This site's host name for UIDs: ``KAMTIBMAS_SITE_DOMAIN`` when set, so that a
    site reached under several names publishes one set of UIDs; else the request's."""
    configured: str = settings.KAMTIBMAS_SITE_DOMAIN
    return configured or urlsplit(f"//{request.get_host()}").hostname or "localhost"


def _with_places(dialogues: list[Dialogue]) -> list[tuple[Dialogue, PublicPlace]]:
    places = dialogue_public_places(dialogues)
    return [(dialogue, places[dialogue.area_id]) for dialogue in dialogues]


def _calendar_response(
    request: HttpRequest, body: bytes, *, filename: str, disposition: str = "inline"
) -> HttpResponse:
    """``body`` as ``text/calendar``, answering ``If-None-Match`` with 304.

    The feed is ``inline`` (calendar apps subscribe to it); one event is an
    ``attachment``, which phones offer to add to their calendar.
    """
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    conditional = get_conditional_response(request, etag=etag)
    if conditional is not None:
        patch_cache_control(conditional, public=True, max_age=ICS_MAX_AGE)
        return conditional
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["ETag"] = etag
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    patch_cache_control(response, public=True, max_age=ICS_MAX_AGE)
    return response


# Public list, page and calendars ----------------------------------------------------


@require_safe
@page_cached(version=dialogues_public_version, params=("area",))
def events_list(request: HttpRequest) -> HttpResponse:
    """``?area=32.75`` narrows the list (and the feed it offers) to one area."""
    area = public_area_from_code(request.GET.get("area"))
    upcoming, recent = dialogue_public_list(area=area)
    places = dialogue_public_places([*upcoming, *recent])
    feed_path = reverse("web:events-ics") + (f"?area={area.code}" if area else "")
    return render(
        request,
        "web/events/list.html",
        {
            "upcoming": [(dialogue, places[dialogue.area_id]) for dialogue in upcoming],
            "recent": [(dialogue, places[dialogue.area_id]) for dialogue in recent],
            "feed_url": request.build_absolute_uri(feed_path),
            "subscribe_url": f"webcal://{request.get_host()}{feed_path}",
            "area": area,
        },
    )


@require_safe
@page_cached(version=dialogue_public_version)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = dialogue_public_get(pk=pk)
    (place,) = dialogue_public_places([dialogue]).values()
    return render(
        request,
        "web/events/detail.html",
        {
            "dialogue": dialogue,
            "place": place,
            "is_cancelled": dialogue.status == DialogueStatus.CANCELLED,
            "is_held": dialogue.status == DialogueStatus.HELD,
            "topics": [delivered.topic for delivered in dialogue.topics.all()],
            "officials": list(dialogue.officials.all()),
        },
    )


def _entries(request: HttpRequest, dialogues: list[Dialogue]) -> list[CalendarEntry]:
    host = _host(request)
    return [
        dialogue_entry(
            dialogue,
            host=host,
            url=request.build_absolute_uri(reverse("web:event", args=[dialogue.pk])),
            place=str(place),
        )
        for dialogue, place in _with_places(dialogues)
    ]


@require_safe
def events_ics(request: HttpRequest) -> HttpResponse:
    """The subscribable feed of announced dialogues, coming and recent (``?area=``)."""
    area = public_area_from_code(request.GET.get("area"))
    body = calendar_build(
        _entries(request, dialogue_public_calendar(area=area)),
        name=_("Kamtibmas dialogues"),
        uid=f"dialogues@{_host(request)}",
        description=_("Dialogues between residents and their police, announced publicly."),
    )
    return _calendar_response(request, body, filename="kamtibmas-dialogues.ics")


@require_safe
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One dialogue as a calendar file to add to a phone's calendar."""
    dialogue = dialogue_public_get(pk=pk)
    body = calendar_build(
        _entries(request, [dialogue]),
        name=dialogue.title,
        uid=f"dialogue-calendar-{dialogue.pk}@{_host(request)}",
    )
    return _calendar_response(
        request, body, filename=f"kamtibmas-dialogue-{dialogue.pk}.ics", disposition="attachment"
    )


# QR self check-in -------------------------------------------------------------------


class CheckInForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=120)
    group = forms.ChoiceField(
        label=gettext_lazy("You come as"),
        choices=AttendeeGroup.choices,
        initial=AttendeeGroup.RESIDENT,
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone number (optional)"), max_length=20, required=False
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I agree that my name is put on the attendance list of this dialogue."),
        required=False,
    )


def device_key_of(request: HttpRequest) -> tuple[str, bool]:
    """The browser's device key from its cookie, or a new one; and whether it is new."""
    key = request.COOKIES.get(DEVICE_COOKIE, "")
    if DEVICE_KEY_PATTERN.fullmatch(key):
        return key, False
    return secrets.token_urlsafe(DEVICE_KEY_BYTES), True


def device_remember(request: HttpRequest, response: HttpResponse, key: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        key,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def _checkin_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    # The URL holds the code; search engines have no business keeping it.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _checkin_refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return _checkin_page(
        request,
        "web/events/checkin_refused.html",
        {"reasons": error.messages},
        status=CHECKIN_REFUSAL_STATUS.get(str(error.code), 400),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkin(request: HttpRequest, raw: str) -> HttpResponse:
    """The page a resident's phone opens from the QR code: a short form, then thanks.

    The same browser checking in twice is counted once (its ``kamtibmas_device``
    cookie); an unknown code answers 404, an expired one or a cancelled dialogue 410.
    """
    try:
        if len(raw) > CHECKIN_RAW_MAX_LENGTH:
            raise ValidationError(_("This check-in code is not valid."), code="unknown_code")
        code = checkin_code_resolve(raw)
    except ValidationError as error:
        return _checkin_refused(request, error)
    dialogue = code.dialogue
    device_key, new_device = device_key_of(request)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    status = 200
    response: HttpResponse | None = None
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                _attendee, is_new = checkin_submit(
                    raw_code=raw,
                    device_key=device_key,
                    name=form.cleaned_data["name"],
                    group=form.cleaned_data["group"],
                    phone=form.cleaned_data["phone"],
                    consent=form.cleaned_data["consent"],
                )
            except ValidationError as error:
                if error.code in CHECKIN_REFUSAL_STATUS:  # expired while the form was filled
                    return _checkin_refused(request, error)
                form.add_error(CHECKIN_ERROR_FIELD.get(str(error.code)), error)
            else:
                response = _checkin_page(
                    request,
                    "web/events/checkin_done.html",
                    {
                        "dialogue": dialogue,
                        "is_new": is_new,
                        "survey_url": reverse("web:survey", args=[survey_token(dialogue)]),
                    },
                )
    if response is None:
        (place,) = dialogue_public_places([dialogue]).values()
        response = _checkin_page(
            request,
            "web/events/checkin.html",
            {"dialogue": dialogue, "place": place, "form": form},
            status=status,
        )
    if new_device:
        device_remember(request, response, device_key)
    return response


# Staff: the QR shown at the venue ----------------------------------------------------


@staff_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def dialogue_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: a button to show a check-in QR; POST: a fresh code, valid 30 minutes."""
    dialogue = dialogue_get(user=request.user, pk=pk)
    context: dict[str, Any] = {"dialogue": dialogue, "minutes": CHECKIN_CODE_MINUTES}
    status = 200
    if request.method == "POST":
        try:
            issued = checkin_code_issue(
                actor=request.user,  # type: ignore[arg-type]
                dialogue=dialogue,
                minutes=CHECKIN_CODE_MINUTES,
            )
        except ValidationError as error:
            context["errors"] = error.messages
            status = 400
        else:
            url = request.build_absolute_uri(reverse("web:checkin", args=[issued.raw]))
            context.update(
                checkin_url=url,
                expires_at=issued.code.expires_at,
                # qr_svg escapes the title and encodes the URL as module paths only.
                qr=mark_safe(qr_svg(url, title=_("Check-in QR code"))),  # noqa: S308
            )
    context["checked_in"] = sum(
        1 for attendee in dialogue.attendees.all() if attendee.source == AttendeeSource.CHECK_IN
    )
    response = render(request, "web/events/qr.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns: list[URLPattern] = [
    path("events/", events_list, name="events"),
    path("events.ics", events_ics, name="events-ics"),
    path("events/<int:pk>/", event_detail, name="event"),
    path("events/<int:pk>.ics", event_ics, name="event-ics"),
    path("checkin/<str:raw>/", checkin, name="checkin"),
    path("staff/dialogues/<int:pk>/qr/", dialogue_qr, name="dialogue-qr"),
]
