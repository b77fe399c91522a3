"""Permissions by role: what each role of §2 may do in the admin and the API.

Object-level visibility (which unit's records) is decided separately by
``kamtibmas.core.scope``; this backend only answers "may this role use that kind
of screen at all".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from kamtibmas.accounts.models import Role, User

# app_label.action_model codenames granted per role; the admin role gets all.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COMMANDER: frozenset(
        {
            "areas.view_area", "areas.view_unit", "accounts.view_user",
            "privacy.view_auditentry", "engagements.view_dialogue",
            "engagements.view_followup",
        }
    ),
    Role.COMMUNITY_OFFICER: frozenset({"areas.view_area", "areas.view_unit"}),
    Role.DESK_OFFICER: frozenset({"areas.view_area", "areas.view_unit"}),
    Role.HANDLER: frozenset({"areas.view_area", "areas.view_unit"}),
    Role.PARTNER: frozenset({"areas.view_area", "areas.view_unit"}),
    Role.RESIDENT: frozenset(),
}  # fmt: skip


class RoleBackend(ModelBackend):
    """Django's model backend plus role permissions; inactive users get nothing."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        granted = set(super().get_all_permissions(user_obj, obj))
        if isinstance(user_obj, User):
            if user_obj.role == Role.ADMIN:
                return granted | {"*"}
            granted |= ROLE_PERMISSIONS.get(user_obj.role, frozenset())
        return granted

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active:
            return False
        perms = self.get_all_permissions(user_obj, obj)
        return "*" in perms or perm in perms

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if not user_obj.is_active:
            return False
        perms = self.get_all_permissions(user_obj)
        return "*" in perms or any(p.startswith(f"{app_label}.") for p in perms)
