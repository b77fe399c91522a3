"""Issue 13 point 1: ``kamtibmas generate_synthetic`` in rows/s, against C0 measured in
the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_synthetic.py
    .venv/bin/python bench/bench_synthetic.py --aspirations 20000     # SQLite, small
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python \\
        bench/bench_synthetic.py --aspirations 10000000 --no-c0      # the larger test, once

1. A fresh database (``benchenv``: a scratch database on the server of
   ``DATABASE_URL``, dropped afterwards), migrated, the area registry loaded
   (``kamtibmas load_areas``, not timed).
2. Timed: ``generate_synthetic --aspirations N --polda K`` as the command runs it
   (units, cases with updates, questionnaires and audit rows, dialogues, households,
   loss reports with their certificates),
   one run. Rows written: every row of the tables it fills, counted afterwards.
3. C0, timed the same way: the very rows it wrote, read back table by table and
   loaded again through the database's raw bulk path (PostgreSQL: ``COPY`` through
   psycopg, ``write_row`` per row; SQLite: ``executemany``) into bare tables of the
   same shape (``CREATE TABLE … AS SELECT … WHERE 1 = 0``: the same columns and types,
   no index, key or constraint), one transaction per table. Only the writes are timed:
   the rows are read in chunks on a second connection (PostgreSQL) or before
   (SQLite).

Reported: seconds and rows/s of both, the ratio, rows per table and the database's
size. No target is set by the issue for the ratio; §9 P6 asks 0.5 of C0 for the
area registry, where nothing is drawn.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchenv import bench_django, machine

CHUNK = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aspirations", type=int, default=1_000_000)
    parser.add_argument("--polda", type=int, default=3)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=20251128)
    parser.add_argument("--no-c0", action="store_true", help="skip C0 (the 10,000,000 run)")
    args = parser.parse_args()
    with bench_django() as database:
        report(database, args)


def tables() -> list[str]:
    """The tables ``generate_synthetic`` fills."""
    from kamtibmas.aid.models import Household
    from kamtibmas.areas.models import Unit
    from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Survey
    from kamtibmas.certificates.models import (
        Certificate,
        CertificateCounter,
        LossReport,
        LostItem,
    )
    from kamtibmas.engagements.models import Dialogue, FollowUp, TopicDelivered
    from kamtibmas.privacy.models import AuditEntry
    from kamtibmas.surveys.models import SurveyResponse

    models: list[Any] = [
        Unit,
        Unit.coverage.through,
        Aspiration,
        AspirationUpdate,
        Survey,
        AuditEntry,
        Dialogue,
        TopicDelivered,
        SurveyResponse,
        FollowUp,
        Household,
        LossReport,
        LostItem,
        Certificate,
        CertificateCounter,
    ]
    return [model._meta.db_table for model in models]


def report(database: str, args: argparse.Namespace) -> None:
    import io

    from django.core.management import call_command
    from django.db import connection

    call_command("load_areas", verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())
    started = time.perf_counter()
    call_command(
        "generate_synthetic",
        aspirations=args.aspirations,
        polda=args.polda,
        years=args.years,
        seed=args.seed,
        verbosity=0,
        stdout=io.StringIO(),
    )
    seconds = time.perf_counter() - started
    counts = {table: count(table) for table in tables()}
    total = sum(counts.values())
    c0 = None if args.no_c0 else sum(c0_seconds(table) for table in tables())
    size = database_size()
    lines = [
        "Synthetic national data (bench/bench_synthetic.py)",
        f"machine:  {machine()}",
        f"database: {database}",
        f"options:  --aspirations {args.aspirations:,} --polda {args.polda} "
        f"--years {args.years:g} --seed {args.seed}",
        "",
        *(f"  {table:36}{rows:>14,}" for table, rows in counts.items()),
        f"  {'all':36}{total:>14,}",
        "",
        f"{'':44}{'seconds':>9}{'rows/s':>12}",
        f"{'generate_synthetic':44}{seconds:9.1f}{total / seconds:12,.0f}",
    ]
    if c0 is not None:
        path = "COPY" if connection.vendor == "postgresql" else "executemany"
        lines += [
            f"{'C0 ' + path + ', same rows, bare tables':44}{c0:9.1f}{total / c0:12,.0f}",
            "",
            f"ratio generate_synthetic/C0 = {c0 / seconds:.2f} (rows/s over rows/s)",
        ]
    if size is not None:
        lines.append(f"database size after it: {size / 2**30:.2f} GiB")
    print("\n".join(lines))


def count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
        (rows,) = cursor.fetchone()
    return int(rows)


def database_size() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        (size,) = cursor.fetchone()
    return int(size)


def c0_seconds(table: str) -> float:
    """Load ``table``'s rows again into a bare copy of it, raw; the writes' seconds."""
    from django.db import connection, transaction

    bare = f"bench_c0_{table}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{bare}"')
        cursor.execute(f'CREATE TABLE "{bare}" AS SELECT * FROM "{table}" WHERE 1 = 0')  # noqa: S608
        cursor.execute(f'SELECT * FROM "{table}" LIMIT 0')  # noqa: S608
        columns = [column[0] for column in cursor.description]
    names = ", ".join(f'"{column}"' for column in columns)
    if connection.vendor == "postgresql":
        return _c0_copy(table, bare, names)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY id')  # noqa: S608
        rows = cursor.fetchall()
    raw = connection.connection
    marks = ", ".join("?" * len(columns))
    started = time.perf_counter()
    with transaction.atomic():
        raw.executemany(f'INSERT INTO "{bare}" ({names}) VALUES ({marks})', rows)  # noqa: S608
    return time.perf_counter() - started


def _c0_copy(table: str, bare: str, names: str) -> float:
    """COPY on a connection of its own, fed from a server-side cursor on another."""
    import psycopg
    from django.db import connection
    from psycopg.types.string import TextLoader

    given = connection.settings_dict
    settings = {
        "dbname": given["NAME"],
        "user": given["USER"],
        "password": given["PASSWORD"],
        "host": given["HOST"],
        "port": given["PORT"],
    }
    with (
        psycopg.connect(**{k: v for k, v in settings.items() if v}) as reader,
        psycopg.connect(**{k: v for k, v in settings.items() if v}) as writer,
    ):
        # JSON as the text it is stored as, so that it is written back unchanged.
        for name in ("json", "jsonb"):
            reader.adapters.register_loader(name, TextLoader)
        return _c0_copied(reader, writer, table, bare, names)


def _c0_copied(reader: Any, writer: Any, table: str, bare: str, names: str) -> float:
    spent = 0.0
    with reader.cursor(name="c0") as source, writer.cursor() as target:
        source.execute(f'SELECT * FROM "{table}" ORDER BY id')  # noqa: S608
        started = time.perf_counter()
        with target.copy(f'COPY "{bare}" ({names}) FROM STDIN') as copy:
            spent += time.perf_counter() - started
            while rows := source.fetchmany(CHUNK):
                started = time.perf_counter()
                for row in rows:
                    copy.write_row(row)
                spent += time.perf_counter() - started
            started = time.perf_counter()
        writer.commit()
        spent += time.perf_counter() - started
    return spent


if __name__ == "__main__":
    main()
