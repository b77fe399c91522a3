from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kamtibmas.accounts.bruteforce import Rule, password_counters


def throttled_message(rule: Rule) -> str:
    return ngettext(
        "Too many failed attempts. Wait %(minutes)d minute and try again.",
        "Too many failed attempts. Wait %(minutes)d minutes and try again.",
        rule.minutes,
    ) % {"minutes": rule.minutes}


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refused before the password is even checked while the
    account's or this client's failures are over a limit (``bruteforce``)."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and self.request is not None and self.cleaned_data.get("password"):
            counters = password_counters(self.request, username)
            rule = counters.refusing()
            if rule is not None:
                raise ValidationError(throttled_message(rule), code="throttled")
            try:
                return super().clean()
            except ValidationError as error:
                if error.code == "invalid_login":
                    counters.fail()
                raise
        return super().clean()


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6-digit code from your authenticator app, or a recovery code."),
    )
