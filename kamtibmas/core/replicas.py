"""Read replicas (§9, national shape): dashboards, analytics pages and exports read
from a PostgreSQL streaming replica; everything else, and every write, uses the
primary (docs/decisions/028-read-replicas.md).

- ``PrimaryReplicaRouter`` (``DATABASE_ROUTERS``) sends a read to the replica only
  inside ``replica_reads``: a view decorator for the analytics and export views, whose
  permission checks and the session's user run before it, on the primary.
- Read-your-writes: after a signed-in user's write (any unsafe request answered by
  the server), ``ReplicaWriteMarkMiddleware`` gives the browser the primary's WAL
  position in a signed cookie. An analytics view reads from the replica only once the
  replica has replayed that position; until then that user reads from the primary.
  Other users are not held back by someone else's write.
- A replica that cannot be reached, or that is behind and has replayed nothing for
  ``KAMTIBMAS_REPLICA_MAX_LAG_SECONDS``, is skipped: the primary answers.

Without ``KAMTIBMAS_READ_REPLICA`` (no ``DATABASE_REPLICA_URL``) nothing changes:
every query goes to the primary, and no cookie is set.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.signing import BadSignature
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

#: The signed cookie holding the primary's WAL position after the user's last write.
WROTE_COOKIE = "kamtibmas_wrote"
_SALT = "kamtibmas.core.replicas.wrote"
_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: The alias reads go to inside ``replica_reads`` (None: the primary).
_reads_from: ContextVar[str | None] = ContextVar("kamtibmas_reads_from", default=None)


def replica_alias() -> str:
    """The configured replica's alias, or "" when there is none."""
    return str(getattr(settings, "KAMTIBMAS_READ_REPLICA", "") or "")


class PrimaryReplicaRouter:
    """Reads inside ``replica_reads`` go to the alias it chose; everything else, and
    every write (also of objects read from the replica), to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return _reads_from.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _wrote_position(request: HttpRequest) -> str | None:
    try:
        value = request.get_signed_cookie(
            WROTE_COOKIE, salt=_SALT, max_age=settings.KAMTIBMAS_REPLICA_WROTE_SECONDS
        )
    except (KeyError, BadSignature):
        return None
    return value if value and _LSN.fullmatch(value) else None


def reads_source(request: HttpRequest) -> str:
    """Where this request's analytics reads may go: the replica's alias, or the
    primary's when there is no replica, it cannot be reached, it lags too far, or it
    has not yet replayed this user's last write."""
    alias = replica_alias()
    if not alias:
        return DEFAULT_DB_ALIAS
    wrote = _wrote_position(request)
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            (primary_at,) = cursor.fetchone()
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " pg_last_wal_replay_lsn() >= COALESCE(%s::pg_lsn, '0/0'::pg_lsn),"
                " COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)",
                [primary_at, wrote],
            )
            caught_up, has_own_write, idle_seconds = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Read replica %r unusable, reading from the primary: %s", alias, exc)
        connections[alias].close()
        return DEFAULT_DB_ALIAS
    if not has_own_write:
        return DEFAULT_DB_ALIAS
    if not caught_up and float(idle_seconds) > settings.KAMTIBMAS_REPLICA_MAX_LAG_SECONDS:
        logger.warning(
            "Read replica %r is %.0f s behind, reading from the primary", alias, idle_seconds
        )
        return DEFAULT_DB_ALIAS
    return alias


def replica_reads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run an analytics or export view with its reads on the replica when
    ``reads_source`` allows. Put it closest to the function: the permission
    decorators above it, and the signed-in user, read from the primary."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not replica_alias():
            return view(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 (loads the lazy user from the primary now)
        token = _reads_from.set(reads_source(request))
        try:
            return view(request, *args, **kwargs)
        finally:
            _reads_from.reset(token)

    return wrapped


class ReplicaWriteMarkMiddleware:
    """After a signed-in user's unsafe request, the primary's WAL position in a signed
    cookie (read-your-writes, above). Only with a replica configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not replica_alias() or request.method in _SAFE_METHODS:
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        try:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                (position,) = cursor.fetchone()
        except DatabaseError:
            logger.exception("Could not read the primary's WAL position")
            return response
        response.set_signed_cookie(
            WROTE_COOKIE,
            position,
            salt=_SALT,
            max_age=settings.KAMTIBMAS_REPLICA_WROTE_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
