from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kamtibmas.dashboards.rollup import cases_rollup_refresh


class Command(BaseCommand):
    help = (
        "Bring the dashboards' roll-up of received cases up to date (what the worker "
        "does every five minutes); --rebuild counts every day again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Count every day again.")

    def handle(self, *args: Any, rebuild: bool, **options: Any) -> None:
        started = time.perf_counter()
        result = cases_rollup_refresh(rebuild=rebuild)
        self.stdout.write(
            f"Roll-up {'rebuilt' if result.rebuilt else 'refreshed'}: {result.days} days "
            f"counted, {result.rows} rows written, in {time.perf_counter() - started:.1f} s."
        )
