from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from kamtibmas.aspirations.synthetic import aspirations_synthetic_create
from kamtibmas.aspirations.synthetic_bulk import (
    aspirations_synthetic_bulk_create,
    dialogues_synthetic_create,
)
from kamtibmas.core.baselines import baseline_table_create

DEFAULT_ASPIRATIONS = 5_000
DEFAULT_SEED = 20251128


class Command(BaseCommand):
    help = (
        "Fill the database for the benchmarks (bench/bench_api.py): the demo set-up (as "
        "`kamtibmas demo --no-serve`: migrations, area registry, units, accounts, demo "
        "cases), then ASPIRATIONS synthetic aspirations with their histories across "
        "Kota Bekasi, written in bulk, and the table of the W0 baseline. Seeded: the same "
        "cases every time; a second run adds only those missing. --bulk writes them "
        "through the database's bulk path (COPY on PostgreSQL) spread over two years, "
        "with follow-up questionnaires and about a dialogue a week per kelurahan, for "
        "the dashboard benchmark (bench/bench_dashboard.py). Not in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--aspirations",
            type=int,
            default=DEFAULT_ASPIRATIONS,
            help="Synthetic aspirations to have (default: %(default)s).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Write through the database's bulk path (millions of cases in minutes), "
            "and add synthetic dialogues with attendance, topics and survey answers.",
        )
        parser.add_argument(
            "--without-demo",
            action="store_true",
            help="Skip the demo set-up: add the aspirations to the Kota Bekasi kelurahan "
            "that police units already cover.",
        )

    def handle(
        self,
        *args: Any,
        aspirations: int,
        seed: int,
        without_demo: bool,
        bulk: bool = False,
        **options: Any,
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError(_("Benchmark data is made up: not in production."))
        if aspirations < 0:
            raise CommandError("--aspirations: not a negative number.")
        if not without_demo:
            call_command("demo", no_serve=True, stdout=self.stdout, stderr=self.stderr)
        baseline_table_create()
        started = time.perf_counter()
        with tqdm(
            total=aspirations,
            desc="Synthetic aspirations",
            unit=" cases",
            file=self.stderr,
            disable=options["verbosity"] == 0,
        ) as bar:
            try:
                create = aspirations_synthetic_bulk_create if bulk else aspirations_synthetic_create
                result = create(count=aspirations, seed=seed, progress=bar.update)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Synthetic aspirations (seed {seed}): {result.created} created with "
            f"{result.updates} updates, {result.existing} already there, in "
            f"{time.perf_counter() - started:.1f} s."
        )
        if bulk:
            try:
                dialogues = dialogues_synthetic_create(seed=seed)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Synthetic dialogues: {dialogues.dialogues} ({dialogues.held} held) with "
                f"{dialogues.answers} survey answers and {dialogues.follow_ups} follow-ups."
            )
