"""Issue 8 / §9 P6: importing households from CSV, in rows/s, against baselines
measured in the same run.

    .venv/bin/python bench/bench_aid_import.py            # SQLite
    ROWS=20000 .venv/bin/python bench/bench_aid_import.py

A generated CSV of ``ROWS`` households (100,000 by default; 30 RW × 12 RT of one
kelurahan) is imported with ``households_import`` exactly as ``kamtibmas
import_households`` does: reading, checking every row, blind index, encryption of
the name and address, bulk inserts, one audit entry per household. Baselines:

* B0 reading and checking alone (``household_rows_open`` + ``row_clean``, no database);
* C0 the database's raw bulk path (COPY on PostgreSQL, one ``executemany`` on
  SQLite, in one transaction) inserting the very rows the import stored, already
  encrypted, into ``aid_household``; and the same for its audit entries, which P6's
  C0 does not count but the import must write;
* E0 encrypting the same fields of the same rows alone (KK number, head name,
  address: three Fernet tokens a row, through ``field_crypter()``), the unavoidable
  cost of encryption at rest; and the same spread over two threads, to see whether
  ``cryptography`` lets encryptions run in parallel on this machine.

The import is reported against C0 and against the E0-adjusted bound
1 / (1/C0 + 1/E0): storing already encrypted rows at C0's rate after encrypting
them at E0's. The load average is printed before and after: the CI machines are shared.

Also measured: the preview (``dry_run``) and importing the same file again (all
unchanged, nothing written).
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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


def encryption_seconds(fields: list[tuple[str, str, str]], *, threads: int) -> float:
    """E0: the seconds to encrypt ``fields`` (``threads`` > 1: in chunks, in parallel)."""
    from kamtibmas.privacy.fields import field_crypter

    encrypt = field_crypter().encrypt

    def chunk(rows: list[tuple[str, str, str]]) -> list[list[bytes]]:
        return [[encrypt(value.encode("utf-8")) for value in row] for row in rows]

    started = time.perf_counter()
    if threads == 1:
        chunk(fields)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(chunk, [fields[n : n + 1000] for n in range(0, len(fields), 1000)]))
    return time.perf_counter() - started


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
    from kamtibmas.privacy.models import AuditEntry

    province = area_create(code="32", name="Jawa Barat", level=AreaLevel.PROVINCE,
                           kind=AreaKind.PROVINSI, parent=None)  # fmt: skip
    regency = area_create(code="32.75", name="Kota Bekasi", level=AreaLevel.REGENCY,
                          kind=AreaKind.KOTA, parent=province)  # fmt: skip
    district = area_create(code="32.75.04", name="Bekasi Selatan", level=AreaLevel.DISTRICT,
                           kind=AreaKind.KECAMATAN, parent=regency)  # fmt: skip
    village = area_create(code="32.75.04.1005", name="Kayuringin Jaya", level=AreaLevel.VILLAGE,
                          kind=AreaKind.KELURAHAN, parent=district)  # fmt: skip
    actor = User.objects.create_user(username="bench", password="x" * 20, role=Role.ADMIN)

    load_before = " ".join(_load())
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

    with household_rows_open(path) as source:
        columns, _ignored = columns_map(source.header)
        cleaned = [row_clean(cells, columns)[0] for _row, cells in source.rows]
    fields = [(row.kk, row.head_name, row.address or "") for row in cleaned if row]
    # Interleaved, best of three each: the machine is shared.
    e0_runs: dict[int, list[float]] = {1: [], 2: []}
    for _round in range(3):
        for threads in (1, 2):
            e0_runs[threads].append(encryption_seconds(fields, threads=threads))
    e0, e0_threads = min(e0_runs[1]), min(e0_runs[2])

    preview, preview_seconds = run(dry_run=True)
    assert preview.new == ROWS and Household.objects.count() == 0
    result, load = run(dry_run=False)
    assert result.new == ROWS and result.written
    again, again_seconds = run(dry_run=False)
    assert again.unchanged == ROWS

    def stored_rows(model, *, delete: bool) -> tuple[str, list[tuple]]:
        """The table's rows as stored (without ids), ready to insert again."""
        table = model._meta.db_table
        columns = ", ".join(
            f'"{field.column}"' for field in model._meta.local_fields if not field.primary_key
        )
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT {columns} FROM "{table}" ORDER BY id')  # noqa: S608
            rows = cursor.fetchall()
            if delete:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608
        adapt = connection.ops.adapt_datetimefield_value
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            def value(v):
                return Jsonb(v) if isinstance(v, list | dict) else v
        else:

            def value(v):
                return adapt(v) if hasattr(v, "tzinfo") else v

        return f'"{table}" ({columns})', [tuple(value(v) for v in row) for row in rows]

    def raw_insert(target: str, rows: list[tuple]) -> float:
        """C0: the database's own bulk path in one transaction, in seconds."""
        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with (
                    connection.cursor() as cursor,
                    cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(rows[0]))
                connection.connection.executemany(
                    f"INSERT INTO {target} VALUES ({marks})",  # noqa: S608
                    rows,
                )
        return time.perf_counter() - started

    c0 = raw_insert(*stored_rows(Household, delete=True))
    # The audit log is append-only (no DELETE on PostgreSQL): its rows go in a second time.
    c0_audit = raw_insert(*stored_rows(AuditEntry, delete=False))

    def line(label: str, seconds: float) -> str:
        return f"{label:56}{seconds:9.2f}{ROWS / seconds:11,.0f}"

    bound = 1 / (1 / (ROWS / c0) + 1 / (ROWS / e0))  # rows/s

    print("\n".join([
        "Household import (bench/bench_aid_import.py)",
        f"machine:  {machine()}",
        f"database: {database}",
        f"rows:     {ROWS:,} ({size / 1e6:.1f} MB CSV, `;`, UTF-8), one round",
        "",
        f"{'':56}{'seconds':>9}{'rows/s':>11}",
        line("B0 read + check rows (no database)", parse),
        line("C0 raw bulk insert of the stored (encrypted) rows", c0),
        line("C0 of the import's audit entries (not in the bound)", c0_audit),
        line("E0 encrypt KK, name, address (3 tokens a row)", e0),
        line("E0 on 2 threads", e0_threads),
        line("1/(1/C0 + 1/E0): encrypt, then C0", ROWS / bound),
        line("households_import(), empty table", load),
        line("households_import(dry_run=True), empty table", preview_seconds),
        line("households_import() again: all unchanged", again_seconds),
        "",
        f"import / B0 = {parse / load:.2f}; import / C0 = {c0 / load:.3f}; "
        f"import / (E0-adjusted C0) = {ROWS / load / bound:.2f}; "
        f"E0 / C0 = {c0 / e0:.2f}; E0 2 threads / E0 = {e0 / e0_threads:.2f}",
        f"load average before / after: {load_before} / {' '.join(_load())}",
    ]))  # fmt: skip


def _load() -> list[str]:
    return [f"{value:.2f}" for value in os.getloadavg()]


if __name__ == "__main__":
    main()
