from django.contrib import admin

from kamtibmas.core.admin import ScopedAdmin
from kamtibmas.privacy.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdmin):
    list_display = ["created_at", "actor", "action", "subject_type", "subject_id", "reason"]
    list_filter = ["action", "subject_type"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
