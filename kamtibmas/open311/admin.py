"""Open311 API keys in the admin: listed, renamed, rebound to a unit, deactivated.
Keys are created with ``kamtibmas open311_key create NAME``, which prints the key
once; the admin never sees a key, only its prefix."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kamtibmas.core.admin import ScopedAdmin
from kamtibmas.open311.models import ApiKey
from kamtibmas.open311.services import api_key_deactivate


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdmin):
    list_display = ["name", "prefix", "unit", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    list_select_related = ["unit"]
    fields = ["name", "unit", "prefix", "is_active", "created_at"]
    readonly_fields = ["prefix", "created_at"]
    actions = ["deactivate_keys"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Requests posted with a key keep pointing at it; deactivate it instead.
        return False

    @admin.action(description=_("Deactivate selected keys"), permissions=["change"])
    def deactivate_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        keys = list(queryset)
        for key in keys:
            api_key_deactivate(key=key)
        self.message_user(
            request,
            ngettext("%(count)d key deactivated.", "%(count)d keys deactivated.", len(keys))
            % {"count": len(keys)},
            messages.SUCCESS,
        )
