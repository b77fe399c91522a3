"""The append-only audit log of staff access to personal data (SECURITY.md 5) and
the data-subject requests (SECURITY.md 4)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedCharField, EncryptedTextField


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


class SubjectRequestKind(models.TextChoices):
    ACCESS = "access", _("Access and export")
    CORRECTION = "correction", _("Correction")
    DELETION = "deletion", _("Deletion")
    WITHDRAW_CONSENT = "withdraw_consent", _("Withdrawal of consent")


class SubjectRequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


OPEN_SUBJECT_REQUEST_STATUSES = (SubjectRequestStatus.RECEIVED, SubjectRequestStatus.IN_PROGRESS)


class DataSubjectRequest(models.Model):
    """A data subject's request under UU PDP (SECURITY.md 4), answered within 72 hours.

    The subject is a resident's own account (``subject_user``), or a person a staff
    member identified in person by NIK, phone and/or KK number (stored encrypted with
    their blind indexes, which find the person's records). Written only through
    ``privacy.subject_requests``; the identifiers are removed when the request closes.
    """

    kind = models.CharField(_("request"), max_length=20, choices=SubjectRequestKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SubjectRequestStatus.choices,
        default=SubjectRequestStatus.RECEIVED,
    )
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subject's account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_subject_requests",
    )
    subject_name = EncryptedCharField(_("subject's name"), max_length=120, null=True, blank=True)
    subject_nik = EncryptedCharField(_("NIK"), max_length=16, null=True, blank=True)
    subject_nik_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    subject_phone = EncryptedCharField(_("phone"), max_length=20, null=True, blank=True)
    subject_phone_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    subject_kk = EncryptedCharField(_("KK number"), max_length=16, null=True, blank=True)
    subject_kk_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    details = EncryptedTextField(_("what is asked"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True, max_length=2000)
    received_at = models.DateTimeField(_("received"), db_index=True)
    due_at = models.DateTimeField(_("answer due"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["received", "in_progress"]),
                name="privacy_dsr_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"DSR-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_SUBJECT_REQUEST_STATUSES
