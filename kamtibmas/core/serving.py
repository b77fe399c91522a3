"""How ``kamtibmas serve`` sizes the production server (docs/decisions/014-serving.md).

Granian runs ``workers`` processes, each with ``threads`` blocking threads that run
Django. Django keeps one database connection per thread, reused for
``CONN_MAX_AGE`` seconds, so the server holds at most ``workers × threads``
connections, whatever the load. That number must stay below what PostgreSQL
accepts (``max_connections`` minus the slots it keeps for superusers) with room
left for the background workers, cron sweeps, migrations and an operator's
``psql``: granian's own default (half its backlog, 512 threads for one worker)
exhausted PostgreSQL in §9's measurements.

Pure functions: the command asks the database for its limits and passes them in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: Blocking threads per worker. §9: a minimal Django view under granian peaked at 4
#: per worker on 2 cores; more threads only queue on the GIL and hold connections.
DEFAULT_THREADS = 4
#: Connections kept free for everything that is not this server: ``kamtibmas worker``
#: processes, cron (``aspirations_sweep``), migrations, an operator's shell.
CONNECTIONS_HEADROOM = 10
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class Bind:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def bind_parse(text: str) -> Bind:
    """``HOST:PORT``, ``[IPv6]:PORT``, ``HOST`` or ``PORT``; ``ValueError`` otherwise.
    The host defaults to 127.0.0.1 (behind a proxy), the port to 8000."""
    text = text.strip()
    host, port = "127.0.0.1", str(DEFAULT_PORT)
    if not text:
        raise ValueError(text)
    if text.startswith("["):
        inside, _bracket, rest = text[1:].partition("]")
        if not _bracket or (rest and not rest.startswith(":")):
            raise ValueError(text)
        host, port = inside, rest[1:] or port
    elif text.isdigit():
        port = text
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:  # a host name, or a bare IPv6 address
        host = text
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(text)
    return Bind(host=host, port=int(port))


def cpus_available() -> int:
    """The CPUs this process may run on (a container's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers(cpus: int) -> int:
    """One process per CPU: threads share a process's interpreter lock, processes
    do not."""
    return max(1, cpus)


def connections_needed(*, workers: int, threads: int) -> int:
    """The most database connections the server holds: one per thread."""
    return workers * threads


def connections_allowed(
    *, max_connections: int, reserved: int, headroom: int = CONNECTIONS_HEADROOM
) -> int:
    """What one server may hold on a PostgreSQL server accepting ``max_connections``
    of which ``reserved`` are kept for superusers (``superuser_reserved_connections``
    and, on PostgreSQL 16 and later, ``reserved_connections``)."""
    return max(0, max_connections - reserved - headroom)
