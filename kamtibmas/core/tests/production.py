"""Processes started the production way for tests: ``kamtibmas serve`` and
``kamtibmas worker`` in subprocesses, on what the test committed to its database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from django.conf import settings

from kamtibmas.core.tests.test_serve_command import free_port
from kamtibmas.triage.classifier import active_model, model_path


def production_environment(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production process with its own data directory and this
    test run's keys (as every server of one deployment shares its keys)."""
    active_model()  # a server reads the trained triage model from its data directory
    (data_dir / "triage").mkdir(parents=True, exist_ok=True)
    shutil.copy(model_path(), data_dir / "triage" / "model.json")
    environment = {
        k: v
        for k, v in os.environ.items()
        if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("KAMTIBMAS_")
    }
    environment.pop("DATABASE_REPLICA_URL", None)
    environment.update(
        DATABASE_URL=database_url,
        KAMTIBMAS_DATA_DIR=str(data_dir),
        KAMTIBMAS_PRODUCTION="1",
        KAMTIBMAS_ALLOWED_HOSTS="127.0.0.1",
        KAMTIBMAS_SSL_REDIRECT="0",
        KAMTIBMAS_DPO_CONTACT="PPID Polres Metro Bekasi Kota, dpo@example.test",
        KAMTIBMAS_PUBLIC_URL="https://kamtibmas.example.test",
        KAMTIBMAS_SECRET_KEY=settings.SECRET_KEY,
        KAMTIBMAS_FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        KAMTIBMAS_BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
    )
    environment.update(extra)
    return environment


def kamtibmas(*args: str) -> list[str]:
    return [sys.executable, "-m", "kamtibmas", *args]


@dataclass
class Process:
    process: subprocess.Popen[bytes]
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                return self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(20)


def start(environment: dict[str, str], output: Path, *args: str) -> Process:
    with output.open("wb") as handle:
        process = subprocess.Popen(
            kamtibmas(*args), env=environment, stdout=handle, stderr=subprocess.STDOUT
        )
    return Process(process, output)


def serve(environment: dict[str, str], output: Path, *, threads: int = 2) -> tuple[Process, str]:
    """``kamtibmas serve`` (one worker process) after ``collectstatic``, as at each
    deployment; returns the process and its base URL once it answers."""
    subprocess.run(
        kamtibmas("collectstatic", "--noinput", "--verbosity=0"),
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = start(
        environment, output, "serve", f"--bind=127.0.0.1:{port}", "--workers=1",
        f"--threads={threads}",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert server.process.poll() is None, server.text()
        try:
            if http("GET", f"{base}/healthz")[0] == 200:
                return server, base
        except OSError:
            pass
        assert time.monotonic() < deadline, "the server did not answer in 60 s"
        time.sleep(0.2)


def http(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(  # noqa: S310 (http to our own server)
        url, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
