"""The §9 baselines (``kamtibmas.core.baselines``) exist only when switched on."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.core import checks
from django.db import connection
from django.test import Client, override_settings
from django.urls import clear_url_caches

from kamtibmas.config import urls
from kamtibmas.core.baselines import W0_TABLE, baseline_table_create


def test_the_baselines_are_not_served_by_default(client: Client):
    assert client.get("/bench/baselines/j0").status_code == 404
    assert client.post("/bench/baselines/w0", "x", content_type="text/plain").status_code == 404


@pytest.fixture
def baselines_on() -> Iterator[None]:
    """The URLconf as a server with KAMTIBMAS_BENCH_BASELINES=1 builds it."""
    with override_settings(KAMTIBMAS_BENCH_BASELINES=True):
        importlib.reload(urls)
        clear_url_caches()
        try:
            yield
        finally:
            pass
    importlib.reload(urls)
    clear_url_caches()


def test_switched_on_they_answer_as_the_app_does(baselines_on, bekasi):
    client = Client()
    answer = client.get("/bench/baselines/j0")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert answer["Content-Security-Policy"]  # through the app's middleware

    area = client.get(f"/bench/baselines/d0/{bekasi.kayuringin.pk}")
    assert area.json() == {
        "id": bekasi.kayuringin.pk,
        "code": "32.75.04.1005",
        "name": "Kayuringin Jaya",
    }
    assert client.get("/bench/baselines/d0/999999").status_code == 404

    baseline_table_create()
    written = client.post("/bench/baselines/w0", '{"text": "x"}', content_type="application/json")
    assert written.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {W0_TABLE}")  # noqa: S608
        assert cursor.fetchall() == [('{"text": "x"}',)]


def test_check_deploy_warns_when_a_production_server_serves_them():
    with override_settings(PRODUCTION=True, KAMTIBMAS_BENCH_BASELINES=True):
        found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert "kamtibmas.W001" in {message.id for message in found}
    with override_settings(PRODUCTION=True, KAMTIBMAS_BENCH_BASELINES=False):
        found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert "kamtibmas.W001" not in {message.id for message in found}
