"""Admin for the maintained lists (administrators) and a scoped, read-only view of
dialogues. Dialogues are planned and recorded on the staff pages, which go through
the services; the admin does not write them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kamtibmas.core.admin import ScopedAdmin
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueOfficial,
    DialogueType,
    FollowUp,
    InspectionItem,
    OutreachTopic,
    TopicDelivered,
)


class CatalogueAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "name_en", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["code", "name_id", "name_en"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire entries (is_active) so old records keep their meaning


@admin.register(DialogueType)
class DialogueTypeAdmin(CatalogueAdmin):
    list_display = [*CatalogueAdmin.list_display, "is_public_by_default"]


@admin.register(OutreachTopic)
class OutreachTopicAdmin(CatalogueAdmin):
    pass


@admin.register(InspectionItem)
class InspectionItemAdmin(CatalogueAdmin):
    pass


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OfficialInline(ReadOnlyInline):
    model = DialogueOfficial
    fields = ["position", "institution", "name"]


class TopicInline(ReadOnlyInline):
    model = TopicDelivered
    fields = ["topic", "notes"]


@admin.register(Dialogue)
class DialogueAdmin(ScopedAdmin):
    list_display = ["title", "type", "status", "planned_start", "area", "unit"]
    list_filter = ["status", "type"]
    search_fields = ["title", "venue_name"]
    date_hierarchy = "planned_start"
    inlines = [OfficialInline, TopicInline]
    list_select_related = ["type", "area", "unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdmin):
    list_display = ["title", "dialogue", "owner", "due_date", "status"]
    list_filter = ["status"]
    list_select_related = ["dialogue", "owner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
