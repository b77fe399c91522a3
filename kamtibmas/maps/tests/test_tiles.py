"""The tile setting: empty by default (no tiles, no third-party origin in the CSP);
when set, its host is what the CSP admits for images, and the map is told."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from kamtibmas.config.settings.base import tile_source


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://tiles.example.test:8080/osm/{z}/{x}/{y}.png", "http://tiles.example.test:8080"),
        ("ftp://tiles.example.test/{z}/{x}/{y}.png", None),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("https://{a}.example.test/{z}/{x}/{y}.png", None),
    ],
)
def test_tile_source(url, source):
    assert tile_source(url) == source


def test_no_tiles_by_default(settings):
    assert settings.KAMTIBMAS_MAP_TILES == ""
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == ["'self'", "data:"]


def _settings_with(tmp_path, tiles: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KAMTIBMAS_DATA_DIR": str(tmp_path), "KAMTIBMAS_MAP_TILES": tiles}
    code = (
        "from kamtibmas.config.settings import base;"
        "print(base.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_configured_tiles_are_admitted_by_the_csp(tmp_path):
    done = _settings_with(tmp_path, "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert done.returncode == 0, done.stderr
    assert "https://*.tile.openstreetmap.org" in done.stdout
    refused = _settings_with(tmp_path, "tiles please")
    assert refused.returncode != 0
    assert "KAMTIBMAS_MAP_TILES must be an http(s) URL template" in refused.stderr


def test_the_map_is_told_the_tiles(client, bekasi, settings):
    settings.KAMTIBMAS_MAP_TILES = "https://{s}.tile.example.test/{z}/{x}/{y}.png"
    settings.KAMTIBMAS_MAP_ATTRIBUTION = "© Example contributors"
    html = client.get(reverse("web:map")).content.decode()
    assert 'data-tiles="https://{s}.tile.example.test/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="© Example contributors"' in html
