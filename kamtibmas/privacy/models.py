"""The append-only audit log of staff access to personal data (SECURITY.md 5)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    READ = "read", _("Read")
    EXPORT = "export", _("Export")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    LOGIN = "login", _("Sign in")


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")


class AuditEntry(models.Model):
    """Who touched which personal data, when and why. Never updated or deleted.

    Written only through ``privacy.services.audit_record``. Database triggers
    (migration 0002) refuse UPDATE on both backends and DELETE on PostgreSQL.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    actor_unit = models.ForeignKey(
        "areas.Unit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    subject_type = models.CharField(_("record type"), max_length=80)
    subject_id = models.CharField(_("record"), max_length=64)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    reason = models.CharField(_("why"), max_length=255)

    objects = AuditQuerySet.as_manager()
    tenant_unit_path = "actor_unit"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit log is append-only.")

    @property
    def subject_label(self) -> str:
        return f"{self.subject_type}#{self.subject_id}"
