from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "kamtibmas.areas"
    label = "areas"
    verbose_name = _("Areas")

    def ready(self) -> None:
        from kamtibmas.areas.models import Area, Unit
        from kamtibmas.core.reference import watch

        # Each process remembers them (core.reference). A new area renews the stamp
        # too: were its transaction rolled back, SQLite would give its id to another.
        watch(Area, Unit)
