"""Admin classes scoped exactly like every other read (``core.scope``)."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from kamtibmas.areas.models import Unit
from kamtibmas.core.scope import visible_to
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record


class KamtibmasAdminSite(admin.AdminSite):
    """The admin site. A signed-in user without admin access gets 403 (SECURITY.md 8)
    instead of the admin's login form; anonymous visitors still go to that form."""

    site_title = "Kamtibmas"
    site_header = "Kamtibmas"

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)


class ScopedAdmin(admin.ModelAdmin):
    """Lists, change pages and foreign-key choices only show what the user may see.

    A record outside the user's scope is absent from the queryset; its change,
    delete and history pages answer 404 (the admin's default would redirect with a
    "doesn't exist" message, which §2 does not allow).
    """

    #: Fields holding personal data: showing them on a change page writes an audit row.
    personal_fields: tuple[str, ...] = ()

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if change and obj is not None and self.personal_fields:
            audit_record(
                actor=request.user,
                action=AuditAction.READ,
                subject=obj,
                fields=self.personal_fields,
                reason="Opened in the admin",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return visible_to(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.related_model is Unit:
            kwargs["queryset"] = visible_to(Unit.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
