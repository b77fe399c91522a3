"""Sign-in and the staff second factor (SECURITY.md 10, docs/decisions/026)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from kamtibmas.accounts.bruteforce import known_browser_remember, otp_counters
from kamtibmas.accounts.forms import OtpForm, SignInForm, throttled_message
from kamtibmas.accounts.middleware import otp_required, otp_verified, session_start
from kamtibmas.accounts.models import User
from kamtibmas.accounts.selectors import otp_device_of, recovery_codes_left
from kamtibmas.accounts.services import (
    otp_check,
    otp_enrol_confirm,
    otp_enrol_start,
    otp_login,
    recovery_codes_issue,
)

T = TypeVar("T")


def _next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: a safe ``next``, else the landing page."""
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return reverse(name) + "?" + urlencode({REDIRECT_FIELD_NAME: next_url})


def _signed_in(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The answer to a complete sign-in: this browser is now known to the account."""
    known_browser_remember(response, request.user.get_username(), secure=request.is_secure())
    return response


class SignInView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        auth_login(self.request, user)
        session_start(self.request)
        next_url = self.get_success_url()
        if otp_required(user):
            target = "accounts:otp-verify" if otp_device_of(user) else "accounts:otp-enrol"
            return HttpResponseRedirect(_with_next(target, next_url))
        return _signed_in(self.request, HttpResponseRedirect(next_url))

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response


def _code_tried(
    form: OtpForm, user: Any, attempt: Callable[[str], T | None]
) -> tuple[T | None, int]:
    """Try the code of a valid ``form`` with ``attempt`` unless the user's failures are
    over a limit; count a failure. Returns what ``attempt`` gave and the page's status."""
    counters = otp_counters(user)
    rule = counters.refusing()
    if rule is not None:
        form.add_error(None, throttled_message(rule))
        return None, 429
    result = attempt(form.cleaned_data["code"])
    if result is None:
        counters.fail()
        form.add_error("code", _("This code is not right. Try the newest code."))
    return result, 200


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    next_url = _next_url(request)
    if not otp_required(user) or otp_verified(request):
        return redirect(next_url)
    if otp_device_of(user) is None:
        return redirect(_with_next("accounts:otp-enrol", next_url))
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device, status = _code_tried(form, user, lambda code: otp_check(user=user, code=code))
        if device is not None:
            otp_login(request=request, device=device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(count)d is left.",
                        "You used a recovery code; %(count)d are left.",
                        left,
                    )
                    % {"count": left},
                )
            return _signed_in(request, redirect(next_url))
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": next_url}, status=status
    )


def qr_svg(text: str, title: str) -> str:
    """``text`` as a QR code, inline SVG made here (no script, no third-party asset)."""
    svg = segno.make(text, error="m").svg_inline(scale=5, title=title, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 (segno's own markup, the text is encoded in it)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    next_url = _next_url(request)
    if not otp_required(user) and otp_device_of(user) is None:
        return redirect(next_url)
    if otp_device_of(user) is not None:
        return redirect(_with_next("accounts:otp-verify", next_url))
    device = otp_enrol_start(user=user)
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        confirmed, status = _code_tried(
            form, user, lambda code: otp_enrol_confirm(user=user, code=code)
        )
        if confirmed is not None:
            otp_login(request=request, device=confirmed[0])
            response = render(
                request,
                "accounts/recovery_codes.html",
                {"codes": confirmed[1], "next": next_url, "enrolled": True},
            )
            return _signed_in(request, response)
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr": qr_svg(device.config_url, _("QR code to scan with your authenticator app")),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left; POST replaces them all and shows the new ones."""
    user = request.user
    assert isinstance(user, User)  # login_required
    if otp_device_of(user) is None:
        return redirect("accounts:otp-enrol")
    if request.method == "POST":
        codes = recovery_codes_issue(user=user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    return render(
        request, "accounts/recovery_codes.html", {"left": recovery_codes_left(user), "codes": None}
    )
