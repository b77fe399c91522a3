"""The area safety picture on a phone (412×915) in headless Chromium: the ranking,
the recommendations and an area's trend chart fit the screen (wide tables scroll in
their own box) with no console errors."""

from __future__ import annotations

import re

import pytest

from kamtibmas.safety.tests.conftest import area
from kamtibmas.safety.tests.factories import case, held_dialogue
from kamtibmas.web.tests.test_loss_staff_browser import (
    PASSWORD,
    assert_fits_the_phone,
    watch_for_problems,
)

pytestmark = pytest.mark.browser

__all__ = ["area"]  # the fixture, imported for this module


def test_the_commander_reads_the_picture_and_a_trend_on_a_phone(browser_page, area):
    from playwright.sync_api import expect

    case(area.rt001, category="kekerasan", urgency="tinggi", days_ago=40, overdue=True)
    case(area.rw024, category="narkoba", urgency="darurat", days_ago=10)
    held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw001, days_ago=5)
    page = browser_page
    problems = watch_for_problems(page)
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill(area.commander_selatan.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#safety-link").click()
    expect(page.locator(f"#recommendation-{area.rw024.pk}")).to_be_visible()
    expect(page.locator("#rw-ranking")).to_be_visible()
    assert_fits_the_phone(page)
    page.locator(f"#rw-ranking-trend-{area.rw024.pk}").click()
    expect(page.locator("#trend-chart")).to_be_visible()
    assert page.locator("#trend-chart circle").count() == 12
    box = page.locator("#trend-chart").bounding_box()
    assert box is not None and box["width"] <= 412
    assert_fits_the_phone(page)
    page.locator("#safety-link").click()
    page.locator("#effects-link").click()
    expect(page.locator("#method")).to_be_visible()
    assert_fits_the_phone(page)
    assert problems == []
