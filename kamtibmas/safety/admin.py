"""Administrators and commanders set a unit's index weights; the list is scoped."""

from django.contrib import admin

from kamtibmas.core.admin import ScopedAdmin
from kamtibmas.safety.models import SafetyWeights


@admin.register(SafetyWeights)
class SafetyWeightsAdmin(ScopedAdmin):
    list_display = [
        "unit",
        "recent",
        "repeat",
        "unresolved",
        "overdue",
        "inspection",
        "aid",
        "gap",
        "half_life_days",
    ]
    autocomplete_fields = ["unit"]
