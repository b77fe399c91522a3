from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kamtibmas.core.admin import ScopedAdmin
from kamtibmas.reports.models import Report


@admin.register(Report)
class ReportAdmin(ScopedAdmin):
    """Read-only: reports are asked for on the staff pages and made by the worker; the
    file is downloaded there (audited), not here."""

    list_display = ("kind", "unit", "month", "dialogue", "status", "requested_by", "created_at")
    list_filter = ("kind", "status")
    exclude = ("file",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
