"""Who may call the staff API: the holder of a per-user API token (SECURITY.md 11)
who is active staff. Residents are refused (403) even with a valid token; which
records a caller then sees is decided per request by ``core.scope``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from kamtibmas.accounts.services import api_token_authenticate


class StaffToken(HttpBearer):
    """``Authorization: Bearer kmt_…``. A missing, unknown or revoked token is 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token.strip())
        if user is None:
            return None
        if not user.may_use_staff_area:
            raise AuthorizationError
        # Code that reads ``request.user`` (logging, audit) sees the token's owner.
        request.user = user
        return user
