from django.contrib import admin

from kamtibmas.areas.models import Area, Unit
from kamtibmas.areas.services import unit_move
from kamtibmas.core.admin import ScopedAdmin


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    """The registry is public reference data: every staff user may browse all of it."""

    list_display = ["code", "name", "kind", "timezone"]
    list_filter = ["level", "timezone"]
    search_fields = ["=code", "name"]
    show_full_result_count = False
    readonly_fields = [
        "code",
        "level",
        "kind",
        "timezone",
        "parent",
        "province",
        "regency",
        "district",
        "village",
        "rw",
    ]

    def has_add_permission(self, request, obj=None):
        return False  # loaded by `kamtibmas load_areas`; RW/RT are created on demand

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["name", "kind", "parent", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["coverage", "area"]

    def save_model(self, request, obj, form, change):
        """Keep the materialised path right: adding or re-parenting goes through
        ``unit_move``, which re-paths the whole subtree."""
        new_parent = obj.parent
        if change and "parent" in form.changed_data:
            obj.parent = Unit.objects.get(pk=obj.pk).parent
        super().save_model(request, obj, form, change)
        if not change or "parent" in form.changed_data:
            unit_move(unit=obj, parent=new_parent)
