"""§9 shape 2 and the horizontal pieces of shape 3 (issue 13 points 4-5), as in
production: PostgreSQL, app servers (``kamtibmas serve``) each with a data directory
of its own, separate ``kamtibmas worker`` processes, and the Redis cache.

- Two app servers share one sign-in limit: the counters live in Redis, so failures
  spread over both servers are counted once (with a per-process cache each server
  would allow its own ten).
- Reports sent through one server are told to their reporters by two separate
  workers on the database queue: every SMS leaves exactly once.
- A photo uploaded through a server lands in the deployment's shared media storage
  (``KAMTIBMAS_MEDIA_ROOT``), not in that server's data directory.

They need ``DATABASE_URL`` on PostgreSQL and ``KAMTIBMAS_TEST_REDIS_URL``; ``.ci/run``
sets both and makes them mandatory (``KAMTIBMAS_REQUIRE_SHAPE2=1``); elsewhere they
skip and say why."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from PIL import Image

from kamtibmas.accounts.services import api_token_issue
from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.tests.production import Process, http, production_environment, serve, start
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus
from kamtibmas.privacy.tests.test_anonymous_sentinel import server_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # kamtibmas.conftest.make_user


@pytest.fixture
def shape2(tmp_path: Path):
    """The environment of one deployment: this test's PostgreSQL database, the Redis
    cache under a key prefix of this test's own; ``env(name)`` gives each process
    its own data directory."""
    redis_url = os.environ.get("KAMTIBMAS_TEST_REDIS_URL", "")
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL on PostgreSQL")
    if not redis_url:
        missing.append("KAMTIBMAS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    if missing:
        reason = "shape 2 needs " + " and ".join(missing)
        if os.environ.get("KAMTIBMAS_REQUIRE_SHAPE2") == "1":
            pytest.fail(f"KAMTIBMAS_REQUIRE_SHAPE2=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    database_url, _copy = server_database_url(tmp_path)
    prefix = f"kamtibmas-test-{secrets.token_hex(6)}"
    processes: list[Process] = []

    def env(name: str, **extra: str) -> dict[str, str]:
        return production_environment(
            tmp_path / name,
            database_url,
            KAMTIBMAS_REDIS_URL=redis_url,
            KAMTIBMAS_REDIS_PREFIX=prefix,
            KAMTIBMAS_MEDIA_ROOT=str(tmp_path / "shared-media"),
            **extra,
        )

    def server(name: str) -> str:
        process, base = serve(env(name), tmp_path / f"{name}.log")
        processes.append(process)
        return base

    def worker(name: str, data_dir: str) -> Process:
        process = start(env(data_dir), tmp_path / f"{name}.log", "worker", "--interval", "0.1")
        processes.append(process)
        return process

    class Shape2:
        pass

    deployment = Shape2()
    deployment.server = server  # type: ignore[attr-defined]
    deployment.worker = worker  # type: ignore[attr-defined]
    deployment.root = tmp_path  # type: ignore[attr-defined]
    try:
        yield deployment
    finally:
        for process in processes:
            process.stop()


def _sign_in(base: str, password: str, username: str) -> int:
    """A password attempt on the sign-in page of ``base``; returns its status."""
    status, headers, page = http("GET", f"{base}/accounts/login/")
    assert status == 200
    cookies = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    status, _headers, _page = http(
        "POST",
        f"{base}/accounts/login/",
        body=urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v.value}" for k, v in cookies.items()),
            "Referer": f"{base}/accounts/login/",
        },
    )
    return status


def test_two_app_servers_share_one_sign_in_limit(shape2, bekasi):
    first, second = shape2.server("app-1"), shape2.server("app-2")
    username = bekasi.officer_selatan.username

    # Ten wrong passwords from one client: five on each server.
    for base in (first, second) * 5:
        assert _sign_in(base, "wrong password", username) == 200

    # The limit is full on both: even the right password waits now.
    assert _sign_in(first, PASSWORD, username) == 429
    assert _sign_in(second, PASSWORD, username) == 429


def test_reports_through_a_server_are_told_once_by_separate_workers(shape2, bekasi):
    """Two workers (another data directory than the server's, the SMS gateway's
    outbox directory shared by them) take the notices from the database queue."""
    base = shape2.server("app")
    _token, raw = api_token_issue(user=bekasi.officer_selatan, name="shape 2")
    workers = [shape2.worker(f"worker-{n}", "workers") for n in (1, 2)]
    numbers = []
    for n in range(6):
        status, _headers, body = http(
            "POST",
            f"{base}/api/v1/aspirations",
            body=json.dumps(
                {
                    "text": f"Lampu jalan gang {n + 1} mati sejak seminggu, rawan begal malam.",
                    "area": bekasi.kayuringin.code,
                    "rw": 24,
                    "privacy": "confidential",
                    "reporter_name": "Siti Aminah",
                    "reporter_phone": f"0812-3456-78{n:02d}",
                    "notify_by": "sms",
                }
            ).encode(),
            headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
        )
        assert status == 201, body
        numbers.append(json.loads(body)["number"])

    notices = OutboxMessage.objects.filter(channel="sms", topic__startswith="aspiration:")
    deadline = time.monotonic() + 60
    while notices.exclude(status=OutboxStatus.SENT).exists() or notices.count() < len(numbers):
        assert all(w.process.poll() is None for w in workers), [w.text() for w in workers]
        assert time.monotonic() < deadline, "the workers did not send every notice in 60 s"
        time.sleep(0.2)

    deliveries = shape2.root / "workers" / "outbox" / "sms" / "deliveries.log"
    seen = Counter(line.split()[0] for line in deliveries.read_text().splitlines())
    assert set(seen) == {str(pk) for pk in notices.values_list("pk", flat=True)}
    assert set(seen.values()) == {1}  # each notice left once
    assert Aspiration.objects.filter(number__in=numbers).count() == len(numbers)
    for worker in workers:
        assert worker.stop() == 0, worker.text()

    # A photo of the first case, uploaded through the server.
    case = Aspiration.objects.get(number=numbers[0])
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(picture, "PNG")
    boundary = secrets.token_hex(8)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + picture.getvalue()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _headers, answer = http(
        "POST",
        f"{base}/api/v1/aspirations/{case.pk}/photos",
        body=body,
        headers={
            "Authorization": f"Bearer {raw}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert status == 201, answer
    stored = case.photos.get().image.name
    assert (shape2.root / "shared-media" / stored).is_file()
    assert not list((shape2.root / "app").rglob(Path(stored).name))
