"""Aspirations and complaints (C2): from a resident's words to a resolved case.

An aspiration lies in an area down to RT/RW and is handled by one unit at a time
(a police unit or a partner agency it was referred to); both decide who may see it
(``core.scope``). Every write goes through ``aspirations.services``; the lifecycle
lives in ``lifecycle``, routing in ``routing``, deadlines in ``sla``.

Anonymous cases (SECURITY.md 14) store no account, contact, IP address, user agent
or precise time: their timestamps are coarsened to the local day by the service.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedCharField
from kamtibmas.triage.taxonomy import Category, Urgency

TEXT_MAX_LENGTH = 4000


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Verified")
    REFERRED = "referred", _("Referred")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED_UNRESOLVED = "closed_unresolved", _("Closed, not resolved")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")
    REOPENED = "reopened", _("Reopened")


class Privacy(models.TextChoices):
    PUBLIC = "public", _("Public: my name may be shown")
    CONFIDENTIAL = "confidential", _("Confidential: only the officers handling it know me")
    ANONYMOUS = "anonymous", _("Anonymous: nobody knows who I am")


class Source(models.TextChoices):
    WEB = "web", _("Public web form")
    DIALOGUE = "dialogue", _("Raised at a dialogue")
    API = "api", _("REST API")
    OPEN311 = "open311", _("Open311")
    DESK = "desk", _("At the desk")


class NotifyChannel(models.TextChoices):
    NONE = "", _("Do not notify me")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class Aspiration(models.Model):
    # Unique through Meta.constraints, not unique=True: on PostgreSQL the field option
    # adds a second, LIKE-pattern index that no query uses and every intake writes.
    number = models.CharField(_("case number"), max_length=16, editable=False)
    text = models.TextField(_("what happened or what you ask"), max_length=TEXT_MAX_LENGTH)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    responsible = models.CharField(_("responsible body"), max_length=24, blank=True)
    # What triage suggested at intake, kept beside the confirmed values for training.
    suggested_category = models.CharField(max_length=12, choices=Category.choices)
    suggested_urgency = models.CharField(max_length=8, choices=Urgency.choices)
    suggested_responsible = models.CharField(max_length=24, blank=True)
    triage_confidence = models.FloatField(default=0.0)
    triage_confirmed_at = models.DateTimeField(null=True, blank=True)

    # No index of its own: asp_area_time (area, received_at) leads with it. Every
    # index is written by every submit (§9 P3).
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    privacy = models.CharField(_("privacy"), max_length=12, choices=Privacy.choices)
    source = models.CharField(_("received through"), max_length=10, choices=Source.choices)
    dialogue = models.ForeignKey(
        "engagements.Dialogue",
        verbose_name=_("raised at dialogue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aspirations",
        db_index=False,  # a partial index in Meta: most cases come from no dialogue
    )
    spot_answer = models.TextField(_("answer given on the spot"), blank=True)

    # The reporter. Anonymous cases keep none of these.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aspirations",
        db_index=False,  # a partial index in Meta, as the other optional links
    )
    reporter_name = EncryptedCharField(_("reporter's name"), max_length=120, null=True, blank=True)
    reporter_phone = EncryptedCharField(_("reporter's phone"), max_length=20, null=True, blank=True)
    # Keyed digest of the phone, for exact lookups (a data-subject request by phone
    # finds the cases of a reporter without an account). NULL with the phone.
    reporter_phone_index = models.CharField(  # noqa: DJ001
        max_length=64, blank=True, null=True, editable=False
    )
    reporter_email = EncryptedCharField(
        _("reporter's email"), max_length=254, null=True, blank=True
    )
    notify_by = models.CharField(
        _("notify me by"), max_length=10, choices=NotifyChannel.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=5, default="id")
    # sha256 of the receipt code: the only way an anonymous reporter follows the case.
    receipt_digest = models.CharField(max_length=64, editable=False)  # unique: Meta

    status = models.CharField(
        _("status"), max_length=18, choices=Status.choices, default=Status.RECEIVED
    )
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("police unit of the area"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # No index of its own: asp_unit_status (assigned_unit, status, received_at) leads
    # with it.
    assigned_unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="assigned_aspirations",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handling officer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_aspirations",
        db_index=False,
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,
    )

    # Time: precise for named cases, the local day's start for anonymous ones.
    received_at = models.DateTimeField(_("received"), db_index=True)
    updated_at = models.DateTimeField(_("last change"))
    verified_at = models.DateTimeField(null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    first_notice_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Deadlines (sla.py), recomputed by the service when the case moves.
    verify_by = models.DateTimeField(_("verify by"), null=True, blank=True)
    first_notice_by = models.DateTimeField(_("first notice by"), null=True, blank=True)
    partner_answer_by = models.DateTimeField(_("partner answer by"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # Stemmed terms (textsearch.index_text) between spaces, for the SQLite search
    # fallback (`` term `` containment) and duplicate detection.
    search_terms = models.TextField(blank=True, editable=False)

    tenant_area_path = "area"
    tenant_unit_path = "assigned_unit"

    class Meta:
        verbose_name = _("aspiration")
        verbose_name_plural = _("aspirations")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["assigned_unit", "status", "received_at"], name="asp_unit_status"),
            models.Index(fields=["area", "received_at"], name="asp_area_time"),
            models.Index(fields=["status", "resolve_by"], name="asp_status_due"),
            models.Index(fields=["category", "received_at"], name="asp_category_time"),
            # The dashboard's days to resolve and SLA compliance (dashboards.selectors):
            # resolved cases by area and resolution time, read from the index alone.
            models.Index(
                fields=["area", "resolved_at"],
                include=["received_at", "resolve_by"],
                condition=models.Q(status="resolved"),
                name="asp_resolved_time",
            ),
            # The optional links, partial: a new case usually has none of them, and
            # then costs no write in these indexes (every index is written by every
            # intake, §9 P3). Lookups by a value (``= x``) use them all the same.
            *(
                models.Index(
                    fields=[field],
                    condition=models.Q(**{f"{field}__isnull": False}),
                    name=f"asp_{name}",
                )
                for field, name in (
                    ("reporter_phone_index", "reporter_phone"),  # data-subject requests
                    ("dialogue", "dialogue"),
                    ("reporter", "reporter"),
                    ("assignee", "assignee"),
                    ("duplicate_of", "duplicate_of"),
                )
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="asp_number_unique"),
            models.UniqueConstraint(fields=["receipt_digest"], name="asp_receipt_digest_unique"),
            models.CheckConstraint(
                condition=~models.Q(privacy="anonymous")
                | (
                    models.Q(reporter__isnull=True)
                    & models.Q(reporter_name__isnull=True)
                    & models.Q(reporter_phone__isnull=True)
                    & models.Q(reporter_email__isnull=True)
                ),
                name="aspiration_anonymous_has_no_identity",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="aspiration_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="aspiration_longitude_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="duplicate") | models.Q(duplicate_of__isnull=False),
                name="aspiration_duplicate_has_original",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_anonymous(self) -> bool:
        return self.privacy == Privacy.ANONYMOUS

    @property
    def is_open(self) -> bool:
        from kamtibmas.aspirations.lifecycle import OPEN_STATES

        return Status(self.status) in OPEN_STATES


class UpdateKind(models.TextChoices):
    STATUS = "status", _("Status change")
    NOTE = "note", _("Note")
    MESSAGE = "message", _("Message")
    TRIAGE = "triage", _("Triage confirmed")
    ASSIGNMENT = "assignment", _("Assignment")
    ESCALATION = "escalation", _("Escalation")
    SURVEY = "survey", _("Follow-up answer")


class AuthorKind(models.TextChoices):
    STAFF = "staff", _("Officer")
    REPORTER = "reporter", _("Reporter")
    SYSTEM = "system", _("System")


class AspirationUpdate(models.Model):
    """One dated, attributed event in a case's history; never edited afterwards."""

    # No index of its own: asp_update_time (aspiration, created_at) leads with it.
    aspiration = models.ForeignKey(
        Aspiration, on_delete=models.CASCADE, related_name="updates", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=10, choices=UpdateKind.choices)
    author_kind = models.CharField(max_length=8, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author_unit = models.ForeignKey(
        "areas.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=18, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=18, choices=Status.choices, blank=True)
    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("referred to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_public = models.BooleanField(_("shown to the reporter and the public"), default=False)
    text = models.TextField(_("text"), blank=True, max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("when"))

    tenant_area_path = "aspiration__area"
    tenant_unit_path = "aspiration__assigned_unit"

    class Meta:
        verbose_name = _("case update")
        verbose_name_plural = _("case updates")
        ordering = ["aspiration", "created_at", "id"]
        indexes = [models.Index(fields=["aspiration", "created_at"], name="asp_update_time")]

    def __str__(self) -> str:
        return f"{self.aspiration_id} {self.kind} {self.to_status}"


def photo_path(instance: models.Model, filename: str) -> str:
    """Generated names only (SECURITY.md 13): the uploader's file name is discarded."""
    import secrets

    return f"aspirations/{secrets.token_hex(16)}.jpg"


class AspirationPhoto(models.Model):
    aspiration = models.ForeignKey(Aspiration, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)

    tenant_area_path = "aspiration__area"
    tenant_unit_path = "aspiration__assigned_unit"

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["aspiration", "id"]

    def __str__(self) -> str:
        return self.image.name


class TriageCorrection(models.Model):
    """An officer's confirmation or correction of triage, with the text: training data."""

    aspiration = models.ForeignKey(
        Aspiration, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    suggested_category = models.CharField(max_length=12, choices=Category.choices)
    suggested_urgency = models.CharField(max_length=8, choices=Urgency.choices)
    category = models.CharField(max_length=12, choices=Category.choices)
    urgency = models.CharField(max_length=8, choices=Urgency.choices)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Set by the service: the start of the day for anonymous cases.
    created_at = models.DateTimeField()

    tenant_area_path = "aspiration__area"

    class Meta:
        verbose_name = _("triage correction")
        verbose_name_plural = _("triage corrections")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.suggested_category}→{self.category}"

    @property
    def changed(self) -> bool:
        return (self.category, self.urgency) != (self.suggested_category, self.suggested_urgency)


class RoutingRule(models.Model):
    """Within ``jurisdiction``, cases of ``category`` (any when blank) for body
    ``responsible`` (any when blank) in ``area`` (anywhere when empty) go to ``target``.

    The most specific matching rule wins (``routing.route``)."""

    jurisdiction = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, blank=True)
    responsible = models.CharField(_("responsible body"), max_length=24, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("only in area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target = models.ForeignKey(
        "areas.Unit", verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_unit_path = "jurisdiction"

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["jurisdiction", "category", "responsible", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "category", "responsible", "area"],
                name="routing_rule_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'}/{self.responsible or '*'} → {self.target}"


class ResponseTemplate(models.Model):
    """A ready answer handlers start from (FixMyStreet's response templates)."""

    unit = models.ForeignKey(
        "areas.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        help_text=_("Empty: offered to every unit."),
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    status = models.CharField(_("for status"), max_length=18, choices=Status.choices, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class SlaSetting(models.Model):
    """A unit's own SLA policy and regional holidays (``sla.SlaPolicy.from_dict``)."""

    unit = models.OneToOneField(
        "areas.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="sla"
    )
    policy = models.JSONField(_("targets in working days"), default=dict, blank=True)
    extra_holidays = models.JSONField(_("regional holidays"), default=list, blank=True)
    removed_holidays = models.JSONField(_("national holidays worked"), default=list, blank=True)

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("SLA setting")
        verbose_name_plural = _("SLA settings")

    def __str__(self) -> str:
        return str(self.unit)


class Survey(models.Model):
    """The "was it really fixed?" questionnaire, one per resolution."""

    aspiration = models.ForeignKey(Aspiration, on_delete=models.CASCADE, related_name="surveys")
    round = models.PositiveSmallIntegerField(default=1)
    due_at = models.DateTimeField(_("ask on"))
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    fixed = models.BooleanField(_("fixed"), null=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True)
    safety = models.PositiveSmallIntegerField(_("sense of safety"), null=True)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)

    tenant_area_path = "aspiration__area"
    tenant_unit_path = "aspiration__assigned_unit"

    class Meta:
        verbose_name = _("follow-up questionnaire")
        verbose_name_plural = _("follow-up questionnaires")
        ordering = ["aspiration", "round"]
        constraints = [
            models.UniqueConstraint(fields=["aspiration", "round"], name="survey_one_per_round"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=models.Q(safety__isnull=True) | models.Q(safety__gte=1, safety__lte=5),
                name="survey_safety_range",
            ),
        ]
        indexes = [
            models.Index(fields=["sent_at", "due_at"], name="survey_due"),
            # The dashboard's "reopened after not fixed", by the time of the answer.
            models.Index(
                fields=["answered_at"],
                include=["aspiration"],
                condition=models.Q(fixed=False),
                name="survey_not_fixed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aspiration_id}#{self.round}"
