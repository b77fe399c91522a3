from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kamtibmas.accounts.models import ApiToken, User
from kamtibmas.core.admin import ScopedAdmin


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Police"), {"fields": ("role", "unit", "rank", "nrp")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    """Tokens are issued with `kamtibmas issue_token`; here they can only be revoked."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "name", "created_at", "last_used_at"]

    def has_add_permission(self, request, obj=None):
        return False
