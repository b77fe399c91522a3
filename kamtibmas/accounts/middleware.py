"""Signed-in sessions (SECURITY.md 10): 12 hours after sign-in at most, 30 minutes
without a request at most, dead once the user is disabled, and a staff session
reaches no page but the second-factor ones until its second factor passed. The admin's
own login form leads to ours, which is throttled and asks for the second factor.

The last request's time is written at most once a minute: writing the session on
every request (``SESSION_SAVE_EVERY_REQUEST``) would cost a database write per page.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

SIGNED_IN_KEY = "kamtibmas_signed_in_at"
SEEN_KEY = "kamtibmas_seen_at"
# Seconds between two writes of SEEN_KEY: the idle limit is kept to within this.
SEEN_WRITE_SECONDS = 60
# Machine interfaces authenticate each request by token, never by session.
MACHINE_PREFIXES = ("/api/", "/open311/")


def session_start(request: HttpRequest) -> None:
    """Start the clocks of a session that was just signed in; it ends 12 hours on."""
    now = int(time.time())
    request.session[SIGNED_IN_KEY] = now
    request.session[SEEN_KEY] = now
    request.session.set_expiry(settings.SESSION_COOKIE_AGE)


def otp_required(user: Any) -> bool:
    """Whether ``user`` must pass a second factor: every staff role (and superusers
    and admin-site users without one), unless this non-production server turned it off."""
    return bool(
        settings.KAMTIBMAS_STAFF_OTP
        and user.is_authenticated
        and (user.is_staff_role or user.is_superuser or user.is_staff)
    )


def otp_verified(request: HttpRequest) -> bool:
    """Whether this session passed its second factor (``otp_login`` recorded the device).

    The device is not read again on each request (a query per staff page): removing a
    device does not end the sessions it verified; disabling the user does.
    """
    return DEVICE_ID_SESSION_KEY in request.session


def _open_to_unverified() -> tuple[str, ...]:
    return _open_to_unverified_in(get_urlconf())


@functools.lru_cache(maxsize=8)
def _open_to_unverified_in(urlconf: str | None) -> tuple[str, ...]:
    """Composed once per URLconf (a test may set its own for a request)."""
    found = [settings.STATIC_URL]
    for name in ("accounts:otp-verify", "accounts:otp-enrol", "accounts:logout", "set_language"):
        with contextlib.suppress(NoReverseMatch):
            found.append(reverse(name, urlconf=urlconf))
    return tuple(found)


def _admin_login() -> str | None:
    return _admin_login_in(get_urlconf())


@functools.lru_cache(maxsize=8)
def _admin_login_in(urlconf: str | None) -> str | None:
    try:
        return reverse("admin:login", urlconf=urlconf)
    except NoReverseMatch:  # a URLconf without the admin
        return None


def otp_pending_redirect(request: HttpRequest, user: Any) -> HttpResponse:
    """To the code page, or to enrolment for a user without a device yet."""
    from kamtibmas.accounts.selectors import otp_device_of

    target = "accounts:otp-verify" if otp_device_of(user) is not None else "accounts:otp-enrol"
    url = reverse(target)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


class AccountSessionMiddleware:
    """After the authentication and messages middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(MACHINE_PREFIXES):
            return self.get_response(request)
        if request.path_info == _admin_login():
            # The admin's own form would skip the throttle and the second factor.
            next_url = request.GET.get("next") or reverse("admin:index")
            return HttpResponseRedirect(
                reverse("accounts:login") + "?" + urlencode({"next": next_url})
            )
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            # The user was disabled or deleted (the backend refuses inactive users):
            # the session ends now, not at its expiry.
            session.flush()
            return self.get_response(request)
        now = int(time.time())
        signed_in = session.get(SIGNED_IN_KEY)
        seen = session.get(SEEN_KEY)
        if not isinstance(signed_in, int) or not isinstance(seen, int):
            session_start(request)
        elif (
            now - signed_in >= settings.SESSION_COOKIE_AGE
            or now - seen >= settings.KAMTIBMAS_SESSION_IDLE_SECONDS
        ):
            logout(request)
            messages.info(request, _("Your session has ended. Please sign in again."))
            return self.get_response(request)
        elif now - seen >= SEEN_WRITE_SECONDS:
            session[SEEN_KEY] = now
        if (
            otp_required(user)
            and not otp_verified(request)
            and not request.path_info.startswith(_open_to_unverified())
        ):
            return otp_pending_redirect(request, user)
        return self.get_response(request)
