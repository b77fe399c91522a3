"""What every benchmark script shares: Django on a throw-away database, and the machine line.

SQLite in a temporary ``KAMTIBMAS_DATA_DIR`` by default. With ``DATABASE_URL``
pointing at PostgreSQL, a fresh database ``<name>_bench_<pid>`` is created on that
server for the run and dropped afterwards, so a benchmark never touches real data.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import LiteralString
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@contextmanager
def bench_django() -> Iterator[str]:
    """Set Django up on a fresh, migrated database; yields a description of it."""
    import django
    from django.core.management import call_command
    from django.db import connection, connections

    data_dir = tempfile.mkdtemp(prefix="kamtibmas-bench-")
    os.environ["KAMTIBMAS_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "kamtibmas.config.settings.base"
    url = os.environ.get("DATABASE_URL", "")
    scratch = None
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        scratch = f"{parts.path.lstrip('/') or 'kamtibmas'}_bench_{os.getpid()}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        _postgres_admin(admin, "CREATE DATABASE {}", scratch)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))
    try:
        django.setup()
        call_command("migrate", verbosity=0)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                (version,) = cursor.fetchone()
            described = f"PostgreSQL {version} (scratch database {scratch})"
        else:
            described = f"SQLite {sqlite3.sqlite_version} (WAL, temporary file)"
        yield described
    finally:
        connections.close_all()
        if scratch is not None:
            _postgres_admin(admin, "DROP DATABASE IF EXISTS {}", scratch)
        shutil.rmtree(data_dir, ignore_errors=True)


def _postgres_admin(url: str, statement: LiteralString, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(database)))


def machine() -> str:
    """One line naming the machine, as §9 asks every report to."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.platform()}; {cpu}; {os.cpu_count()} CPUs; Python {platform.python_version()}"
    )
