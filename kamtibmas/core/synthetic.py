"""Synthetic national data for capacity tests and benchmarks (``kamtibmas
generate_synthetic``, issue 13): units for several Polda, aspirations by the million
with their histories, follow-up questionnaires and audit rows, dialogues, households,
loss reports and their certificates.

What each part draws, and how, is said where it is drawn: units in
``areas.synthetic``, aspirations in ``aspirations.synthetic_national`` (over the
bulk writer of ``aspirations.synthetic_bulk``), dialogues in
``synthetic_bulk.dialogues_synthetic_create``, households in ``aid.synthetic``, loss
reports and certificates in ``certificates.synthetic``. This
module decides the volumes: everything in proportion to the aspirations
(``HOUSEHOLDS_PER_ASPIRATION``, ``ASPIRATIONS_PER_DIALOGUE``,
``LOSS_REPORTS_PER_ASPIRATION``), the dialogues evenly
over the years in a sample of the covered kelurahan (about four each), the
households where the cases are.

Made-up data: never in production (the command refuses). Deterministic from the
seed, times relative to the day of the run; running again with the same seed adds
nothing (units found by name, cases by number, dialogues and households by marks
of the seed).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from kamtibmas.aid.synthetic import households_synthetic_create
from kamtibmas.areas.synthetic import units_synthetic_create
from kamtibmas.aspirations.synthetic import Village
from kamtibmas.aspirations.synthetic_bulk import DialogueResult, dialogues_synthetic_create
from kamtibmas.aspirations.synthetic_national import (
    YEAR_DAYS,
    NationalResult,
    aspirations_national_create,
    zipf_weights,
)
from kamtibmas.certificates.synthetic import LossResult, loss_reports_synthetic_create

HOUSEHOLDS_PER_ASPIRATION = 0.1
LOSS_REPORTS_PER_ASPIRATION = 0.02
ASPIRATIONS_PER_DIALOGUE = 40

#: ``start(label, total)`` returns what hears each step's count for that part.
Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class SyntheticReport:
    units: int
    villages: int
    aspirations: NationalResult
    dialogues: DialogueResult
    households: int
    loss_reports: LossResult


def synthetic_generate(
    *,
    aspirations: int,
    polda: int,
    seed: int,
    years: float,
    progress: Progress = lambda label, total: lambda done: None,
) -> SyntheticReport:
    """Fill the database as the module says; raises ``ValueError`` when the registry
    gives no desa/kelurahan to cover (load it first: ``kamtibmas load_areas``)."""
    if aspirations < 0 or polda < 1 or years <= 0:
        raise ValueError("Aspirations ≥ 0, Polda ≥ 1 and years > 0, please.")
    villages = units_synthetic_create(polda=polda)
    if not villages:
        raise ValueError(
            "The area registry has no province left to cover: load it first (kamtibmas load_areas)."
        )
    cases = aspirations_national_create(
        villages=villages,
        count=aspirations,
        seed=seed,
        years=years,
        progress=progress("Aspirations", aspirations),
    )
    days = int(years * YEAR_DAYS)
    wanted = max(1, aspirations // ASPIRATIONS_PER_DIALOGUE)
    # Some kelurahan hold dialogues, a few each: evenly over all of them, most would
    # have a fraction of one.
    hosts = random.Random(seed).sample(villages, min(len(villages), max(1, wanted // 4)))
    gap = days * len(hosts) / wanted  # mean days between two dialogues in a village
    dialogues = dialogues_synthetic_create(
        seed=seed,
        days=days,
        villages=[Village(area=v.area, unit_id=v.unit_id) for v in hosts],
        spacing=(0.2 * gap, 1.8 * gap),
        in_rws=False,
    )
    weights = zipf_weights(random.Random(seed), villages)
    households = int(aspirations * HOUSEHOLDS_PER_ASPIRATION)
    written = households_synthetic_create(
        villages=[v.area for v in villages],
        weights=weights,
        count=households,
        seed=seed,
        progress=progress("Households", households),
    )
    reports = int(aspirations * LOSS_REPORTS_PER_ASPIRATION)
    losses = loss_reports_synthetic_create(
        villages=villages,
        weights=weights,
        count=reports,
        seed=seed,
        years=years,
        progress=progress("Loss reports", reports),
    )
    return SyntheticReport(
        units=len({v.unit_id for v in villages}),
        villages=len(villages),
        aspirations=cases,
        dialogues=dialogues,
        households=written,
        loss_reports=losses,
    )
