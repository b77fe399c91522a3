"""Aid distribution (C4): programs, their items, the stock ledger, households and
hand-outs. Every write goes through ``aid.services``.

The stock ledger is append-only: a balance is the sum of its entries
(``aid.ledger``), never a number someone typed. A household is keyed by its family
card (KK) number, stored encrypted with a keyed blind index (SECURITY.md 1-2). A
hand-out is unique per program, household and round, so two officers handing out to
the same family at the same moment record one hand-out, whatever the network does.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.aid.ledger import Kind
from kamtibmas.privacy.fields import EncryptedCharField, EncryptedTextField


class AidProgram(models.Model):
    name = models.CharField(_("name"), max_length=160)
    sponsor = models.CharField(_("sponsor"), max_length=160, blank=True)
    unit = models.ForeignKey(
        "areas.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    areas = models.ManyToManyField(
        "areas.Area", verbose_name=_("for residents of"), related_name="+"
    )
    dialogues = models.ManyToManyField(
        "engagements.Dialogue",
        verbose_name=_("handed out at dialogues"),
        related_name="aid_programs",
        blank=True,
    )
    # Eligibility (``aid.services.aid_eligibility``).
    packages_per_household = models.PositiveSmallIntegerField(
        _("packages per household"),
        default=1,
        help_text=_("How many times one household may receive in this program."),
    )
    min_days_between = models.PositiveSmallIntegerField(
        _("days between two packages"), null=True, blank=True
    )
    max_per_day_per_location = models.PositiveIntegerField(
        _("hand-outs per day per location"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("aid program")
        verbose_name_plural = _("aid programs")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="aid_program_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(packages_per_household__gte=1),
                name="aid_program_at_least_one_package",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AidItem(models.Model):
    program = models.ForeignKey(AidProgram, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("name"), max_length=120, help_text=_("e.g. Paket sembako"))
    contents = models.CharField(
        _("contents"), max_length=255, blank=True, help_text=_("e.g. beras 5 kg, minyak 1 l")
    )
    measure = models.CharField(_("counted in"), max_length=20, default="paket")
    per_household = models.PositiveSmallIntegerField(_("per household each time"), default=1)
    per_child = models.BooleanField(
        _("one per child present"),
        default=False,
        help_text=_("Children's snacks: the number handed out is the children present."),
    )

    tenant_unit_path = "program__unit"

    class Meta:
        verbose_name = _("aid item")
        verbose_name_plural = _("aid items")
        ordering = ["program", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="aid_item_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class AidLocation(models.Model):
    """Where stock is kept or handed out: a post's store room, a dialogue's venue."""

    program = models.ForeignKey(AidProgram, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=120)
    dialogue = models.ForeignKey(
        "engagements.Dialogue",
        verbose_name=_("dialogue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    tenant_unit_path = "program__unit"

    class Meta:
        verbose_name = _("aid location")
        verbose_name_plural = _("aid locations")
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="aid_location_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StockEntry(models.Model):
    """One line of the ledger. Never updated or deleted: a mistake is corrected by an
    adjustment with its reason."""

    program = models.ForeignKey(AidProgram, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AidItem, on_delete=models.PROTECT, related_name="entries")
    location = models.ForeignKey(AidLocation, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(
        _("movement"),
        max_length=12,
        choices=[(kind.value, kind.value) for kind in Kind],
    )
    quantity = models.IntegerField(_("quantity"))
    delta = models.IntegerField(editable=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    handout = models.ForeignKey(
        "Handout", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    # The two entries of a move share it.
    transfer = models.UUIDField(null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    tenant_unit_path = "program__unit"

    class Meta:
        verbose_name = _("stock entry")
        verbose_name_plural = _("stock ledger")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["item", "location"], name="aid_stock_item_location")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quantity=0), name="aid_stock_quantity_not_zero"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="adjusted") | models.Q(quantity__gt=0),
                name="aid_stock_quantity_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["damaged", "adjusted"]) | ~models.Q(reason=""),
                name="aid_stock_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} {self.item_id}@{self.location_id}"


class Household(models.Model):
    """A family as its family card (KK) lists it."""

    kk_number = EncryptedCharField(_("KK number"), max_length=16)
    kk_index = models.CharField(max_length=64, unique=True, editable=False)
    head_name = EncryptedCharField(_("head of the household"), max_length=120)
    # NULL when not given: the encrypted column stores nothing for a missing value.
    address = EncryptedTextField(_("address"), null=True, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("RT/RW"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("As deep as known: the RT, else the RW, else the kelurahan."),
    )
    members = models.PositiveSmallIntegerField(_("members"), default=1)
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    vulnerability = EncryptedTextField(_("vulnerability notes"), null=True, blank=True)
    # The household card (``aid.cards``): a random code printed under its QR, never the
    # KK number. Encrypted so that a card can be printed again; found by blind index.
    card_code = EncryptedCharField(_("card code"), max_length=16, null=True, blank=True)
    card_index = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_area_path = "area"
    #: The personal fields a registration or an import writes (the card comes later).
    registered_fields = ("kk_number", "head_name", "address", "vulnerability")
    personal_fields = (*registered_fields, "card_code")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["area", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(children__lte=models.F("members")),
                name="aid_household_children_within_members",
            ),
        ]

    def __str__(self) -> str:
        return f"household #{self.pk}"


class Handout(models.Model):
    """What one household received, once, at one location."""

    program = models.ForeignKey(AidProgram, on_delete=models.PROTECT, related_name="handouts")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="handouts")
    # 1 for the first package of this household in this program, 2 for the second…
    round = models.PositiveSmallIntegerField(default=1)
    location = models.ForeignKey(AidLocation, on_delete=models.PROTECT, related_name="handouts")
    dialogue = models.ForeignKey(
        "engagements.Dialogue", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_at = models.DateTimeField(_("handed out at"))
    local_day = models.DateField(editable=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient_name = EncryptedCharField(_("received by"), max_length=120)
    children_present = models.PositiveSmallIntegerField(_("children present"), default=0)

    tenant_unit_path = "program__unit"

    class Meta:
        verbose_name = _("hand-out")
        verbose_name_plural = _("hand-outs")
        ordering = ["-handed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "household", "round"], name="aid_handout_once_per_round"
            ),
        ]
        indexes = [
            models.Index(fields=["location", "local_day"], name="aid_handout_location_day"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.household_id}#{self.round}"


class ConfirmationKind(models.TextChoices):
    SIGNATURE = "signature", _("signature")
    PHOTO = "photo", _("photo")


class HandoutConfirmation(models.Model):
    """The recipient's signature or a photo of the hand-out: a JPEG drawn again from
    the pixels alone (no EXIF), kept encrypted in the database (it may show a face)."""

    handout = models.OneToOneField(Handout, on_delete=models.CASCADE, related_name="confirmation")
    kind = models.CharField(_("kind"), max_length=10, choices=ConfirmationKind.choices)
    # Base64 of the JPEG: the encrypted field stores text.
    image = EncryptedTextField(_("image"))
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_unit_path = "handout__program__unit"
    personal_fields = ("image",)

    class Meta:
        verbose_name = _("recipient's confirmation")
        verbose_name_plural = _("recipients' confirmations")

    def __str__(self) -> str:
        return f"{self.kind} of hand-out {self.handout_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("waiting to be checked")
    PREVIEWING = "previewing", _("checking")
    PREVIEWED = "previewed", _("checked")
    IMPORTING = "importing", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class HouseholdImport(models.Model):
    """A household file uploaded on the web (``aid.household_imports``): checked by the
    worker (a preview), then imported when the officer says so.

    The file lists KK numbers: it is kept encrypted (base64 of its bytes), under no
    name but its extension, and emptied when the import is done or has failed, and
    at the latest 24 hours after the upload. The reports' row errors are worded in
    the uploader's language at the time of the upload (``language``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # NULL for an administrator, who belongs to no unit.
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # NULL: each row names its kelurahan.
    kelurahan = models.ForeignKey(
        "areas.Area",
        verbose_name=_("kelurahan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    extension = models.CharField(max_length=5)
    content = EncryptedTextField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=10)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    preview = models.JSONField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_unit_path = "unit"
    personal_fields = ("content",)

    class Meta:
        verbose_name = _("household import")
        verbose_name_plural = _("household imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"household import {self.pk}"
