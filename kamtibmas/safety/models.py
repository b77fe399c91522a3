"""Per-unit settings of the vulnerability index (``safety.index``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamtibmas.safety.index import DEFAULT_WEIGHTS, WEIGHT_FIELDS, Weights, weights_errors


class SafetyWeights(models.Model):
    """A unit's own weights and half-life; a unit without a row uses the defaults
    (``index.DEFAULT_WEIGHTS``). Weights are shares of their sum, so 3/1/2 means the
    same as 0.3/0.1/0.2."""

    unit = models.OneToOneField(
        "areas.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    recent = models.FloatField(_("recent aspirations"), default=DEFAULT_WEIGHTS.recent)
    repeat = models.FloatField(_("repeated problems"), default=DEFAULT_WEIGHTS.repeat)
    unresolved = models.FloatField(_("unresolved cases"), default=DEFAULT_WEIGHTS.unresolved)
    overdue = models.FloatField(_("overdue cases"), default=DEFAULT_WEIGHTS.overdue)
    inspection = models.FloatField(_("inspection problems"), default=DEFAULT_WEIGHTS.inspection)
    aid = models.FloatField(_("households in need"), default=DEFAULT_WEIGHTS.aid)
    gap = models.FloatField(_("time since the last dialogue"), default=DEFAULT_WEIGHTS.gap)
    half_life_days = models.FloatField(
        _("half-life of the time decay (days)"),
        default=DEFAULT_WEIGHTS.half_life_days,
        help_text=_("An aspiration this many days old counts half."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    tenant_unit_path = "unit"

    class Meta:
        verbose_name = _("vulnerability index weights")
        verbose_name_plural = _("vulnerability index weights")

    def __str__(self) -> str:
        return str(self.unit)

    def clean(self) -> None:
        errors = weights_errors(
            {name: getattr(self, name) for name in (*WEIGHT_FIELDS, "half_life_days")}
        )
        if errors:
            raise ValidationError(errors)

    def as_weights(self) -> Weights:
        return Weights(
            **{name: float(getattr(self, name)) for name in (*WEIGHT_FIELDS, "half_life_days")}
        )
