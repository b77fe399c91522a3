"""Who may open the staff pages at all (SECURITY.md 8).

Which records a staff user sees is decided by ``kamtibmas.core.scope``; this only
keeps residents out of staff routes: anonymous visitors go to the login page, signed-in
residents get 403.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def is_staff_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.may_use_staff_area)


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def staff_roles_required(roles: Collection[str]) -> Callable[[View], View]:
    """``staff_required``, then only a user whose role is in ``roles`` (403 else)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return staff_required(wrapper)

    return decorate
