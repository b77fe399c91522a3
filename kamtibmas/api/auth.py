"""Who may call the staff API: the holder of a per-user API token (SECURITY.md 11)
who is active staff. Residents are refused (403) even with a valid token, except on
the few operations declared with ``StaffToken(residents=True)`` (a resident submitting
their own aspiration); which records a caller then sees is decided per request by
``core.scope``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from kamtibmas.accounts.models import Role
from kamtibmas.accounts.services import api_token_authenticate


class StaffToken(HttpBearer):
    """``Authorization: Bearer kmt_…``. A missing, unknown or revoked token is 401.

    ``residents=True`` also admits residents' tokens. It is the same token and the same
    scheme in the OpenAPI document; the operation's description says who may call it.
    """

    def __init__(self, *, residents: bool = False) -> None:
        super().__init__()
        self.residents = residents

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token.strip())
        if user is None:
            return None
        if not user.may_use_staff_area and not (self.residents and user.role == Role.RESIDENT):
            raise AuthorizationError
        # Code that reads ``request.user`` (logging, audit) sees the token's owner.
        request.user = user
        return user
