"""The area safety map in headless Chromium on a phone (412×915), in Indonesian, with
no tiles to be had: the public map and the staff map draw every layer (markers and
cluster icons) on the plain background, list them in the summary table, fit the
phone and log no console error (the CSP forbids inline script and style).

Locators use element ids and data attributes, not words.
"""

from __future__ import annotations

import copy
import re

import pytest

from kamtibmas.maps.tests.conftest import mapdata
from kamtibmas.web.tests.test_loss_staff_browser import (
    PASSWORD,
    assert_fits_the_phone,
    watch_for_problems,
)

pytestmark = pytest.mark.browser

__all__ = ["mapdata"]  # the fixture, imported for this module

LAYERS = ["dialogues", "aspirations", "posts", "inspection-problems"]
# Markers of a layer plus the counts on its cluster icons equal its features.
SHOWN = """([code, expected]) => {
  const markers = document.querySelectorAll(`#map path.map-marker--${code}`).length;
  const clustered = [...document.querySelectorAll(`#map .map-cluster--${code} span`)]
    .reduce((sum, span) => sum + Number(span.textContent), 0);
  return markers + clustered === expected;
}"""


def assert_layers_drawn(page, layers=LAYERS) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#map")).to_have_attribute("data-ready", "1")
    for code in layers:
        row = page.locator(f"#layer-{code}")
        count = row.locator("[data-count]").get_attribute("data-count")
        assert count is not None and int(count) > 0
        # Every feature the table counts reached the map.
        expect(row).to_have_attribute("data-drawn", count)
        # Each feature is on the map, as a marker or inside a cluster icon's count.
        page.wait_for_function(SHOWN, arg=[code, int(count)])
    assert page.locator("#map path.map-marker").count() > 0
    assert page.locator("#map .leaflet-tile").count() == 0  # the plain background
    # The layer control names each layer.
    assert page.locator(".leaflet-control-layers-overlays label").count() == len(layers)


def test_the_public_map_draws_its_layers_without_tiles(browser_page, mapdata):
    from playwright.sync_api import expect

    page = browser_page
    problems = watch_for_problems(page)
    page.goto("/")
    page.locator("#nav-map").click()
    expect_url(page, r"/map/$")
    assert_layers_drawn(page)
    # The cases of Kayuringin Jaya (two of them at its centroid) share a cluster icon.
    expect(page.locator("#map .map-cluster--aspirations span").first).to_have_text("3")
    assert_fits_the_phone(page)
    html = page.content()
    assert "Siti Rahasia" not in html and "SENTINEL" not in html
    assert problems == []


def test_the_staff_map_draws_the_units_layers(browser_page, mapdata):
    from playwright.sync_api import expect

    page = browser_page
    problems = watch_for_problems(page)
    page.goto("/staff/map/")
    expect_url(page, r"/accounts/login/\?next=")
    page.locator("#id_username").fill(mapdata.officer_selatan.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect_url(page, r"/staff/map/$")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    # Staff also see the vulnerability index as graduated symbols, never clustered.
    assert_layers_drawn(page, [*LAYERS, "index"])
    assert page.locator("#map .map-cluster--index").count() == 0
    assert_fits_the_phone(page)
    # A marker's popup names the record and links to it.
    page.locator("#id_category").select_option("narkoba")
    page.locator("#map-filters button[type=submit]").click()
    expect_url(page, r"category=narkoba")
    expect(page.locator("#layer-aspirations")).to_have_attribute("data-drawn", "1")
    # The click goes to the case's own marker, whatever lies on top of it at that
    # point (a dialogue at the same centroid, drawn in whichever order layers loaded).
    page.locator("#map path.map-marker--aspirations").first.dispatch_event("click")
    link = page.locator(".map-popup a")
    expect(link).to_have_attribute("href", f"/staff/aspirations/{mapdata.confidential.pk}/")
    assert problems == []


def test_unreachable_tiles_leave_the_data_on_a_plain_background(browser_page, mapdata, settings):
    """Tiles configured but unreachable (every other origin is aborted): the data is
    drawn all the same; the only errors are the tiles that failed to load."""
    tiles = "http://tiles.invalid/{z}/{x}/{y}.png"
    settings.KAMTIBMAS_MAP_TILES = tiles
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"].append("http://tiles.invalid")
    settings.CONTENT_SECURITY_POLICY = policy
    page = browser_page
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    problems = watch_for_problems(page)
    page.goto("/map/")
    from playwright.sync_api import expect

    expect(page.locator("#map")).to_have_attribute("data-ready", "1")
    for code in LAYERS:
        row = page.locator(f"#layer-{code}")
        expect(row).to_have_attribute(
            "data-drawn", row.locator("[data-count]").get_attribute("data-count") or ""
        )
    page.wait_for_function("() => !document.getElementById('map').classList.contains('map--tiles')")
    assert failed and all(url.startswith("http://tiles.invalid/") for url in failed)
    assert all("Failed to load resource" in problem for problem in problems), problems


def expect_url(page, pattern: str) -> None:
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(pattern))
