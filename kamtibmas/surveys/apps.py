from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _questions_back(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    """Put the default questions back after ``flush`` (which emits ``post_migrate``):
    a flushed database must still offer the survey that migration 0002 installs."""
    from django.apps import apps as installed

    from kamtibmas.surveys.catalogue import questions_install

    questions_install(apps or installed)


class SurveysConfig(AppConfig):
    name = "kamtibmas.surveys"
    label = "surveys"
    verbose_name = _("Dialogue surveys")

    def ready(self) -> None:
        post_migrate.connect(_questions_back, sender=self, dispatch_uid="surveys.questions")
