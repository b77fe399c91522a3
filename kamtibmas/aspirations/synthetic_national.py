"""Millions of synthetic aspirations over whole provinces, spread over years, for
capacity tests (``kamtibmas generate_synthetic``; the data as a whole:
``core.synthetic``).

Each case is drawn as ``synthetic_bulk`` draws the Kota Bekasi ones (``demo.case_spec``
for the template, register, privacy, contact and source, from a pool of
``SPEC_POOL`` drawn once; ``synthetic.drawn_case`` for its number and history;
written by ``synthetic_bulk._Writer`` through the bulk path, with its audit row),
with what changes at national scale:

* where: a desa/kelurahan of the synthetic Polsek (``areas.synthetic``), by a
  Zipf-like weight: the villages are ranked in an order drawn from the seed and the
  one of rank r weighs ``density / r ** ZIPF_EXPONENT`` (kota and kelurahan denser
  than kabupaten and desa), so a few places report much of the total as in real
  data. The case lies in the kelurahan itself (no RW: creating RWs one by one for
  tens of thousands of villages would take longer than the cases); it names the
  place but has no coordinates (the registry has none);
* the text's roads and places are Kota Bekasi's (the demo's word lists), around the
  real kelurahan's name;
* when: over ``years`` years, more of them lately (adoption grows: the oldest day has
  ``GROWTH_FLOOR`` of today's rate), fewer at weekends (``WEEKDAY``), more in the
  rainy season and at the year's end (``MONTH``), in the evening as the demo's;
* how far: the state by the case's age as the demo draws it (most older cases
  resolved or closed, recent ones open); ``REOPEN_SHARE`` of resolved cases were
  reopened by their reporter ("not fixed"): older ones worked and resolved again,
  those of the last ``STILL_REOPENED_DAYS`` days half of them still reopened. Every
  path follows ``lifecycle.TRANSITIONS``.

Deterministic from the seed (times relative to the day of the run). Cases whose
numbers are taken are skipped, so running again with the same seed adds nothing.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils import timezone

from kamtibmas.areas.synthetic import PoliceVillage
from kamtibmas.aspirations import demo
from kamtibmas.aspirations.models import Source, Status
from kamtibmas.aspirations.synthetic import PATHS, WIB, Village, _Drawn, drawn_case
from kamtibmas.aspirations.synthetic_bulk import CIPHER_POOL, _Writer, drawn_write

ZIPF_EXPONENT = 0.9
YEAR_DAYS = 365
GROWTH_FLOOR = 0.35
#: Monday … Sunday.
WEEKDAY = (1.15, 1.1, 1.05, 1.05, 1.0, 0.85, 0.8)
#: January … December: floods and the rainy season early, the holidays at the end.
MONTH = (1.15, 1.1, 1.0, 0.95, 0.95, 0.9, 0.95, 0.95, 0.9, 1.0, 1.05, 1.2)
REOPEN_SHARE = 0.06
STILL_REOPENED_DAYS = 30
#: The kecamatan of Kota Bekasi whose word lists the national cases borrow (no
#: template is tied to it, nor is its desk).
WORDS_FROM = "32.75.01.1001"
#: Cases take their template, words, privacy, contact and source from a pool of this
#: many (fewer for fewer cases) drawn once: ``demo.case_spec`` costs more than the
#: rest of a case together.
SPEC_POOL = 8192
REOPENED_AND_RESOLVED = (Status.REOPENED, Status.IN_PROGRESS, Status.RESOLVED)


@dataclass(frozen=True)
class NationalResult:
    created: int
    existing: int
    updates: int
    audit: int


def zipf_weights(rng: random.Random, villages: Sequence[PoliceVillage]) -> list[float]:
    """Each village's weight: its density over its rank (drawn from ``rng``) to the
    power ``ZIPF_EXPONENT``."""
    ranks = list(range(1, len(villages) + 1))
    rng.shuffle(ranks)
    return [
        village.density / rank**ZIPF_EXPONENT for village, rank in zip(villages, ranks, strict=True)
    ]


def aspirations_national_create(
    *,
    villages: Sequence[PoliceVillage],
    count: int,
    seed: int,
    years: float,
    progress: Callable[[int], None] = lambda done: None,
) -> NationalResult:
    """Add the ``count`` cases of ``seed`` in ``villages`` over ``years`` years (those
    whose numbers are free) with their histories, follow-up questionnaires and audit
    rows, through the bulk path; ``progress`` hears each batch's size."""
    if not villages:
        raise ValueError("No desa/kelurahan is covered by a synthetic Polsek.")
    rng = random.Random(seed)
    weights = zipf_weights(rng, villages)
    now = timezone.now()
    pool = max(1, min(CIPHER_POOL, count))
    writer = _Writer(rng=random.Random(seed + 1), now=now, audit=True, pool=pool)
    drawn = national_drawn(
        rng,
        [Village(area=v.area, unit_id=v.unit_id) for v in villages],
        weights,
        count,
        days=years * YEAR_DAYS,
        today=now.astimezone(WIB).date(),
    )
    result = drawn_write(
        drawn, writer=writer, area_of=lambda case, village: village.area, progress=progress
    )
    return NationalResult(
        created=result.created,
        existing=result.existing,
        updates=result.updates,
        audit=writer.audited,
    )


def national_drawn(
    rng: random.Random,
    villages: list[Village],
    weights: list[float],
    count: int,
    *,
    days: float,
    today: date,
) -> Iterator[tuple[_Drawn, Village]]:
    """The ``count`` cases of ``rng`` in ``villages`` by ``weights``, received within
    ``days`` days before the end of ``today``."""
    cumulative = list(itertools.accumulate(weights))
    numbers: set[str] = set()
    pool_rng = random.Random(rng.random())
    pool = [
        demo.case_spec(pool_rng, key, WORDS_FROM, days_back=1)
        for key in range(min(SPEC_POOL, count))
    ]
    for key in range(count):
        village = rng.choices(villages, cum_weights=cumulative)[0]
        spec = pool[rng.randrange(len(pool))]
        age = received_age(rng, days=days, today=today)
        hour = (
            rng.choice([8, 9, 10, 11, 13, 14, 15])
            if spec.source == Source.DESK
            else demo._evening_hour(rng)
        )
        path = case_path(rng, demo._status(rng, demo.TEMPLATES[spec.template], age), age)
        spec = replace(
            spec,
            key=key,
            village=village.area.code,
            minutes_before=int(age) * 1440 + 1440 - (hour * 60 + rng.randint(0, 59)),
            status=path[-1] if path else Status.RECEIVED,
            point=None,
        )
        yield drawn_case(rng, spec, path, numbers), village


def received_age(rng: random.Random, *, days: float, today: date) -> float:
    """How many days before the end of ``today`` a case came in, within ``days``:
    growing adoption, weekday and seasonal rates (rejection sampling)."""
    ceiling = max(WEEKDAY) * max(MONTH)
    while True:
        age = days * rng.random()
        day = today - timedelta(days=int(age))
        growth = GROWTH_FLOOR + (1 - GROWTH_FLOOR) * (1 - age / days)
        rate = growth * WEEKDAY[day.weekday()] * MONTH[day.month - 1]
        if rng.random() * ceiling < rate:
            return age


def case_path(rng: random.Random, status: str, age: float) -> tuple[str, ...]:
    """The status changes after "received" leading to ``status``, with a reopening by
    the reporter for ``REOPEN_SHARE`` of resolved cases."""
    path = PATHS[status]
    if status != Status.RESOLVED or rng.random() >= REOPEN_SHARE:
        return path
    if age < STILL_REOPENED_DAYS and rng.random() < 0.5:
        return (*path, Status.REOPENED)
    return (*path, *REOPENED_AND_RESOLVED)
