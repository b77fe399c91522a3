"""Synthetic households for capacity tests (``kamtibmas generate_synthetic``; the data
as a whole: ``core.synthetic``).

Households in the given villages by the same weights as the cases (where people
report, people live), written through the database's bulk path in batches: the KK
number (the kecamatan's six digits, then a serial: unique, valid in form), the head's
name and, for most, an address and vulnerability notes are encrypted by the fields
themselves, and the KK's blind index is real, so the app finds a household by its
KK like any other. No card yet. Deterministic from the seed; the serials carry the
seed, so a second run with the same seed finds its first KK taken and adds nothing.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import connection, models, transaction
from django.utils import timezone

from kamtibmas.aid.models import Household
from kamtibmas.areas.models import Area
from kamtibmas.aspirations import demo
from kamtibmas.core.bulk import adapted_rows, reserve_ids, rows_insert
from kamtibmas.privacy.blind_index import blind_index

BATCH = 5_000
VULNERABILITIES = (
    "Lansia tinggal sendiri",
    "Penyandang disabilitas",
    "Kepala keluarga perempuan, tiga anak balita",
    "Rumah rawan banjir",
    "Tidak memiliki penghasilan tetap",
)


def households_synthetic_create(
    *,
    villages: Sequence[Area],
    weights: Sequence[float],
    count: int,
    seed: int,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Add ``count`` households of ``seed`` in ``villages`` by ``weights``; returns how
    many were written (0 when those of ``seed`` are there already)."""
    if count == 0 or not villages:
        return 0
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(weights))
    serial = (seed % 1_000) * 10_000_000
    if Household.objects.filter(kk_index=blind_index("kk", _kk(villages[0], serial))).exists():
        return 0
    fields = Household._meta.concrete_fields
    encrypted = {
        name: cast(models.Field[Any, Any], Household._meta.get_field(name))
        for name in ("kk_number", "head_name", "address", "vulnerability")
    }
    now = timezone.now()
    written = 0
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        rows = []
        with transaction.atomic():
            first = reserve_ids(Household, size)
            for offset in range(size):
                village = rng.choices(villages, cum_weights=cumulative)[0]
                kk = _kk(village, serial + start + offset)
                members = rng.choices(range(1, 9), [8, 15, 22, 24, 16, 8, 4, 3])[0]
                clear: dict[str, Any] = {
                    "kk_number": kk,
                    "head_name": f"{rng.choice(demo.FIRST_NAMES)} {rng.choice(demo.LAST_NAMES)}",
                    "address": f"{rng.choice(demo.ROADS[demo.KAYURINGIN[:8]])} No. "
                    f"{rng.randint(1, 200)}, {village.name}"
                    if rng.random() < 0.9
                    else None,
                    "vulnerability": rng.choice(VULNERABILITIES) if rng.random() < 0.3 else None,
                }
                values = {
                    "id": first + offset,
                    **{name: _encrypted(field, clear[name]) for name, field in encrypted.items()},
                    "kk_index": blind_index("kk", kk),
                    "area_id": village.pk,
                    "members": members,
                    "children": rng.randint(0, max(0, members - 2)),
                    "card_code": None,
                    "card_index": None,
                    "created_at": now,
                    "updated_at": now,
                }
                rows.append(tuple(values[field.attname] for field in fields))
            rows_insert(
                Household._meta.db_table, [field.column for field in fields], adapted_rows(rows)
            )
        written += size
        progress(size)
    return written


def _kk(village: Area, serial: int) -> str:
    """A KK number of ``village``'s kecamatan (its code's six digits) and ``serial``."""
    district = "".join(village.code.split(".")[:3])
    return f"{district}{serial % 10**10:010d}"


def _encrypted(field: models.Field[Any, Any], value: str | None) -> Any:
    return None if value is None else field.get_db_prep_save(value, connection)
