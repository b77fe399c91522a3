from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "kamtibmas.areas"
    label = "areas"
    verbose_name = _("Areas")

    def ready(self) -> None:
        from kamtibmas.areas.models import Area, Unit
        from kamtibmas.core.reference import watch

        # Each process remembers them (core.reference).
        watch(Unit)
        watch(Area, new_rows_too=False)
