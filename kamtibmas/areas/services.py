"""Writes of the areas app: the registry, RW/RT on demand, and units."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from kamtibmas.areas.models import ANCESTOR_FIELD, Area, AreaKind, AreaLevel, Unit, UnitKind
from kamtibmas.areas.timezones import timezone_for_code


def _ancestor_values(parent: Area | None) -> dict[str, int | None]:
    """The ancestor columns of a child of ``parent``: the parent's, plus the parent."""
    values: dict[str, int | None] = {name: None for name in ANCESTOR_FIELD.values()}
    if parent is not None:
        for level, name in ANCESTOR_FIELD.items():
            if level < parent.level:
                values[name] = getattr(parent, f"{name}_id")
        values[ANCESTOR_FIELD[AreaLevel(parent.level)]] = parent.pk
    return {f"{name}_id": pk for name, pk in values.items()}


def area_create(*, code: str, name: str, level: AreaLevel, kind: AreaKind,
                parent: Area | None) -> Area:
    """Create one area with its ancestor columns and time zone filled in."""
    if (parent is None) != (level == AreaLevel.PROVINCE):
        raise ValueError("Only provinces have no parent.")
    if parent is not None and parent.level != level - 1:
        raise ValueError(f"A level-{level} area needs a level-{level - 1} parent.")
    return Area.objects.create(
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        timezone=timezone_for_code(code),
        **_ancestor_values(parent),
    )


def area_rw_get_or_create(*, village: Area, number: int) -> Area:
    """RW ``number`` under a desa/kelurahan, created the first time it is needed."""
    if village.level != AreaLevel.VILLAGE:
        raise ValueError("An RW lies in a desa/kelurahan.")
    return _neighbourhood(parent=village, number=number, level=AreaLevel.RW, kind=AreaKind.RW)


def area_rt_get_or_create(*, rw: Area, number: int) -> Area:
    """RT ``number`` under an RW, created the first time it is needed."""
    if rw.level != AreaLevel.RW:
        raise ValueError("An RT lies in an RW.")
    return _neighbourhood(parent=rw, number=number, level=AreaLevel.RT, kind=AreaKind.RT)


def _neighbourhood(*, parent: Area, number: int, level: AreaLevel, kind: AreaKind) -> Area:
    if not 1 <= number <= 999:
        raise ValueError("RW and RT numbers run from 1 to 999.")
    code = f"{parent.code}.{number:03d}"
    with transaction.atomic():
        existing = Area.objects.filter(code=code).first()
        if existing is not None:
            return existing
        label = "RW" if level == AreaLevel.RW else "RT"
        return area_create(code=code, name=f"{label} {number:03d}", level=level, kind=kind,
                           parent=parent)


def unit_create(
    *,
    name: str,
    kind: UnitKind,
    parent: Unit | None = None,
    coverage: Iterable[Area] = (),
    area: Area | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    phone: str = "",
    opening_hours: str = "",
) -> Unit:
    """Create a unit under ``parent`` and record the areas it covers."""
    with transaction.atomic():
        unit = Unit.objects.create(
            name=name, kind=kind, parent=parent, area=area, latitude=latitude,
            longitude=longitude, address=address, phone=phone, opening_hours=opening_hours,
            path="",
        )
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
        unit.coverage.set(list(coverage))
    return unit


def unit_move(*, unit: Unit, parent: Unit | None) -> Unit:
    """Put ``unit`` (and its whole subtree) under ``parent``."""
    with transaction.atomic():
        if parent is not None and parent.path.startswith(unit.path):
            raise ValueError("A unit cannot be moved under itself.")
        old = unit.path
        new = f"{parent.path if parent else '/'}{unit.pk}/"
        subtree = list(Unit.objects.select_for_update().filter(path__startswith=old))
        for member in subtree:
            member.path = new + member.path[len(old):]
        Unit.objects.bulk_update(subtree, ["path"])
        unit.parent = parent
        unit.path = new
        unit.save(update_fields=["parent", "path"])
    return unit
