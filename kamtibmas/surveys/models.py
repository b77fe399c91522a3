"""The short questionnaire after a dialogue (issue 10 point 5): attendees say how safe
they feel, how satisfied they are and whether they trust the police, anonymously.

One answer per browser per dialogue, without tracking anyone: the browser's random
device key (the check-in cookie) is stored only as a keyed digest under the domain
``"survey"`` together with the dialogue, so answers to two dialogues cannot be linked
to each other or to a check-in. The day of the answer is kept, not its time.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kamtibmas.privacy.fields import EncryptedTextField


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Scale of 1 to 5")
    TEXT = "text", _("Free text")


class SurveyQuestion(models.Model):
    """A question of the questionnaire, configurable by administrators; retired
    (``is_active``), never deleted, so old answers keep their meaning."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    text_id = models.CharField(_("question (Indonesian)"), max_length=200)
    text_en = models.CharField(_("question (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    low_id = models.CharField(_("meaning of 1 (Indonesian)"), max_length=60, blank=True)
    low_en = models.CharField(_("meaning of 1 (English)"), max_length=60, blank=True)
    high_id = models.CharField(_("meaning of 5 (Indonesian)"), max_length=60, blank=True)
    high_en = models.CharField(_("meaning of 5 (English)"), max_length=60, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("display order"), default=100)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.text

    def _in_language(self, indonesian: str, english: str) -> str:
        return english if translation.get_language() == "en" and english else indonesian

    @property
    def text(self) -> str:
        return self._in_language(self.text_id, self.text_en)

    @property
    def low(self) -> str:
        return self._in_language(self.low_id, self.low_en)

    @property
    def high(self) -> str:
        return self._in_language(self.high_id, self.high_en)


class SurveyResponse(models.Model):
    dialogue = models.ForeignKey(
        "engagements.Dialogue", on_delete=models.CASCADE, related_name="survey_responses"
    )
    # blind_index("survey", "<dialogue id>:<device key>"): one answer per browser.
    voter_digest = models.CharField(max_length=64, editable=False)
    answered_on = models.DateField(_("answered on"))
    #: Question code → 1..5, for the scale questions answered.
    scores = models.JSONField(default=dict)
    # Free text may name people: kept encrypted, shown to the unit's staff only.
    comment = EncryptedTextField(_("comment"), null=True, blank=True)

    tenant_area_path = "dialogue__area"
    tenant_unit_path = "dialogue__unit"
    personal_fields = ("comment",)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "voter_digest"], name="survey_one_answer_per_browser"
            )
        ]

    def __str__(self) -> str:
        return f"survey answer #{self.pk}"
