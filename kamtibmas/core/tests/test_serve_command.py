"""``kamtibmas serve``: refusals in-process; the real server in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings


@override_settings(PRODUCTION=True, DEBUG=True)
def test_refuses_debug_in_production():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("serve")


def test_refuses_more_threads_than_database_connections_it_may_use():
    with pytest.raises(CommandError, match="8"):
        call_command("serve", workers=2, threads=4, db_connections=4)


@pytest.mark.postgres
def test_on_postgresql_the_limit_comes_from_the_server(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL to point at PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        (max_connections,) = cursor.fetchone()
    # In the operator's language, Indonesian unless they chose another.
    with pytest.raises(CommandError, match=f"{max_connections} koneksi basis data"):
        call_command("serve", workers=1, threads=int(max_connections))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http only)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
def test_serves_health_and_static_files_and_stops_on_sigterm(tmp_path: Path):
    """SQLite in a fresh data directory: /healthz needs no migrated table."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.pop("DATABASE_URL", None)
    environment["KAMTIBMAS_DATA_DIR"] = str(tmp_path)
    command = ["serve", f"--bind=127.0.0.1:{port}", "--workers=1", "--threads=2"]
    server = subprocess.Popen(
        [sys.executable, "-m", "kamtibmas", *command],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                status, body = get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer in 30 s"
                time.sleep(0.1)
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        assert get(f"{base}/static/kamtibmas/base.css")[0] == 200
        # The benchmark baselines exist only when asked for.
        assert get(f"{base}/bench/baselines/j0")[0] == 404
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output = server.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate()[0]
            pytest.fail(f"still running 20 s after SIGTERM:\n{output}")
    assert server.returncode == 0, output
    assert "1 workers × 2 threads, at most 2 database connections" in output
