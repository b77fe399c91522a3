"""Database size per million aspirations (docs/deploy/capacity.md), on PostgreSQL.

A scratch database (``benchenv``, dropped afterwards) is filled by ``kamtibmas
bench_data --bulk`` (the demo, then synthetic cases with their histories and
follow-up questionnaires, spread over two years) to FIRST cases, measured, filled to
SECOND cases and measured again. The growth between the two, divided by the cases
added, is what each further case costs (the demo, the registry and the synthetic
dialogues are there at both points, so they drop out); that cost times a million is
the extrapolation. Sizes are ``pg_total_relation_size`` (table, TOAST and indexes)
after ``VACUUM ANALYZE`` and the dashboards' roll-up.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kamtibmas \\
        .venv/bin/python bench/bench_db_size.py [--first 20000] [--second 100000]

The tables the bulk path does not fill per case (notices in the outbox, their
delivery tasks, the audit log of staff reads) are reported from the demo's rows (its
cases went through the services): rows, average row width, for information.
"""

from __future__ import annotations

import argparse
import time

from benchenv import bench_django, machine

PER_CASE_TABLES = (
    "aspirations_aspiration",
    "aspirations_aspirationupdate",
    "aspirations_survey",
    "dashboards_casedaycount",
)
INFO_TABLES = (
    "notifications_outboxmessage",
    "django_tasks_database_dbtaskresult",
    "privacy_auditentry",
)


def sizes() -> dict[str, tuple[int, int, int, int]]:
    """Every table of the public schema: (rows, total, heap, indexes) in bytes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), "
            "pg_indexes_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        )
        found = cursor.fetchall()
        result = {}
        for name, total, heap, indexes in found:
            cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 (catalogue names)
            (rows,) = cursor.fetchone()
            result[name] = (rows, total, heap, indexes)
    return result


def database_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def fill(cases: int, *, first: bool) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("bench_data", aspirations=cases, bulk=True, without_demo=not first, verbosity=0)
    call_command("dashboards_rollup", verbosity=0)
    return time.perf_counter() - started


def mb(value: float) -> str:
    return f"{value / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=20_000)
    parser.add_argument("--second", type=int, default=100_000)
    arguments = parser.parse_args()
    with bench_django() as described:
        from django.db import connection

        if connection.vendor != "postgresql":
            raise SystemExit("Set DATABASE_URL to a PostgreSQL server: this measures PostgreSQL.")
        print(f"# Database size per aspiration\n\n{machine()}\n{described}\n")
        seconds = fill(arguments.first, first=True)
        before, database_before = sizes(), database_size()
        seconds_more = fill(arguments.second, first=False)
        after, database_after = sizes(), database_size()
        cases_before = before["aspirations_aspiration"][0]
        cases_after = after["aspirations_aspiration"][0]
        added = cases_after - cases_before
        print(
            f"Filled to {cases_before:,} cases in {seconds:.0f} s (with the demo), then to "
            f"{cases_after:,} in {seconds_more:.0f} s; database {mb(database_before)} → "
            f"{mb(database_after)}.\n"
        )
        print(
            "| table | rows at first | rows at second | total at first | total at second "
            "| bytes per added case | of it indexes | per million cases (extrapolated) |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        grown = sorted(after, key=lambda name: after[name][1] - before.get(name, (0, 0, 0, 0))[1])[
            ::-1
        ]
        shown = [name for name in grown if after[name][1] - before.get(name, (0, 0, 0, 0))[1]]
        total_per_case = 0.0
        for name in shown:
            rows0, total0, _heap0, index0 = before.get(name, (0, 0, 0, 0))
            rows1, total1, _heap1, index1 = after[name]
            per_case = (total1 - total0) / added
            total_per_case += per_case
            print(
                f"| `{name}` | {rows0:,} | {rows1:,} | {mb(total0)} | {mb(total1)} | "
                f"{per_case:,.0f} | {(index1 - index0) / added:,.0f} | "
                f"{mb(per_case * 1_000_000)} |"
            )
        whole = (database_after - database_before) / added
        print(
            f"\nEvery table that grew: {total_per_case:,.0f} bytes per case = "
            f"{mb(total_per_case * 1_000_000)} per million cases (extrapolated linearly "
            f"from {added:,} added). pg_database_size grew {whole:,.0f} bytes per case.\n"
        )
        for name in PER_CASE_TABLES:
            rows0, rows1 = before[name][0], after[name][0]
            print(f"- `{name}`: {(rows1 - rows0) / added:.2f} rows per added case")
        from django.db import connection as info

        print("\nNot filled per case by the bulk path (the demo's rows, for information):\n")
        with info.cursor() as cursor:
            for name in INFO_TABLES:
                cursor.execute(
                    f'SELECT count(*), avg(pg_column_size(t.*)) FROM "{name}" t'  # noqa: S608
                )
                rows, width = cursor.fetchone()
                print(
                    f"- `{name}`: {rows:,} rows, {float(width or 0):,.0f} bytes a row "
                    f"on average (heap only), {mb(after[name][1])} in all"
                )


if __name__ == "__main__":
    main()
