from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "kamtibmas.triage"
    label = "triage"
    verbose_name = _("Triage")
