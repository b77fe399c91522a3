from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "kamtibmas.safety"
    label = "safety"
    verbose_name = _("Area safety picture")

    def ready(self) -> None:
        # The index layer of the maps (kamtibmas.maps.layers' registry).
        from kamtibmas.safety import layers  # noqa: F401
