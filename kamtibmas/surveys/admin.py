from django.contrib import admin
from django.http import HttpRequest

from kamtibmas.surveys.models import SurveyQuestion


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "text_id", "kind", "is_active", "position")
    list_filter = ("kind", "is_active")
    ordering = ("position", "code")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # retire a question instead: old answers keep their meaning
