"""The outbox in the admin: system data, for administrators only (no unit scope)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kamtibmas.core.admin import ScopedAdmin
from kamtibmas.core.scope import scope_for
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus, PeriodicJobRun
from kamtibmas.notifications.services import outbox_retry
from kamtibmas.privacy.identifiers import mask_identifier


class SystemAdmin(ScopedAdmin):
    """Read-only admin of records that belong to no unit: whoever's scope is not
    everything sees none of them."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if scope_for(request.user).everything else queryset.none()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SystemAdmin):
    list_display = [
        "created_at",
        "channel",
        "masked_recipient",
        "topic",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["=id", "topic", "dedupe_key"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "channel",
        "recipient",
        "subject",
        "body",
        "topic",
        "dedupe_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    personal_fields = ("recipient", "body")
    actions = ["retry_now"]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: OutboxMessage) -> str:
        return mask_identifier(obj.recipient)

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return Truncator(obj.last_error).chars(80)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        ids = list(queryset.exclude(status=OutboxStatus.SENT).values_list("pk", flat=True))
        for message_id in ids:
            outbox_retry(message_id=message_id)
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent again shortly.",
                "%(count)d messages will be sent again shortly.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )


@admin.register(PeriodicJobRun)
class PeriodicJobRunAdmin(SystemAdmin):
    list_display = ["job", "slot_start", "started_at", "finished_at", "error"]
    list_filter = ["job"]
    date_hierarchy = "slot_start"
