"""SECURITY.md 14: an anonymous aspiration stores no IP address, user agent, account or
precise time anywhere, database or logs.

The test goes through the real pages (form, tracking page, a message by receipt
code) from a client with a sentinel address and browser name, then reads every row
of every table with raw SQL (so it holds on SQLite and PostgreSQL alike, whatever
the models say) and every log record at DEBUG, SQL included, and finds neither.
"""

from __future__ import annotations

import logging
from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Privacy
from kamtibmas.aspirations.tests import conftest as aspiration_fixtures
from kamtibmas.web.tests.test_aspirations_public import form_data, receipt_of

c2 = aspiration_fixtures.c2

SENTINEL_IP = "203.0.113.77"
SENTINEL_AGENT = "SentinelAgent/9.9"
WIB = ZoneInfo("Asia/Jakarta")
END_OF_DAY = time(23, 59, 59)


def database_dump() -> dict[str, list[str]]:
    """Every row of every table, each value as text."""
    dump: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = []
            for row in cursor.fetchall():
                values = []
                for value in row:
                    if isinstance(value, memoryview | bytes | bytearray):
                        values.append(bytes(value).decode("latin-1"))
                    else:
                        values.append(str(value))
                rows.append("\x1f".join(values))
            dump[table] = rows
    return dump


@pytest.fixture
def every_logger_at_debug(caplog, settings):
    """Capture every record of every logger, including the SQL of each query."""
    settings.DEBUG = True  # django.db.backends logs queries (with parameters) only then
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.django_db
def test_an_anonymous_report_leaves_no_trace_of_who_or_when(c2, every_logger_at_debug):
    cache.clear()
    browser = Client(REMOTE_ADDR=SENTINEL_IP, HTTP_USER_AGENT=SENTINEL_AGENT)
    browser.force_login(c2.resident)  # even a signed-in resident stays unknown
    before = database_dump()
    data = form_data(
        c2,
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        reporter_phone="",
        reporter_email="",
        notify_by="",
        rw="24",
        rt="1",
        latitude="-6.247613",
        longitude="106.994217",
    )
    response = browser.post("/aspirations/new/", data)
    assert response.status_code == 200
    code = receipt_of(response)
    assert browser.get(f"/track/{code}").status_code == 200
    response = browser.post(
        "/track/", {"code": code, "intent": "message", "text": "Pelakunya pakai motor merah."}
    )
    assert response.status_code == 200
    assert browser.get("/track/AAAA-BBBB-CCCC-DDDD").status_code == 404  # a wrong guess

    case = Aspiration.objects.get()
    assert case.privacy == Privacy.ANONYMOUS
    assert case.reporter_id is None
    assert (case.reporter_name, case.reporter_phone, case.reporter_email) == (None, None, None)

    dump = database_dump()
    everything = "\n".join(row for rows in dump.values() for row in rows)
    assert SENTINEL_IP not in everything
    assert SENTINEL_AGENT not in everything
    assert "SentinelAgent" not in everything
    # Only the case and its history were written: no row elsewhere (the resident's
    # session, audit, outbox, throttling, areas) can tell when it was sent or by whom.
    changed = {table for table, rows in dump.items() if rows != before.get(table)}
    assert changed == {
        Aspiration._meta.db_table,
        AspirationUpdate._meta.db_table,
    }, changed

    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.__dict__}"
        for record in every_logger_at_debug.records
    )
    assert any(r.name == "django.db.backends" for r in every_logger_at_debug.records), (
        "the SQL was not captured: the log check would prove nothing"
    )
    assert SENTINEL_IP not in logged
    assert SENTINEL_AGENT not in logged

    # Times are local days; deadlines are ends of working days, the same for everyone.
    for moment in (case.received_at, case.updated_at):
        assert moment.astimezone(WIB).time() == time(0), moment
    for deadline in (case.verify_by, case.first_notice_by, case.resolve_by):
        assert deadline is not None
        assert deadline.astimezone(WIB).time() == END_OF_DAY, deadline
    updates = list(AspirationUpdate.objects.filter(aspiration=case))
    assert len(updates) == 2
    assert all(u.created_at.astimezone(WIB).time() == time(0) for u in updates)
    # Coordinates are kept for the handlers only; the public sees a neighbourhood.
    assert case.latitude == pytest.approx(-6.247613)
