"""SECURITY.md 14: an anonymous aspiration leaves no IP address, user agent, account or
precise time anywhere.

A client with a sentinel address (as the peer and in every forwarding header) and a
sentinel browser name sends an anonymous report through each door that takes one:
the web form, the REST API (a resident's own token) and Open311 (keyless intake). Then
everything the application keeps is searched for the sentinels, also hashed or
packed: every table (raw SQL, every column), every log record at DEBUG (SQL
included), every cache (the throttling counters live there), the error report of a
failure on the way, and, in the slow test, the output of the production server
(`kamtibmas serve`) and every file it wrote. No time of day within the test's
window may be stored anywhere, and the anonymous pages load nothing from another
origin.

The web form's own test (``web/tests/test_aspirations_anonymity.py``) also proves that
only the case and its history change; this module adds the other doors and surfaces.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.log import configure_logging

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.aspirations.models import Aspiration, Privacy
from kamtibmas.aspirations.tests import conftest as aspiration_fixtures
from kamtibmas.core.tests.production import production_environment
from kamtibmas.core.tests.test_serve_command import free_port
from kamtibmas.open311.tests.conftest import KAYURINGIN, Open311Client
from kamtibmas.open311.tests.conftest import form as open311_form
from kamtibmas.web.tests.test_aspirations_anonymity import database_dump, every_logger_at_debug
from kamtibmas.web.tests.test_aspirations_public import form_data, receipt_of
from kamtibmas.web.tests.test_views import parse

c2 = aspiration_fixtures.c2
__all__ = ["c2", "every_logger_at_debug"]  # fixtures used by name

SENTINEL_IP = "203.0.113.77"
SENTINEL_AGENT = "KamtibmasSentinel/7.3 (probe-5c1e9a)"
#: The headers a proxy or a client may use to name the client's address, and its browser.
SENTINEL_HEADERS = {
    "User-Agent": SENTINEL_AGENT,
    "X-Forwarded-For": f"{SENTINEL_IP}, 198.51.100.1",
    "X-Real-IP": SENTINEL_IP,
    "Forwarded": f"for={SENTINEL_IP};proto=https",
}
TEXT = "Ada pengedar sabu di rumah cat hijau dekat pos ronda, tiap malam ramai."
WRONG_CODE = "AAAA-BBBB-CCCC-DDDD"
CODE = r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}"


def traces_of_the_sender() -> dict[str, bytes]:
    """The sentinels as they might be kept: plain, hashed, as a number. (Not the four
    bytes of the packed address: megabytes of binary files hold them by chance.)"""
    forms: dict[str, bytes] = {
        "address": SENTINEL_IP.encode(),
        "address as a number": str(int(ipaddress.ip_address(SENTINEL_IP))).encode(),
        "browser": SENTINEL_AGENT.encode(),
        "browser's token": b"probe-5c1e9a",
    }
    for name, value in (("address", SENTINEL_IP), ("browser", SENTINEL_AGENT)):
        for algorithm in ("md5", "sha1", "sha256"):
            digest = hashlib.new(algorithm, value.encode()).hexdigest()
            forms[f"{algorithm} of the {name}"] = digest.encode()
            forms[f"{algorithm} of the {name} (start)"] = digest[:16].encode()
    return forms


def traces_in(data: str | bytes) -> list[str]:
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    lowered = raw.lower()
    return [name for name, form in traces_of_the_sender().items() if form.lower() in lowered]


_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?")


def moments_within(text: str, start: datetime, end: datetime) -> list[str]:
    """Times written in ``text`` (naive ones are UTC, as Django stores them) that fall
    in [start, end]: when the report was sent, to the second."""
    found = []
    for written in _MOMENT.findall(text):
        moment = datetime.fromisoformat(written.replace(" ", "T").replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if start - timedelta(seconds=1) <= moment <= end + timedelta(seconds=1):
            found.append(written)
    return found


def cache_contents() -> tuple[list[str], bytes]:
    """The keys and the stored bytes of every cache this process uses."""
    keys: list[str] = []
    stored = b""
    for alias in settings.CACHES:
        backend = caches[alias]
        if isinstance(backend, LocMemCache):
            entries = dict(backend._cache)  # type: ignore[attr-defined]
            keys.extend(entries)
            stored += b"\n".join(str(key).encode() + b" " + value for key, value in entries.items())
        elif isinstance(backend, FileBasedCache):
            for path in Path(backend._dir).rglob("*"):  # type: ignore[attr-defined]
                if path.is_file():
                    stored += file_bytes(path)
        else:
            pytest.fail(f"cache {alias!r}: no way to read a {type(backend).__name__}")
    return keys, stored


def file_bytes(path: Path) -> bytes:
    """A file's bytes, and inside them what a file cache or a zlib stream compressed."""
    data = path.read_bytes()
    for start in range(min(len(data), 64)):
        try:
            return data + zlib.decompress(data[start:])
        except zlib.error:
            continue
    return data


def every_cache_cleared() -> None:
    for alias in settings.CACHES:
        caches[alias].clear()


# The three doors ---------------------------------------------------------------------


def send_by_web(c2: SimpleNamespace) -> str:
    browser = Client(REMOTE_ADDR=SENTINEL_IP, headers=dict(SENTINEL_HEADERS))
    # While typing, the form asks for similar cases (throttled per client).
    similar = browser.post("/aspirations/similar", {"text": TEXT, "village": str(c2.kayuringin.pk)})
    assert similar.status_code == 200
    data = form_data(
        c2,
        text=TEXT,
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        reporter_phone="",
        reporter_email="",
        notify_by="",
        latitude="-6.247613",
        longitude="106.994217",
    )
    response = browser.post("/aspirations/new/", data)
    assert response.status_code == 200, response.content
    return receipt_of(response)


def send_by_api(c2: SimpleNamespace, resident: Client) -> str:
    body = {"text": TEXT, "area": KAYURINGIN, "rw": 24, "rt": 1, "privacy": "anonymous"}
    response = send(resident, "POST", "/api/v1/aspirations", body)
    assert response.status_code == 201, response.content
    return str(response.json()["receipt_code"])


def send_by_open311(c2: SimpleNamespace) -> str:
    api = Open311Client()
    api.client = Client(REMOTE_ADDR=SENTINEL_IP, headers=dict(SENTINEL_HEADERS))
    answer = api.post(
        "requests.json",
        open311_form(
            description=TEXT,
            lat="-6.24761",
            long="106.99423",
            **{"attribute[privacy]": "anonymous", "attribute[rw]": "24", "attribute[rt]": "1"},
        ),
    )
    assert answer.status_code == 200, answer.content
    notice = answer.json()[0]["service_notice"]
    found = re.search(CODE, notice)
    assert found is not None, notice
    return found.group()


@pytest.fixture(params=["web", "api", "open311"])
def door(request, c2, settings) -> Iterator[tuple[str, Callable[[], str]]]:
    """How to send the report; anything a door needs is made before the test looks."""
    settings.KAMTIBMAS_OPEN311_KEYLESS_INTAKE = True
    if request.param == "web":
        yield "web", lambda: send_by_web(c2)
    elif request.param == "api":
        resident = api_client(c2.resident)
        resident.defaults.update(
            {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in SENTINEL_HEADERS.items()},
            REMOTE_ADDR=SENTINEL_IP,
        )
        yield "api", lambda: send_by_api(c2, resident)
    else:
        yield "open311", lambda: send_by_open311(c2)


@pytest.mark.django_db
def test_security_14_an_anonymous_report_leaves_no_trace_of_who_or_when(
    c2, door, every_logger_at_debug
):
    channel, send_report = door
    every_cache_cleared()
    before = database_dump()
    start = timezone.now()
    code = send_report()
    follower = Client(REMOTE_ADDR=SENTINEL_IP, headers=dict(SENTINEL_HEADERS))
    case = Aspiration.objects.get()
    assert case.privacy == Privacy.ANONYMOUS and case.reporter_id is None
    # The reporter follows the case; a wrong guess at a code counts against the client.
    assert follower.get(f"/track/{code}").status_code == 200
    assert follower.get(f"/track/{WRONG_CODE}").status_code == 404
    end = timezone.now()

    dump = database_dump()
    for table, rows in dump.items():
        assert not traces_in("\n".join(rows)), (table, traces_in("\n".join(rows)))
    changed = {table for table, rows in dump.items() if rows != before.get(table)}
    changed_rows = "\n".join(
        row for table in changed for row in dump[table] if row not in before.get(table, [])
    )
    assert moments_within(changed_rows, start, end) == [], changed
    expected = {"aspirations_aspiration", "aspirations_aspirationupdate"}
    if channel == "open311":
        expected.add("open311_submission")
    assert changed == expected, channel

    records = every_logger_at_debug.records
    assert any(r.name == "django.db.backends" for r in records), "no SQL captured"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in records)
    assert traces_in(logged) == []
    # Every log line has its time: none may name the case (the SQL of DEBUG, never on in
    # production, aside).
    said = "\n".join(r.getMessage() for r in records if r.name != "django.db.backends")
    assert case.number not in said and code not in said

    keys, stored = cache_contents()
    assert any(":throttle:" in key for key in keys), "no throttle counter was read"
    assert traces_in(" ".join(keys).encode() + stored) == []


@pytest.mark.django_db
def test_a_failure_while_taking_an_anonymous_report_reports_no_sentinel(
    c2, settings, monkeypatch, capfd
):
    """The error report of a 500 on the anonymous form: the page, the log (as the
    settings configure it at start-up) and any e-mail to the admins."""
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.test")]
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("kamtibmas.web.aspirations_public.aspiration_submit", broken)
    browser = Client(REMOTE_ADDR=SENTINEL_IP, headers=dict(SENTINEL_HEADERS))
    browser.raise_request_exception = False
    data = form_data(
        c2, privacy=Privacy.ANONYMOUS, reporter_name="", reporter_phone="", notify_by=""
    )
    response = browser.post("/aspirations/new/", data)

    assert response.status_code == 500
    assert traces_in(response.content) == []
    err = capfd.readouterr().err
    assert "Internal Server Error: /aspirations/new/" in err and "RuntimeError" in err
    assert traces_in(err) == []
    reports = [f"{m.subject}\n{m.body}\n{getattr(m, 'alternatives', '')}" for m in mail.outbox]
    assert traces_in("\n".join(reports)) == []
    assert mail.outbox == []  # the admins learn of errors from the log, not by e-mail


# Nothing from elsewhere --------------------------------------------------------------

_LOADING_ATTRIBUTES = ("src", "href", "action", "formaction", "srcset", "poster", "data")


def foreign_references(html: str) -> list[str]:
    """Every address in the page that is not this site (or a phone number to call)."""
    page = parse(html)
    foreign = []
    for element in page.elements:
        for attribute in _LOADING_ATTRIBUTES:
            value = element.attrs.get(attribute)
            if value is None:
                continue
            for address in value.split(",") if attribute == "srcset" else [value]:
                parts = urlsplit(address.strip().split(" ")[0])
                if parts.scheme == "tel" or (
                    parts.scheme in {"", "http", "https"} and parts.netloc in {"", "testserver"}
                ):
                    continue
                foreign.append(f"<{element.tag} {attribute}={value!r}>")
    if re.search(r"(?i)url\(\s*['\"]?(?:https?:)?//", html):
        foreign.append("a CSS url() to another origin")
    return foreign


def csp_sources(header: str) -> dict[str, list[str]]:
    directives = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


@pytest.mark.django_db
def test_the_anonymous_pages_load_nothing_from_another_origin(c2):
    browser = Client(REMOTE_ADDR=SENTINEL_IP, headers=dict(SENTINEL_HEADERS))
    form = browser.get("/aspirations/new/")
    data = form_data(
        c2, privacy=Privacy.ANONYMOUS, reporter_name="", reporter_phone="", notify_by=""
    )
    receipt = browser.post("/aspirations/new/", data)
    code = receipt_of(receipt)
    pages = {
        "form": form,
        "receipt": receipt,
        "track form": browser.get("/track/"),
        "tracking page": browser.get(f"/track/{code}"),
        "tracking by post": browser.post("/track/", {"code": code}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert foreign_references(response.content.decode()) == [], name
        policy = csp_sources(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"], name
        allowed = {"'self'", "'none'", "data:"}
        assert {s for sources in policy.values() for s in sources} <= allowed, (name, policy)
        assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin"}, name


# The production server ---------------------------------------------------------------


def server_database_url(data_dir: Path) -> tuple[str, Path | None]:
    """A database the server subprocess can open holding what this test committed:
    the test database itself on PostgreSQL, a copy of it on SQLite (in memory here)."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        return f"postgres://{quote(db['USER'], safe='')}{password}@{host}/{db['NAME']}", None
    copy = data_dir / "served.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{copy}", copy


def http(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(  # noqa: S310 (http to our own server)
        url, data=body, method=method, headers={**SENTINEL_HEADERS, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_security_14_the_production_server_keeps_no_trace_of_an_anonymous_sender(c2, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database_url, copy = server_database_url(data_dir)
    port = free_port()
    environment = production_environment(
        data_dir,
        database_url,
        KAMTIBMAS_OPEN311_KEYLESS_INTAKE="1",
        # As much logging as there is: whatever is written must still be clean.
        KAMTIBMAS_LOG_LEVEL="DEBUG",
    )
    # As at each deployment (the deployment checks of `serve` insist).
    subprocess.run(
        [sys.executable, "-m", "kamtibmas", "collectstatic", "--noinput", "--verbosity=0"],
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    output_path = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    start = timezone.now()
    with output_path.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "kamtibmas", "serve", f"--bind=127.0.0.1:{port}",
             "--workers=1", "--threads=2"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, output_path.read_text()
            try:
                if http("GET", f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer in 60 s"
            time.sleep(0.2)

        status, headers, page = http("GET", f"{base}/aspirations/new/")
        assert status == 200, page
        cookies = SimpleCookie()
        for header in headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        data = form_data(
            c2, text=TEXT, privacy=Privacy.ANONYMOUS, reporter_name="", reporter_phone="",
            notify_by="", csrfmiddlewaretoken=token.group(1).decode(),
        )  # fmt: skip
        status, _headers, page = http(
            "POST",
            f"{base}/aspirations/new/",
            body=urlencode(data).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v.value}" for k, v in cookies.items()),
                "Referer": f"{base}/aspirations/new/",
            },
        )
        assert status == 200, page
        code = receipt_of(page.decode())
        assert http("GET", f"{base}/track/{code}")[0] == 200
        assert http("GET", f"{base}/track/{WRONG_CODE}")[0] == 404
        status, _headers, answer = http(
            "POST",
            f"{base}/open311/v2/requests.json",
            body=urlencode(
                open311_form(description=TEXT, **{"attribute[privacy]": "anonymous"})
            ).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 200, answer
        created = json.loads(answer)[0]
        assert created["service_request_id"].startswith("ASP-")
        end = timezone.now()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    served = output_path.read_text(errors="replace")
    assert server.returncode == 0, served
    assert "Kamtibmas on http://127.0.0.1:" in served  # the output was captured
    assert traces_in(served) == [], served
    # Its lines have their times, as logs do; none names the cases or their codes. (No
    # access log: granian's is off, so not even the paths of the requests appear.)
    numbers = [*re.findall(r"ASP-[0-9A-Z]{4}-[0-9A-Z]{4}", page.decode()), code]
    numbers += [created["service_request_id"], *re.findall(CODE, created["service_notice"])]
    assert len(numbers) >= 4 and not [n for n in numbers if n in served], served
    assert "/aspirations/new/" not in served and "requests.json" not in served

    # Every file the server wrote (its database, when SQLite, included; not the static
    # files collectstatic wrote before it started) ...
    for path in data_dir.rglob("*"):
        if path.is_file() and not path.is_relative_to(data_dir / "static"):
            assert traces_in(file_bytes(path)) == [], path
    # ... and every row, read back.
    if copy is not None:
        db = sqlite3.connect(copy)
        rows = "\n".join(db.iterdump())
        (anonymous,) = db.execute(
            "SELECT count(*) FROM aspirations_aspiration WHERE privacy = 'anonymous'"
        ).fetchone()
        db.close()
    else:
        rows = "\n".join(row for table in database_dump().values() for row in table)
        anonymous = Aspiration.objects.filter(privacy=Privacy.ANONYMOUS).count()
    assert anonymous == 2  # the form's and Open311's
    assert traces_in(rows) == []
    assert moments_within(rows, start, end) == []
