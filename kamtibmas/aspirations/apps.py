from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AspirationsConfig(AppConfig):
    name = "kamtibmas.aspirations"
    label = "aspirations"
    verbose_name = _("Aspirations and complaints")

    def ready(self) -> None:
        from kamtibmas.aspirations.models import RoutingRule, SlaSetting
        from kamtibmas.core.reference import watch

        watch(RoutingRule, SlaSetting)  # each process remembers them (core.reference)
