"""What the Open311 adapter keeps of its own: the partners' API keys, and what a
client sent with a request beyond what the aspiration holds.

Neither model has a timestamp of use: a key's "last used" or a submission's
"received" time would date an anonymous report (SECURITY.md 14). The aspiration
keeps the (coarsened) time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedCharField, EncryptedTextField


class ApiKey(models.Model):
    """A partner's or application's key to post service requests. Only the SHA-256
    digest is stored; the key is shown once, by ``kamtibmas open311_key create``."""

    name = models.CharField(_("name"), max_length=120)
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("posts into unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="open311_keys",
        help_text=_("Empty: the key may post anywhere a police unit covers."),
    )
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Submission(models.Model):
    """The fields of an Open311 request that have no column on the aspiration.

    Personal data and identifiers (the address, the device and account ids, the
    answers to the service's attributes, a client's media link) are encrypted at
    rest. ``address_id`` is an area code, public reference data.
    """

    aspiration = models.OneToOneField(
        "aspirations.Aspiration",
        on_delete=models.CASCADE,
        related_name="open311_submission",
    )
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
    )
    address_id = models.CharField(_("address id"), max_length=24, blank=True)
    address_string = EncryptedTextField(_("address"), null=True, blank=True)
    device_id = EncryptedCharField(_("device id"), max_length=200, null=True, blank=True)
    account_id = EncryptedCharField(_("account id"), max_length=200, null=True, blank=True)
    media_url = EncryptedTextField(_("media URL"), null=True, blank=True)
    # JSON of {attribute code: [values]}, as the client answered the service definition.
    attributes = EncryptedTextField(_("attributes"), null=True, blank=True)

    tenant_area_path = "aspiration__area"
    tenant_unit_path = "aspiration__assigned_unit"

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return str(self.aspiration_id)
