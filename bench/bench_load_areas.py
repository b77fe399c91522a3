"""§9 P6: loading the area registry, in rows/s, against C0 measured in the same run.

    .venv/bin/python bench/bench_load_areas.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_load_areas.py

Each round empties ``areas_area`` and runs ``area_registry_load()`` exactly as
``kamtibmas load_areas`` does (reading and cleaning the package's CSV files
included), then loads the very rows it wrote (ids, ancestor columns and time
stamps included) through C0, the database's raw bulk path (SQLite: one
``executemany`` in one transaction; PostgreSQL: ``COPY`` through psycopg) into
``bench_c0``, a plain table with Area's DDL: same columns, unique code, indexes and
deferred self-referencing foreign keys, as Django's schema editor creates them. A
bare table (columns and primary key only) is reported for information. The target
is load rows/s ≥ 0.5 × C0 rows/s; medians over the rounds.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING

from benchenv import bench_django, machine

if TYPE_CHECKING:
    from django.db.models import Model

ROUNDS = 5
TARGET = 0.5


def main() -> None:
    with bench_django() as database:
        report(database)


def report(database: str) -> None:
    from django.db import connection

    from kamtibmas.areas.models import Area
    from kamtibmas.areas.registry import registry_read
    from kamtibmas.areas.services import area_registry_load

    registry_read()  # warm the file cache and the imports
    table, bare = c0_table(same_ddl=True), c0_table(same_ddl=False)
    columns = [field.column for field in Area._meta.local_fields]
    with connection.schema_editor() as editor:
        editor.create_model(table)
        editor.create_model(bare)

    load: list[float] = []
    parse: list[float] = []
    rerun: list[float] = []
    c0: list[float] = []
    c0_bare: list[float] = []
    rows: list[tuple[object, ...]] = []
    for _round in range(ROUNDS):
        empty(Area._meta.db_table)
        started = time.perf_counter()
        result = area_registry_load()
        load.append(time.perf_counter() - started)
        assert result.created > 90_000
        started = time.perf_counter()
        area_registry_load()
        rerun.append(time.perf_counter() - started)
        started = time.perf_counter()
        registry_read()
        parse.append(time.perf_counter() - started)
        rows = stored_rows(columns)
        for timings, model in ((c0, table), (c0_bare, bare)):
            empty(model._meta.db_table)
            started = time.perf_counter()
            raw_bulk_insert(model._meta.db_table, columns, rows)
            timings.append(time.perf_counter() - started)

    count = len(rows)
    median = {
        name: statistics.median(times)
        for name, times in (
            ("load", load),
            ("parse", parse),
            ("rerun", rerun),
            ("c0", c0),
            ("bare", c0_bare),
        )
    }
    c0_path = "COPY" if connection.vendor == "postgresql" else "executemany, one transaction"
    ratio = median["c0"] / median["load"]
    verdict = "met" if ratio >= TARGET else "MISSED"
    lines = [
        "P6 area registry load (bench/bench_load_areas.py)",
        f"machine:  {machine()}",
        f"database: {database}",
        f"rows:     {count:,} (median of {ROUNDS} rounds)",
        "",
        f"{'':52}{'seconds':>9}{'rows/s':>11}",
        row("area_registry_load(), empty table", median["load"], count),
        row("  of which reading+cleaning the CSV", median["parse"], count),
        row(f"C0 {c0_path}, Area's DDL", median["c0"], count),
        row(f"C0 {c0_path}, bare table (info)", median["bare"], count),
        row("area_registry_load() again, nothing to write", median["rerun"], count),
        "",
        f"ratio load/C0 = {ratio:.2f}  (target >= {TARGET}: {verdict})",
        f"ratio load/C0 bare table = {median['bare'] / median['load']:.2f}  (information)",
    ]
    print("\n".join(lines))


def row(label: str, seconds: float, count: int) -> str:
    return f"{label:52}{seconds:9.3f}{count / seconds:11,.0f}"


def c0_table(*, same_ddl: bool) -> type[Model]:
    """A model over ``bench_c0``: Area's fields, or (``same_ddl=False``) bare columns."""
    from django.db import models

    from kamtibmas.areas.models import Area

    name = "bench_c0" if same_ddl else "bench_c0_bare"
    attrs: dict[str, object] = {"__module__": __name__}
    for field in Area._meta.local_fields:
        _name, _path, args, kwargs = field.deconstruct()
        if same_ddl:
            if field.is_relation:
                kwargs.update(to="self", related_name="+")
            attrs[field.name] = type(field)(*args, **kwargs)
        elif field.primary_key:
            attrs[field.name] = models.BigAutoField(primary_key=True)
        elif field.is_relation:
            attrs[field.name] = models.BigIntegerField(null=True, db_column=field.column)
        else:
            kwargs.pop("unique", None)
            kwargs.pop("auto_now", None)
            kwargs.pop("auto_now_add", None)
            attrs[field.name] = type(field)(*args, **kwargs)
    indexes = [models.Index(fields=["level", "name"], name=f"{name}_level_name")]
    attrs["Meta"] = type(
        "Meta", (), {"app_label": "areas", "db_table": name, "indexes": indexes if same_ddl else []}
    )
    return type(name.title().replace("_", ""), (models.Model,), attrs)


def empty(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'TRUNCATE TABLE "{table}" CASCADE')
        else:
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608


def stored_rows(columns: list[str]) -> list[tuple[object, ...]]:
    """Every area row as the database holds it, in id order, ready to insert again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM areas_area ORDER BY id"  # noqa: S608
        )
        rows = cursor.fetchall()
    adapt = connection.ops.adapt_datetimefield_value
    return [tuple(adapt(v) if hasattr(v, "tzinfo") else v for v in r) for r in rows]


def raw_bulk_insert(table: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    """C0: the database's own bulk path on its DB-API connection, in one transaction."""
    from django.db import connection, transaction

    names = ", ".join(f'"{column}"' for column in columns)
    with transaction.atomic():
        raw = connection.connection
        if connection.vendor == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
            ):
                for values in rows:
                    copy.write_row(values)
        else:
            marks = ", ".join("?" * len(columns))
            raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


if __name__ == "__main__":
    main()
