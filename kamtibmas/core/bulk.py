"""The database's own bulk path, for loads where ``bulk_create`` is too slow (§9 P6).

``bulk_create`` spends most of its time building model instances and SQL: 0.12 of
the raw path's rows/s on the area registry. Callers give the values exactly as the
database takes them (adapted dates, encrypted text).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models


def rows_insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` into ``table``: COPY on PostgreSQL, one ``executemany`` elsewhere.
    Database errors (a unique constraint) are raised as Django's exceptions."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )


def adapted_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """``rows`` with their time stamps as the database takes them: adapted for SQLite
    (psycopg adapts them itself)."""
    if connection.vendor == "postgresql":
        return [tuple(row) for row in rows]
    adapt = connection.ops.adapt_datetimefield_value
    return [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in rows]


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive ids of ``model`` nobody else will take; call
    inside the transaction that inserts them (on SQLite ``MAX(id)`` is read under the
    write lock that transaction takes with its first insert)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            (last,) = cursor.fetchone()
            return int(last) - count + 1
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        (last,) = cursor.fetchone()
        return int(last) + 1
