"""Loss reports and the certificates issued for them (C3, SKTLK).

A ``LossReport`` is started by a resident online (a draft they finish at the post),
by an officer at a dialogue or at the desk; a desk officer verifies the reporter's
identity and issues exactly one ``Certificate`` for it. Every write goes through
``certificates.services``.

There is no fee anywhere in this data model: the service is free by law, and a
column for a fee would invite one.

The reporter's identity is personal data (SECURITY.md 1-3): every field of it is
encrypted, and the NIK and phone number carry keyed blind indexes so that the desk
can find a report by them. Item details (card numbers, plates) are encrypted too.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.certificates.catalogue import ITEM_TYPE_BY_CODE, ItemType, item_type_choices
from kamtibmas.privacy.fields import EncryptedCharField, EncryptedDateField, EncryptedTextField

DEFAULT_VALIDITY_DAYS = 30
DEFAULT_NUMBER_FORMAT = "SKTLK/{n}/{month_roman}/{year}/{unit_code}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: to be finished at the post")
    READY = "ready", _("Ready to issue")
    ISSUED = "issued", _("Certificate issued")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReportSource(models.TextChoices):
    WEB = "web", _("Online, by the resident")
    DIALOGUE = "dialogue", _("At a dialogue")
    DESK = "desk", _("At the desk")
    API = "api", _("REST API")


class Sex(models.TextChoices):
    MALE = "L", _("Male")
    FEMALE = "P", _("Female")


class Religion(models.TextChoices):
    ISLAM = "islam", _("Islam")
    PROTESTANT = "kristen", _("Protestant Christian")
    CATHOLIC = "katolik", _("Catholic")
    HINDU = "hindu", _("Hindu")
    BUDDHIST = "buddha", _("Buddhist")
    CONFUCIAN = "khonghucu", _("Confucian")
    BELIEF = "kepercayaan", _("Belief in God Almighty (kepercayaan)")


class Citizenship(models.TextChoices):
    WNI = "WNI", _("Indonesian citizen (WNI)")
    WNA = "WNA", _("Foreign citizen (WNA)")


#: Religion and sex as printed on the (always Indonesian) certificate.
PRINTED_RELIGION = {
    "islam": "Islam",
    "kristen": "Kristen",
    "katolik": "Katolik",
    "hindu": "Hindu",
    "buddha": "Buddha",
    "khonghucu": "Khonghucu",
    "kepercayaan": "Kepercayaan terhadap Tuhan YME",
}
PRINTED_SEX = {"L": "Laki-laki", "P": "Perempuan"}


class CertificateSettings(models.Model):
    """How a unit numbers, dates and heads its certificates."""

    unit = models.OneToOneField(
        "areas.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="certificate_settings",
    )
    number_format = models.CharField(
        _("letter number format"),
        max_length=120,
        default=DEFAULT_NUMBER_FORMAT,
        help_text=_(
            "Placeholders: {n} the running number of the year, {month_roman} (VIII), "
            "{month} (08), {year} (2025), {unit_code} (the code below)."
        ),
    )
    unit_code = models.CharField(
        _("unit code in letter numbers"), max_length=40, blank=True, help_text=_("e.g. Sek.Bks.Sel")
    )
    validity_days = models.PositiveSmallIntegerField(
        _("days a certificate is valid"), default=DEFAULT_VALIDITY_DAYS
    )
    letterhead = models.TextField(
        _("letterhead (kop surat)"),
        blank=True,
        help_text=_("One line per row, top to bottom, as printed."),
    )
    place = models.CharField(
        _("place printed before the date"), max_length=60, blank=True, help_text=_("e.g. Bekasi")
    )
    signer_title = models.TextField(
        _("signer's title"), blank=True, help_text=_("One line per row, e.g. a.n. KAPOLSEK …")
    )

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("certificate settings")
        verbose_name_plural = _("certificate settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(validity_days__gte=1, validity_days__lte=366),
                name="certificate_validity_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit)


class LossReport(models.Model):
    # The report's name at the desk and in the API: random, not a secret (staff lists
    # show it). The resident's key is the receipt code, of which only the SHA-256 is
    # kept (SECURITY.md 11); ``receipt_code`` holds the code once, right after
    # ``services.loss_report_start``.
    reference = models.CharField(_("reference"), max_length=12, unique=True, editable=False)
    receipt_digest = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    source = models.CharField(_("started"), max_length=10, choices=ReportSource.choices)
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("post or unit where it is finished"),
        on_delete=models.PROTECT,
        related_name="loss_reports",
    )
    dialogue = models.ForeignKey(
        "engagements.Dialogue",
        verbose_name=_("reported at dialogue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loss_reports",
    )
    aspiration = models.ForeignKey(
        "aspirations.Aspiration",
        verbose_name=_("raised as aspiration"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loss_reports",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loss_reports",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # The reporter's identity: all encrypted; NULL when not given yet (a draft).
    name = EncryptedCharField(_("full name"), max_length=120, null=True, blank=True)
    nik = EncryptedCharField(_("NIK"), max_length=16, null=True, blank=True)
    nik_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    birth_place = EncryptedCharField(_("place of birth"), max_length=60, null=True, blank=True)
    birth_date = EncryptedDateField(_("date of birth"), null=True, blank=True)
    sex = EncryptedCharField(_("sex"), max_length=1, choices=Sex.choices, null=True, blank=True)
    religion = EncryptedCharField(
        _("religion"), max_length=12, choices=Religion.choices, null=True, blank=True
    )
    citizenship = EncryptedCharField(
        _("citizenship"), max_length=3, choices=Citizenship.choices, null=True, blank=True
    )
    occupation = EncryptedCharField(_("occupation"), max_length=60, null=True, blank=True)
    address = EncryptedTextField(_("address"), null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=20, null=True, blank=True)
    phone_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area of residence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # The loss.
    lost_on = models.DateField(_("date of the loss"))
    lost_time = models.TimeField(_("approximate time"), null=True, blank=True)
    lost_place = models.CharField(_("where it was lost"), max_length=255)
    lost_area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area where it was lost"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    circumstances = models.TextField(_("how it happened"), max_length=1000, blank=True)

    # Contact between the resident and the handling officer (C3): shown only when
    # both agreed.
    handling_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handling officer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_loss_reports",
    )
    reporter_consents_contact = models.BooleanField(
        _("the resident agrees to be contacted by the handling officer"), default=False
    )
    officer_consents_contact = models.BooleanField(
        _("the officer agrees to show their name and contact"), default=False
    )
    language = models.CharField(_("language"), max_length=5, default="id")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    tenant_unit_path = "unit"
    #: The receipt code, on the instance ``loss_report_start`` returns only; never stored.
    receipt_code = ""
    #: Personal data fields, for the audit trail and data-subject exports.
    personal_fields = (
        "name",
        "nik",
        "birth_place",
        "birth_date",
        "sex",
        "religion",
        "citizenship",
        "occupation",
        "address",
        "phone",
    )

    class Meta:
        verbose_name = _("loss report")
        verbose_name_plural = _("loss reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status", "created_at"], name="lossreport_unit_status"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def contact_shared(self) -> bool:
        return bool(
            self.handling_officer_id
            and self.reporter_consents_contact
            and self.officer_consents_contact
        )


class LostItem(models.Model):
    report = models.ForeignKey(LossReport, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    item_type = models.CharField(_("document"), max_length=32, choices=item_type_choices())
    # The identifying fields as a JSON object, encrypted: card numbers are identifiers.
    details_json = EncryptedTextField(_("details"), default="{}")

    class Meta:
        verbose_name = _("lost item")
        verbose_name_plural = _("lost items")
        ordering = ["report", "position", "id"]

    def __str__(self) -> str:
        return self.item_type

    @property
    def details(self) -> dict[str, str]:
        value: Any = json.loads(self.details_json or "{}")
        return value if isinstance(value, dict) else {}

    @property
    def kind(self) -> ItemType:
        return ITEM_TYPE_BY_CODE[self.item_type]


class Certificate(models.Model):
    """The certificate issued for one report, as printed and as signed."""

    report = models.OneToOneField(LossReport, on_delete=models.PROTECT, related_name="certificate")
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("issuing unit"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    number = models.CharField(_("number"), max_length=120, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField(_("issued at"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issuing officer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What was printed about the officer, as it was on the day (ranks change).
    officer_name = models.CharField(_("officer's name"), max_length=150)
    officer_rank = models.CharField(_("officer's rank"), max_length=60)
    officer_nrp = models.CharField(_("officer's NRP"), max_length=20)
    identity_checked = models.CharField(
        _("identity checked against"), max_length=120, help_text=_("e.g. KK, SIM, passport")
    )
    kid = models.CharField(_("signing key"), max_length=43)
    qr_text = models.CharField(_("signed QR text"), max_length=2048, unique=True)

    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.CharField(_("reason for revoking"), max_length=255, blank=True)

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "sequence"], name="certificate_unit_year_sequence"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="certificate_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revocation_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["unit", "issued_at"], name="certificate_unit_issued")]

    def __str__(self) -> str:
        return self.number

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateCounter(models.Model):
    """The last number a unit gave in a year; locked while issuing."""

    unit = models.ForeignKey("areas.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="certificate_counter_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last}"
