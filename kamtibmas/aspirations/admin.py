"""Admin for routing rules, response templates and SLA settings (configuration the
issue asks administrators to edit), and a scoped, read-only view of cases. Cases
are worked on the staff pages through the services; the admin never writes them."""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kamtibmas.aspirations import sla
from kamtibmas.aspirations.models import (
    Aspiration,
    ResponseTemplate,
    RoutingRule,
    SlaSetting,
    TriageCorrection,
)
from kamtibmas.core.admin import ScopedAdmin


@admin.register(Aspiration)
class AspirationAdmin(ScopedAdmin):
    list_display = [
        "number",
        "status",
        "category",
        "urgency",
        "area",
        "assigned_unit",
        "received_at",
    ]
    list_filter = ["status", "category", "urgency", "privacy", "source"]
    search_fields = ["number"]
    list_select_related = ["area", "assigned_unit"]
    date_hierarchy = "received_at"
    # The reporter's identity is read on the case page (audited), never here.
    exclude = ["reporter", "reporter_name", "reporter_phone", "reporter_email", "receipt_digest"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdmin):
    list_display = ["jurisdiction", "category", "responsible", "area", "target", "note"]
    list_filter = ["category", "responsible"]
    list_select_related = ["jurisdiction", "area", "target"]
    autocomplete_fields = ["jurisdiction", "area", "target"]


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(ScopedAdmin):
    list_display = ["title", "unit", "status", "is_active"]
    list_filter = ["is_active", "status"]
    search_fields = ["title", "text"]


class SlaSettingForm(forms.ModelForm):
    class Meta:
        model = SlaSetting
        fields = ["unit", "policy", "extra_holidays", "removed_holidays"]

    def clean_policy(self) -> dict[str, Any]:
        policy = self.cleaned_data["policy"] or {}
        try:
            sla.SlaPolicy.from_dict(policy)
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return policy

    def _dates(self, field: str) -> list[str]:
        values = self.cleaned_data[field] or []
        if not isinstance(values, list):
            raise forms.ValidationError(_('A list of dates such as ["2026-03-19"].'))
        for value in values:
            try:
                date.fromisoformat(str(value))
            except ValueError as exc:
                raise forms.ValidationError(
                    _("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}
                ) from exc
        return values

    def clean_extra_holidays(self) -> list[str]:
        return self._dates("extra_holidays")

    def clean_removed_holidays(self) -> list[str]:
        return self._dates("removed_holidays")


@admin.register(SlaSetting)
class SlaSettingAdmin(ScopedAdmin):
    form = SlaSettingForm
    list_display = ["unit"]
    autocomplete_fields = ["unit"]


@admin.register(TriageCorrection)
class TriageCorrectionAdmin(ScopedAdmin):
    list_display = ["created_at", "suggested_category", "category", "suggested_urgency", "urgency"]
    list_filter = ["category", "suggested_category"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
