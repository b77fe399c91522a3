from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kamtibmas.accounts.models import ApiToken, User
from kamtibmas.accounts.services import api_token_revoke, user_set_phone, user_set_role
from kamtibmas.core.admin import ScopedAdmin
from kamtibmas.privacy.identifiers import normalise_phone


class StaffUserChangeForm(UserChangeForm):
    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone") or ""
        return normalise_phone(phone) if phone else ""


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    form = StaffUserChangeForm
    list_display = ["username", "first_name", "last_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "nrp"]
    personal_fields = ("first_name", "last_name", "email", "phone")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Unit and contact"), {"fields": ("role", "unit", "rank", "nrp", "phone")}),
    )

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        # Through the services: the blind index follows the number, and admin-site
        # access (is_staff) follows the role.
        if "phone" in form.changed_data:
            user_set_phone(user=obj, phone=form.cleaned_data["phone"], save=False)
        if {"role", "unit"} & set(form.changed_data):
            user_set_role(
                user=obj, role=form.cleaned_data["role"], unit=form.cleaned_data["unit"], save=False
            )
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    """Tokens are issued with `kamtibmas issue_token`; here they can only be revoked,
    with the "Revoke selected tokens" action."""

    list_display = [
        "prefix",
        "user",
        "name",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = [
        "user",
        "prefix",
        "name",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke_tokens"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset)
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )
