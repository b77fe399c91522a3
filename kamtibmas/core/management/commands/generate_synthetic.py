from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from kamtibmas.areas.synthetic import units_synthetic_exist
from kamtibmas.core.synthetic import synthetic_generate

DEFAULT_SEED = 20251128


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic national data for capacity tests and benchmarks "
        "(bench/README.md): a Polda for each of POLDA provinces (those with the most "
        "desa/kelurahan) with a Polres per kabupaten/kota and a Polsek per kecamatan; "
        "ASPIRATIONS cases over YEARS years, skewed over kelurahan (Zipf-like, denser "
        "in cities), weekdays and seasons, with their histories (most older cases "
        "resolved or closed, some reopened), follow-up questionnaires and audit rows; "
        "a dialogue per 40 cases, a household per 10 and a loss report per 50 (most "
        "with their signed certificate). Written through the "
        "database's bulk path (COPY on PostgreSQL). The same seed gives the same rows. "
        "Needs the area registry (kamtibmas load_areas). Refuses to run a second time "
        "unless --force, which adds only what the seed has not written yet. Not in "
        "production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--aspirations",
            type=int,
            default=1_000_000,
            help="Cases to write (default: %(default)s; 10000000 for the larger test).",
        )
        parser.add_argument(
            "--polda", type=int, default=3, help="Provinces, a Polda each (default: 3)."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--years",
            type=float,
            default=3.0,
            help="The cases come in over this many years up to today (default: 3).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run although synthetic units exist: reuse them and add only the rows "
            "of this seed not there yet.",
        )

    def handle(
        self,
        *args: Any,
        aspirations: int,
        polda: int,
        seed: int,
        years: float,
        force: bool,
        **options: Any,
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError(_("Synthetic data is made up: not in production."))
        if units_synthetic_exist() and not force:
            raise CommandError("This database holds synthetic data already: --force to add to it.")
        started = time.perf_counter()
        with ExitStack() as bars:

            def progress(label: str, total: int) -> Callable[[int], None]:
                bar = bars.enter_context(
                    tqdm(
                        total=total,
                        desc=label,
                        unit=" rows",
                        file=self.stderr,
                        disable=options["verbosity"] == 0,
                    )
                )
                return bar.update

            try:
                report = synthetic_generate(
                    aspirations=aspirations,
                    polda=polda,
                    seed=seed,
                    years=years,
                    progress=progress,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        cases = report.aspirations
        self.stdout.write(
            f"Synthetic data (seed {seed}) in {time.perf_counter() - started:.1f} s: "
            f"{report.units} Polsek over {report.villages} desa/kelurahan; "
            f"{cases.created} aspirations ({cases.existing} already there) with "
            f"{cases.updates} updates and {cases.audit} audit rows; "
            f"{report.dialogues.dialogues} dialogues ({report.dialogues.held} held); "
            f"{report.households} households; {report.loss_reports.reports} loss reports "
            f"with {report.loss_reports.certificates} certificates."
        )
