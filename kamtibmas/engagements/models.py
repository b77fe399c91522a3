"""Dialogues with residents (C1): Ngopi Kamtibmas, Jumat Curhat, sambang, …

A dialogue belongs to its organising unit and happens in an area down to RT/RW;
both decide who may see it (``core.scope``). Every write goes through
``engagements.services``.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedCharField


class CatalogueEntry(models.Model):
    """A maintained list entry with an Indonesian and an English name.

    Configurable by administrators; entries are retired (``is_active``), never
    deleted, so old records keep their meaning.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("display order"), default=100)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id


class DialogueType(CatalogueEntry):
    is_public_by_default = models.BooleanField(
        _("announced publicly by default"),
        default=True,
        help_text=_("Home visits are not announced: they happen at someone's home."),
    )

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("dialogue type")
        verbose_name_plural = _("dialogue types")


class OutreachTopic(CatalogueEntry):
    class Meta(CatalogueEntry.Meta):
        verbose_name = _("outreach topic")
        verbose_name_plural = _("outreach topics")


class InspectionItem(CatalogueEntry):
    class Meta(CatalogueEntry.Meta):
        verbose_name = _("inspection checklist item")
        verbose_name_plural = _("inspection checklist")


class DialogueStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Dialogue(models.Model):
    type = models.ForeignKey(
        DialogueType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="dialogues",
        help_text=_("Down to RW or RT where known."),
    )
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="dialogues",
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_dialogues",
    )
    venue_name = models.CharField(_("venue"), max_length=200)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DialogueStatus.choices, default=DialogueStatus.PLANNED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    is_public = models.BooleanField(_("announced publicly"), default=True)
    # Attendance counted by group (§4 C1); named sign-ins are Attendee rows.
    residents_count = models.PositiveIntegerField(_("residents"), default=0)
    leaders_count = models.PositiveIntegerField(_("community leaders"), default=0)
    children_count = models.PositiveIntegerField(_("children"), default=0)
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_area_path = "area"
    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("dialogue")
        verbose_name_plural = _("dialogues")
        ordering = ["-planned_start"]
        indexes = [
            models.Index(fields=["unit", "planned_start"], name="dialogue_unit_start"),
            models.Index(fields=["area", "planned_start"], name="dialogue_area_start"),
            models.Index(fields=["is_public", "status", "planned_start"], name="dialogue_public"),
            # dialogues_public_version: the newest change, read by kept public pages.
            models.Index(fields=["updated_at"], name="dialogue_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gt=models.F("planned_start")),
                name="dialogue_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(actual_end__isnull=True)
                | models.Q(actual_start__isnull=True)
                | models.Q(actual_end__gt=models.F("actual_start")),
                name="dialogue_actual_end_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
                name="dialogue_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def attendance_total(self) -> int:
        return self.residents_count + self.leaders_count + self.children_count

    @property
    def start(self) -> datetime:
        return self.actual_start or self.planned_start

    @property
    def end(self) -> datetime:
        if self.actual_end:
            return self.actual_end
        if self.actual_start:  # held, end not recorded: assume the planned length
            return self.actual_start + (self.planned_end - self.planned_start)
        return self.planned_end


class DialogueOfficial(models.Model):
    """An official present, named by role as press releases do (e.g. "Ketua RW 024")."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="officials")
    position = models.CharField(_("position"), max_length=120)
    institution = models.CharField(_("institution"), max_length=160, blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    position_order = models.PositiveSmallIntegerField(default=0)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("official present")
        verbose_name_plural = _("officials present")
        ordering = ["dialogue", "position_order", "id"]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.position, self.name) if part)


class AttendeeGroup(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    LEADER = "leader", _("Community leader")
    CHILD = "child", _("Child")


class AttendeeSource(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign-in list")
    CHECK_IN = "check_in", _("QR self check-in")


class Attendee(models.Model):
    """A named attendee: on the sign-in list or checked in by QR, with consent."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("name"), max_length=120)
    group = models.CharField(
        _("group"), max_length=10, choices=AttendeeGroup.choices, default=AttendeeGroup.RESIDENT
    )
    phone = EncryptedCharField(_("phone"), max_length=20, blank=True, null=True)
    phone_index = models.CharField(  # noqa: DJ001
        max_length=64, blank=True, null=True, editable=False
    )
    consent = models.BooleanField(_("consents to being listed"), default=False)
    source = models.CharField(max_length=10, choices=AttendeeSource.choices)
    # For self check-in: a random per-device value, hashed, so a second scan from the
    # same phone is the same attendee.
    device_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["dialogue", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "device_digest"],
                condition=~models.Q(device_digest=""),
                name="attendee_once_per_device",
            ),
            models.UniqueConstraint(
                fields=["dialogue", "phone_index"],
                condition=models.Q(phone_index__isnull=False),
                name="attendee_once_per_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CheckInCode(models.Model):
    """A short-lived code shown as a QR at the venue. Only its hash is stored."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="checkin_codes")
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("check-in code")
        verbose_name_plural = _("check-in codes")

    def __str__(self) -> str:
        return f"{self.dialogue} (→ {self.expires_at:%H:%M})"


class TopicDelivered(models.Model):
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="topics")
    topic = models.ForeignKey(OutreachTopic, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("notes"), blank=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("outreach topic delivered")
        verbose_name_plural = _("outreach topics delivered")
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "topic"], name="topic_once_per_dialogue")
        ]

    def __str__(self) -> str:
        return str(self.topic)


class SpotAnswer(models.Model):
    """A question raised at the dialogue and the answer given on the spot."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="answers")
    question = models.TextField(_("question or concern"))
    answer = models.TextField(_("answer given on the spot"), blank=True)
    answered_by = models.CharField(_("answered by"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("answer on the spot")
        verbose_name_plural = _("answers on the spot")
        ordering = ["dialogue", "created_at", "id"]

    def __str__(self) -> str:
        return self.question[:60]


def photo_path(instance: models.Model, filename: str) -> str:
    """Generated names only (SECURITY.md 13): the uploader's file name is discarded."""
    import secrets

    return f"dialogues/{secrets.token_hex(16)}.jpg"


class DialoguePhoto(models.Model):
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["dialogue", "created_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Inspection(models.Model):
    """The walk through the area after the dialogue (§1: "meninjau langsung")."""

    dialogue = models.OneToOneField(Dialogue, on_delete=models.CASCADE, related_name="inspection")
    inspected_at = models.DateTimeField(_("inspected at"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.dialogue}"


class FindingResult(models.TextChoices):
    OK = "ok", _("OK")
    PROBLEM = "problem", _("Problem")
    NOT_APPLICABLE = "na", _("Not applicable")


class InspectionFinding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(InspectionItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=8, choices=FindingResult.choices)
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)

    tenant_area_path = "inspection__dialogue__area"
    tenant_unit_path = "inspection__dialogue__unit"

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["inspection", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="finding_once_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_result_display()}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(models.Model):
    """A promise made at the dialogue, or a problem found in the inspection, to act on."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="follow_ups")
    finding = models.OneToOneField(
        InspectionFinding,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up",
    )
    title = models.CharField(_("what is to be done"), max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"], name="followup_owner_due"),
            models.Index(fields=["status", "due_date"], name="followup_status_due"),
        ]

    def __str__(self) -> str:
        return self.title


class PressReleaseDraft(models.Model):
    """The press release of a dialogue as the officer edited it (issue 10, point 4).

    Absent until someone saves an edit: until then the draft is generated from the
    record on every read (``engagements.press``). Saving an edit clears the approval,
    so what is approved is always the text on record. Written only through
    ``engagements.press``.
    """

    dialogue = models.OneToOneField(
        Dialogue, on_delete=models.CASCADE, related_name="press_release"
    )
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"

    class Meta:
        verbose_name = _("press release draft")
        verbose_name_plural = _("press release drafts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_at__isnull=True, approved_by__isnull=True)
                | models.Q(approved_at__isnull=False, approved_by__isnull=False),
                name="press_release_approval_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None
