"""Who may call the staff API: the holder of a per-user API token (SECURITY.md 11)
who is active staff. Residents are refused (403) even with a valid token, except on
the few operations declared with ``StaffToken(residents=True)`` (a resident submitting
their own aspiration); which records a caller then sees is decided per request by
``core.scope``.

A token also has an expiry (past it: 401) and scopes (docs/decisions/026): ``read``
for the safe methods, ``write`` for every change, ``intake`` for submitting aspirations
and loss reports only. An operation its token's scopes do not allow answers 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from kamtibmas.accounts.models import Role, TokenScope
from kamtibmas.accounts.services import api_token_allows, api_token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The operations (URL names, POST) that the ``intake`` scope allows.
INTAKE_OPERATIONS = frozenset({"AspirationCreate", "LossReportCreate"})


def operation_scope(request: HttpRequest) -> TokenScope:
    """The scope the operation ``request`` calls needs."""
    if request.method in SAFE_METHODS:
        return TokenScope.READ
    match = request.resolver_match
    if request.method == "POST" and match is not None and match.url_name in INTAKE_OPERATIONS:
        return TokenScope.INTAKE
    return TokenScope.WRITE


class StaffToken(HttpBearer):
    """``Authorization: Bearer kmt_…``. A missing, unknown, expired or revoked token is
    401; a token without the operation's scope is 403.

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
        if not api_token_allows(user.api_token_scopes, operation_scope(request)):
            raise AuthorizationError
        # Code that reads ``request.user`` (logging, audit) sees the token's owner.
        request.user = user
        return user
