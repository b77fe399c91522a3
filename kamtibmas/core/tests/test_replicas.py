"""Read replicas (issue 13 point 3; kamtibmas.core.replicas): analytics and exports read
from a real PostgreSQL streaming replica, everything else from the primary, and a user
who just wrote reads their write.

The tests marked ``replica`` need ``DATABASE_REPLICA_URL`` pointing at a streaming
replica of the PostgreSQL in ``DATABASE_URL``: ``.ci/run`` starts one with
``.ci/replica`` (pg_basebackup) and makes them mandatory
(``KAMTIBMAS_REQUIRE_REPLICA=1``); elsewhere they skip and say why."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from types import SimpleNamespace

import dj_database_url
import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kamtibmas.aspirations.models import Aspiration, Status
from kamtibmas.core.replicas import WROTE_COOKIE, PrimaryReplicaRouter
from kamtibmas.safety.tests.conftest import area, english
from kamtibmas.safety.tests.factories import case
from kamtibmas.web.tests.test_dashboard import csv_rows, signed_in

__all__ = ["area", "english"]  # the fixtures, imported for this module

STATUS_CSV = "/staff/dashboard/status.csv"


def test_writes_and_migrations_go_to_the_primary_whatever_was_read_where():
    router = PrimaryReplicaRouter()
    from_replica = Aspiration()
    from_replica._state.db = "replica"
    assert router.db_for_write(Aspiration, instance=from_replica) == DEFAULT_DB_ALIAS
    assert router.allow_migrate("replica", "aspirations") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "aspirations") is True
    assert router.db_for_read(Aspiration) == DEFAULT_DB_ALIAS  # outside an analytics view


@pytest.mark.django_db
def test_without_a_replica_nothing_changes(client, area):
    opened = case(area.rw024, days_ago=0)
    client = signed_in(client, area.commander_selatan)
    answer = client.post(f"/staff/aspirations/{opened.pk}/act/verify/", {})
    assert answer.status_code in (200, 302)
    assert WROTE_COOKIE not in answer.cookies
    assert client.get(STATUS_CSV).status_code == 200


# ---- against a real streaming replica -----------------------------------------------

#: The databases those tests use: without a replica configured there is no alias to
#: name, and the ``replica`` fixture skips (or fails where the replica is required).
REPLICA_DATABASES = ["default"]
if os.environ.get("DATABASE_REPLICA_URL"):
    REPLICA_DATABASES.append("replica")


def on_the_replica(test):
    """A test against the real replica, on committed data (the replica sees only that)."""
    in_database = pytest.mark.django_db(transaction=True, databases=REPLICA_DATABASES)
    return pytest.mark.replica(in_database(test))


def _replica_url() -> str:
    url = os.environ.get("DATABASE_REPLICA_URL", "")
    if not url:
        reason = (
            "needs a streaming replica: set DATABASE_REPLICA_URL (.ci/replica starts one "
            "of the PostgreSQL in DATABASE_URL)"
        )
        if os.environ.get("KAMTIBMAS_REQUIRE_REPLICA") == "1":
            pytest.fail(f"KAMTIBMAS_REQUIRE_REPLICA=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)
    return url


@pytest.fixture
def replica(settings) -> Iterator[SimpleNamespace]:
    """The ``replica`` alias pointed at the real replica, reading the test database
    the primary's tests write (a streaming replica holds every database of its
    primary); analytics reads routed to it."""
    parsed = dj_database_url.parse(_replica_url())
    connection = connections["replica"]
    mirrored = connection.settings_dict
    connection.close()
    connection.settings_dict = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "HOST": parsed["HOST"],
        "PORT": parsed["PORT"],
    }
    settings.KAMTIBMAS_READ_REPLICA = "replica"
    try:
        yield SimpleNamespace(connection=connection)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        connection.close()
        connection.settings_dict = mirrored


def _replayed(replica: SimpleNamespace, timeout: float = 20) -> None:
    """Wait until the replica has replayed everything the primary has written."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        (position,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        with replica.connection.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            if cursor.fetchone()[0]:
                return
        if time.monotonic() > deadline:
            raise AssertionError("the replica did not replay the primary's writes in time")
        time.sleep(0.05)


def _pause(replica: SimpleNamespace) -> None:
    with replica.connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")


def _status_counts(client, *, replica_up: bool = True) -> tuple[dict[str, str], set[str]]:
    """The dashboard's status table (this period) and the databases that read its
    figures (both are asked where they stand; only the one chosen reads cases)."""
    watched = {"primary": CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])}
    if replica_up:
        watched["replica"] = CaptureQueriesContext(connections["replica"])
    with ExitStack() as stack:
        for capture in watched.values():
            stack.enter_context(capture)
        answer = client.get(STATUS_CSV)
    assert answer.status_code == 200
    counts = {row[0]: row[1] for row in csv_rows(answer)[1:]}
    figures = {
        alias
        for alias, capture in watched.items()
        if any("aspirations_aspiration" in query["sql"] for query in capture.captured_queries)
    }
    return counts, figures


@on_the_replica
def test_dashboards_read_the_replica_and_a_writer_reads_their_write(client, area, replica):
    opened = case(area.rw024, days_ago=0)
    writer = signed_in(client, area.commander_selatan)
    _replayed(replica)

    counts, figures = _status_counts(writer)
    assert figures == {"replica"}
    assert counts["Received"] == "1"

    # The replica stops replaying: it now lags behind every write that follows.
    _pause(replica)
    answer = writer.post(f"/staff/aspirations/{opened.pk}/act/verify/", {})
    assert answer.status_code in (200, 302)
    assert Aspiration.objects.get(pk=opened.pk).status == Status.VERIFIED
    assert WROTE_COOKIE in answer.cookies

    # The writer reads their write, from the primary ...
    counts, figures = _status_counts(writer)
    assert figures == {"primary"}
    assert counts["Received"] == "0" and counts["Verified"] == "1"

    # ... while another commander, who wrote nothing, still reads the replica as it is.
    other = signed_in(Client(), area.commander_selatan)
    counts, figures = _status_counts(other)
    assert figures == {"replica"}
    assert counts["Received"] == "1"

    # Once the replica has replayed the write, the writer is back on the replica.
    with replica.connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    _replayed(replica)
    counts, figures = _status_counts(writer)
    assert figures == {"replica"}
    assert counts["Received"] == "0" and counts["Verified"] == "1"


@on_the_replica
def test_a_replica_too_far_behind_is_skipped(client, area, replica, settings):
    case(area.rw024, days_ago=0)
    reader = signed_in(client, area.commander_selatan)
    _replayed(replica)
    _pause(replica)
    case(area.rw024, days_ago=0)  # written by someone else: the replica lags behind it
    settings.KAMTIBMAS_REPLICA_MAX_LAG_SECONDS = 0.5
    time.sleep(1)

    counts, figures = _status_counts(reader)

    assert figures == {"primary"}
    assert counts["Received"] == "2"


@on_the_replica
def test_a_replica_that_cannot_be_reached_is_skipped(client, area, replica, caplog):
    case(area.rw024, days_ago=0)
    reader = signed_in(client, area.commander_selatan)
    replica.connection.close()
    working = replica.connection.settings_dict
    replica.connection.settings_dict = {**working, "PORT": "1", "OPTIONS": {"connect_timeout": 2}}
    try:
        counts, figures = _status_counts(reader, replica_up=False)
    finally:
        replica.connection.close()
        replica.connection.settings_dict = working

    assert figures == {"primary"}
    assert counts["Received"] == "1"
    assert "unusable, reading from the primary" in caplog.text
