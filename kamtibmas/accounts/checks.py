"""The staff second factor is never off on a deployed server (SECURITY.md 10)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def staff_second_factor_on(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.KAMTIBMAS_STAFF_OTP:
        return []
    return [
        checks.Error(
            "KAMTIBMAS_STAFF_OTP is off: staff sign in with a password alone.",
            hint="Unset KAMTIBMAS_STAFF_OTP (it is only for a developer's machine).",
            id="kamtibmas.E026",
        )
    ]
