"""The database's own bulk path, for loads where ``bulk_create`` is too slow (§9 P6).

``bulk_create`` spends most of its time building model instances and SQL: 0.12 of
the raw path's rows/s on the area registry. Callers give the values exactly as the
database takes them (adapted dates, encrypted text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


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
