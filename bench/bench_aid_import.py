"""Issue 8 / §9 P6: importing households from CSV, in rows/s, against baselines
measured in the same run.

    .venv/bin/python bench/bench_aid_import.py            # SQLite
    ROWS=20000 .venv/bin/python bench/bench_aid_import.py

A generated CSV of ``ROWS`` households (100,000 by default; 30 RW × 12 RT of one
kelurahan) is imported with ``households_import`` exactly as ``kamtibmas
import_households`` does: reading, checking every row, blind index, encryption of
the name and address, bulk inserts, one audit entry per household. Baselines:

* B0 reading and checking alone (``household_rows_open`` + ``row_clean``, no database);
* C0 the database's raw bulk path (one ``executemany`` in one transaction) inserting
  the very rows the import stored, already encrypted, into ``aid_household``.

Also measured: the preview (``dry_run``) and importing the same file again (all
unchanged, nothing written).
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from pathlib import Path

from benchenv import bench_django, machine

ROWS = int(os.environ.get("ROWS", "100000"))


def main() -> None:
    with bench_django() as database:
        report(database)


def generate(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(["no_kk", "kepala_keluarga", "rt", "rw", "alamat", "jumlah_anggota",
                         "jumlah_anak"])  # fmt: skip
        for n in range(count):
            writer.writerow(
                [f"32750401{n:08d}", f"Warga Ma’ruf {n}", n % 12 + 1, n % 30 + 1,
                 f"Jl. Cut Meutia No. {n % 400}", n % 6 + 1, n % 3]
            )  # fmt: skip


def report(database: str) -> None:
    from django.db import connection, transaction

    from kamtibmas.accounts.models import Role, User
    from kamtibmas.aid.importing import (
        columns_map,
        household_rows_open,
        households_import,
        row_clean,
    )
    from kamtibmas.aid.models import Household
    from kamtibmas.areas.models import AreaKind, AreaLevel
    from kamtibmas.areas.services import area_create

    province = area_create(code="32", name="Jawa Barat", level=AreaLevel.PROVINCE,
                           kind=AreaKind.PROVINSI, parent=None)  # fmt: skip
    regency = area_create(code="32.75", name="Kota Bekasi", level=AreaLevel.REGENCY,
                          kind=AreaKind.KOTA, parent=province)  # fmt: skip
    district = area_create(code="32.75.04", name="Bekasi Selatan", level=AreaLevel.DISTRICT,
                           kind=AreaKind.KECAMATAN, parent=regency)  # fmt: skip
    village = area_create(code="32.75.04.1005", name="Kayuringin Jaya", level=AreaLevel.VILLAGE,
                          kind=AreaKind.KELURAHAN, parent=district)  # fmt: skip
    actor = User.objects.create_user(username="bench", password="x" * 20, role=Role.ADMIN)

    directory = Path(tempfile.mkdtemp(prefix="kamtibmas-aid-import-"))
    path = directory / "households.csv"
    generate(path, ROWS)
    size = path.stat().st_size

    def run(*, dry_run: bool):
        with household_rows_open(path) as source:
            started = time.perf_counter()
            result = households_import(
                actor=actor, rows_source=source, kelurahan=village, dry_run=dry_run
            )
            return result, time.perf_counter() - started

    started = time.perf_counter()
    with household_rows_open(path) as source:
        columns, _ignored = columns_map(source.header)
        checked = sum(1 for _row, cells in source.rows if row_clean(cells, columns)[0])
    parse = time.perf_counter() - started
    assert checked == ROWS

    preview, preview_seconds = run(dry_run=True)
    assert preview.new == ROWS and Household.objects.count() == 0
    result, load = run(dry_run=False)
    assert result.new == ROWS and result.written
    again, again_seconds = run(dry_run=False)
    assert again.unchanged == ROWS

    table = Household._meta.db_table
    columns_db = [field.column for field in Household._meta.local_fields]
    names = ", ".join(f'"{column}"' for column in columns_db)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {names} FROM "{table}" ORDER BY id')  # noqa: S608
        stored = cursor.fetchall()
        cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608
    adapt = connection.ops.adapt_datetimefield_value
    stored = [tuple(adapt(v) if hasattr(v, "tzinfo") else v for v in r) for r in stored]
    started = time.perf_counter()
    with transaction.atomic():
        marks = ", ".join("?" * len(columns_db))
        connection.connection.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608
            stored,
        )
    c0 = time.perf_counter() - started

    def line(label: str, seconds: float) -> str:
        return f"{label:56}{seconds:9.2f}{ROWS / seconds:11,.0f}"

    print("\n".join([
        "Household import (bench/bench_aid_import.py)",
        f"machine:  {machine()}",
        f"database: {database}",
        f"rows:     {ROWS:,} ({size / 1e6:.1f} MB CSV, `;`, UTF-8), one round",
        "",
        f"{'':56}{'seconds':>9}{'rows/s':>11}",
        line("B0 read + check rows (no database)", parse),
        line("C0 executemany of the stored (encrypted) rows", c0),
        line("households_import(), empty table", load),
        line("households_import(dry_run=True), empty table", preview_seconds),
        line("households_import() again: all unchanged", again_seconds),
        "",
        f"import / B0 = {parse / load:.2f}; import / C0 = {c0 / load:.3f}",
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
