from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, connections
from django.utils.translation import gettext as _

from kamtibmas.core.serving import (
    DEFAULT_THREADS,
    Bind,
    bind_parse,
    connections_allowed,
    connections_needed,
    cpus_available,
    default_workers,
)

WSGI_TARGET = "kamtibmas.config.wsgi:application"
# Seconds a worker gets to finish the requests in flight after SIGTERM.
GRACEFUL_SECONDS = 30


def _bind(text: str) -> Bind:
    try:
        return bind_parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not HOST:PORT: {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number above 0: {text!r}")
    return int(text)


class Command(BaseCommand):
    # The checks run in handle(), with the deployment checks in production.
    requires_system_checks: list[str] = []
    help = (
        "Serve Kamtibmas with the production WSGI server (granian): WORKERS processes "
        "with THREADS threads each, static files through WhiteNoise. Holds at most "
        "WORKERS × THREADS database connections and refuses to start when that is more "
        "than PostgreSQL leaves it (max_connections less its reserved slots and 10 for "
        "workers, cron and operators; see --db-connections). Refuses DEBUG in production. "
        "Does not migrate or collect static files: run `kamtibmas migrate` and "
        "`kamtibmas collectstatic --noinput` at each deployment first. Run the background "
        "worker (`kamtibmas worker`) beside it. SIGTERM or Ctrl+C stops it after the "
        "requests in flight."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            "--addrport",
            dest="bind",
            type=_bind,
            default=Bind(host="127.0.0.1", port=8000),
            metavar="HOST:PORT",
            help="Address to listen on (default: %(default)s; behind a proxy).",
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            default=None,
            help="Worker processes (default: one per CPU available, here "
            f"{default_workers(cpus_available())}).",
        )
        parser.add_argument(
            "--threads",
            type=_positive,
            default=DEFAULT_THREADS,
            help="Threads per worker, each with its own database connection "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--db-connections",
            type=_positive,
            default=None,
            help="The most database connections this server may hold: its share when "
            "several servers use one PostgreSQL (default: what PostgreSQL leaves).",
        )

    def handle(
        self,
        *args: Any,
        bind: Bind,
        workers: int | None,
        threads: int,
        db_connections: int | None,
        **options: Any,
    ) -> None:
        from granian.constants import Interfaces
        from granian.server import Server

        if settings.DEBUG and settings.PRODUCTION:
            raise CommandError(
                _("DEBUG is on in production: it shows settings and code to anyone. Turn it off.")
            )
        self.check(include_deployment_checks=settings.PRODUCTION, fail_level=checks.ERROR)
        workers = workers or default_workers(cpus_available())
        needed = connections_needed(workers=workers, threads=threads)
        allowed = db_connections if db_connections is not None else self._database_allows()
        if allowed is not None and needed > allowed:
            raise CommandError(
                _(
                    "%(workers)d workers × %(threads)d threads may hold %(needed)d database "
                    "connections, more than the %(allowed)d this server may use. Use fewer "
                    "workers or threads."
                )
                % {"workers": workers, "threads": threads, "needed": needed, "allowed": allowed}
            )
        if settings.DEBUG:
            self.stderr.write(self.style.WARNING("DEBUG is on: not for a public server."))
        limit = f", at most {needed} database connections" + (
            f" of the {allowed} allowed" if allowed is not None else ""
        )
        self.stdout.write(
            f"Kamtibmas on http://{bind}/ ({connection.vendor}): "
            f"{workers} workers × {threads} threads{limit}."
        )
        # Forked workers must not share a connection this process opened.
        connections.close_all()
        Server(
            WSGI_TARGET,
            address=bind.host,
            port=bind.port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            # Idle threads (and so their connections) are kept: no reconnecting after
            # every quiet half minute. CONN_MAX_AGE still renews old connections.
            blocking_threads_idle_timeout=600,
            respawn_failed_workers=True,
            workers_kill_timeout=GRACEFUL_SECONDS,
            # No access log: it would keep clients' addresses (SECURITY.md 14).
            log_access=False,
        ).serve()

    def _database_allows(self) -> int | None:
        """Connections PostgreSQL leaves this server; ``None``: no limit (SQLite)."""
        if connection.vendor != "postgresql":
            return None
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('max_connections')::int, "
                    "current_setting('superuser_reserved_connections')::int, "
                    "coalesce(current_setting('reserved_connections', true)::int, 0)"
                )
                max_connections, superuser, reserved = cursor.fetchone()
        except DatabaseError as exc:
            raise CommandError(
                _("Cannot ask the database how many connections it accepts: %(error)s")
                % {"error": exc}
            ) from exc
        return connections_allowed(max_connections=max_connections, reserved=superuser + reserved)
