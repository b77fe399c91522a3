"""Admin for each unit's certificate settings (letter number format, validity,
letterhead, signer), and a scoped read-only list of certificates. Reports and
certificates are written on the staff pages through the services; the admin never
writes them and never shows a reporter's identity."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from kamtibmas.certificates.models import Certificate, CertificateSettings
from kamtibmas.certificates.services import number_format_check
from kamtibmas.core.admin import ScopedAdmin


class CertificateSettingsForm(forms.ModelForm):
    class Meta:
        model = CertificateSettings
        fields = [
            "unit",
            "number_format",
            "unit_code",
            "validity_days",
            "letterhead",
            "place",
            "signer_title",
        ]

    def clean_number_format(self) -> str:
        text: str = self.cleaned_data["number_format"]
        number_format_check(text)
        return text


@admin.register(CertificateSettings)
class CertificateSettingsAdmin(ScopedAdmin):
    form = CertificateSettingsForm
    list_display = ["unit", "number_format", "unit_code", "validity_days"]
    autocomplete_fields = ["unit"]


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = ["number", "unit", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["number"]
    list_select_related = ["unit"]
    date_hierarchy = "issued_at"
    fields = [
        "number",
        "unit",
        "issued_at",
        "valid_from",
        "valid_until",
        "officer_name",
        "officer_rank",
        "officer_nrp",
        "kid",
        "revoked_at",
        "revocation_reason",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
