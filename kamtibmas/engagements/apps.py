from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _catalogue_back(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    """Put the catalogue back after ``flush`` (which emits ``post_migrate``, as it
    does for content types): a flushed database must still offer the dialogue types,
    outreach topics and inspection items that migration 0002 installs."""
    from django.apps import apps as installed

    from kamtibmas.engagements.catalogue import catalogue_install

    # migrate passes the migrated state; flush passes nothing (the models as they are).
    catalogue_install(apps or installed)


class EngagementsConfig(AppConfig):
    name = "kamtibmas.engagements"
    label = "engagements"
    verbose_name = _("Dialogues")

    def ready(self) -> None:
        post_migrate.connect(_catalogue_back, sender=self, dispatch_uid="engagements.catalogue")
