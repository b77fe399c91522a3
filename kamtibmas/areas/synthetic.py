"""Synthetic police units over whole provinces, for capacity tests (``kamtibmas
generate_synthetic``; the data as a whole: ``core.synthetic``).

For each of ``polda`` provinces of the area registry (those with the most
desa/kelurahan first, ties by code): a Polda covering the province, a Polres per
kabupaten/kota and a Polsek per kecamatan, each covering its area. A kabupaten/kota
that a police unit already covers (the demo's Polda Metro Jaya covers Kota Bekasi)
is left to it, so routing finds one territorial unit per kelurahan.

The Polda goes through ``areas.services.unit_create`` (its coverage checked like any
unit's); the hundreds of Polres and Polsek below it are written through the
database's bulk path (``core.bulk.rows_insert``) with their materialised paths,
since ``unit_create`` re-reads and locks the parent and checks the coverage row by
row: minutes for a province. Their coverage lies inside the Polda's by construction
(the registry's hierarchy). Names end with ``SYNTHETIC_MARK`` so that a second run
finds them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from kamtibmas.areas.models import POLICE_KINDS, Area, AreaKind, AreaLevel, Unit, UnitKind
from kamtibmas.areas.services import unit_create
from kamtibmas.core.bulk import adapted_rows, reserve_ids, rows_insert

SYNTHETIC_MARK = "(sintetis)"
#: How much more a city's (kota) kelurahan report than a regency's, and a kelurahan
#: (urban ward) than a desa: density, before each place's own Zipf rank.
CITY_DENSITY = 4.0
URBAN_DENSITY = 2.0


@dataclass(frozen=True)
class PoliceVillage:
    """A desa/kelurahan, the Polsek that covers it and how dense it is (≥ 1)."""

    area: Area
    unit_id: int
    density: float


def provinces_synthetic(polda: int, *, taken: set[int] = frozenset()) -> list[Area]:  # type: ignore[assignment]
    """The ``polda`` provinces with the most desa/kelurahan in the registry, those in
    ``taken`` (ids of areas a police unit covers) left out."""
    counts = {
        row["province"]: row["n"]
        for row in Area.objects.filter(level=AreaLevel.VILLAGE)
        .values("province")
        .annotate(n=Count("id"))
    }
    provinces = sorted(
        Area.objects.filter(level=AreaLevel.PROVINCE, pk__in=list(counts)).exclude(
            pk__in=list(taken)
        ),
        key=lambda area: (-counts[area.pk], area.code),
    )
    return provinces[:polda]


def units_synthetic_exist() -> bool:
    return Unit.objects.filter(kind=UnitKind.POLDA, name__endswith=SYNTHETIC_MARK).exists()


def units_synthetic_create(*, polda: int) -> list[PoliceVillage]:
    """The synthetic Polda of ``polda`` provinces with their Polres and Polsek (those
    missing), and every desa/kelurahan they cover, by code."""
    villages: list[PoliceVillage] = []
    taken = set(
        Area.objects.filter(covering_units__kind__in=POLICE_KINDS, level__lte=AreaLevel.REGENCY)
        .exclude(covering_units__name__endswith=SYNTHETIC_MARK)
        .values_list("pk", flat=True)
    )
    for province in provinces_synthetic(polda, taken=taken):
        with transaction.atomic():
            villages += _province_units(province, taken)
    return sorted(villages, key=lambda village: village.area.code)


def _province_units(province: Area, taken: set[int]) -> list[PoliceVillage]:
    name = f"Polda {province.name} {SYNTHETIC_MARK}"
    polda = Unit.objects.filter(name=name).first() or unit_create(
        name=name, kind=UnitKind.POLDA, coverage=[province], area=province
    )
    regencies = [
        area
        for area in Area.objects.filter(level=AreaLevel.REGENCY, province=province)
        if area.pk not in taken
    ]
    districts: dict[int, list[Area]] = defaultdict(list)
    for district in Area.objects.filter(level=AreaLevel.DISTRICT, regency__in=regencies):
        districts[district.regency_id].append(district)  # type: ignore[index]
    existing = {
        unit.area_id: unit
        for unit in Unit.objects.filter(path__startswith=polda.path).exclude(pk=polda.pk)
    }
    polsek_of: dict[int, int] = {}
    rows: list[tuple[Unit, Area]] = []

    def unit(kind: UnitKind, area: Area, parent: Unit) -> Unit:
        """The unit of ``area`` below ``parent``: the one there, else a new row."""
        found = existing.get(area.pk)
        if found is None:
            label = "Polres" if kind == UnitKind.POLRES else "Polsek"
            found = Unit(
                name=f"{label} {area.name} {SYNTHETIC_MARK}", kind=kind, parent=parent, area=area
            )
            rows.append((found, area))
        return found

    for regency in regencies:
        polres = unit(UnitKind.POLRES, regency, polda)
        for district in districts[regency.pk]:
            polsek_of[district.pk] = id(unit(UnitKind.POLSEK, district, polres))
    _units_insert(rows)
    pk_of = {id(unit): unit.pk for unit, _area in rows} | {
        id(unit): unit.pk for unit in existing.values()
    }
    cities = {area.pk for area in regencies if area.kind == AreaKind.KOTA}
    return [
        PoliceVillage(
            area=village,
            unit_id=pk_of[polsek_of[village.district_id]],  # type: ignore[index]
            density=(CITY_DENSITY if village.regency_id in cities else 1.0)
            * (URBAN_DENSITY if village.kind == AreaKind.KELURAHAN else 1.0),
        )
        for village in Area.objects.filter(level=AreaLevel.VILLAGE, district_id__in=list(polsek_of))
    ]


def _units_insert(rows: list[tuple[Unit, Area]]) -> None:
    """Write ``rows`` (parents before children; each unit covering its area) in bulk,
    giving each its id and path. Call inside a transaction."""
    if not rows:
        return
    first = reserve_ids(Unit, len(rows))
    for offset, (unit, _area) in enumerate(rows):
        unit.pk = first + offset
        parent = unit.parent
        assert parent is not None and parent.path
        unit.path = f"{parent.path}{unit.pk}/"
        unit.parent_id = parent.pk  # given before the parent had its id
    now = timezone.now()
    fields = Unit._meta.concrete_fields
    values = []
    for unit, _area in rows:
        unit.created_at = unit.updated_at = now
        values.append(
            tuple(
                field.get_db_prep_save(getattr(unit, field.attname), connection) for field in fields
            )
        )
    rows_insert(Unit._meta.db_table, [field.column for field in fields], adapted_rows(values))
    through = Unit.coverage.through
    start = reserve_ids(through, len(rows))
    rows_insert(
        through._meta.db_table,
        ["id", "unit_id", "area_id"],
        [(start + offset, unit.pk, area.pk) for offset, (unit, area) in enumerate(rows)],
    )
