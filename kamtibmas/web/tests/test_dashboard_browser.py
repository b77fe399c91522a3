"""The unit dashboard on a phone (412×915) in headless Chromium: from the staff home to
the dashboard, one level down the areas, a chart with its table, nothing wider than
the screen (wide tables scroll in their own box) and no console errors."""

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


def test_the_commander_drills_down_the_dashboard_on_a_phone(browser_page, area):
    from playwright.sync_api import expect

    case(area.rw024, category="narkoba", urgency="darurat", days_ago=4)
    case(area.rw001, category="kekerasan", urgency="tinggi", days_ago=3)
    case(area.rw024, category="kekerasan", urgency="tinggi", days_ago=40)
    held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw001, days_ago=5)
    page = browser_page
    problems = watch_for_problems(page)
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill(area.commander_selatan.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#dashboard-link").click()
    expect(page.locator("#category-chart")).to_be_visible()
    expect(page.locator("#category-table")).to_be_visible()
    assert_fits_the_phone(page)

    page.locator(f"#drill-{area.selatan.pk}").click()
    expect(page).to_have_url(re.compile(rf"area={area.selatan.pk}"))
    page.locator(f"#drill-{area.kayuringin.pk}").click()
    expect(page).to_have_url(re.compile(rf"area={area.kayuringin.pk}"))
    expect(page.locator(f"#crumb-{area.selatan.pk}")).to_be_visible()
    chart = page.locator("#areas-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 412
    expect(page.locator(f"#areas-{area.rw024.pk} td").first).to_have_text("1")
    expect(page.locator(f"#areas-{area.rw001.pk} td").first).to_have_text("1")
    expect(page.locator("#aid-xlsx")).to_have_attribute(
        "href", re.compile(rf"aid\.xlsx\?.*area={area.kayuringin.pk}")
    )
    assert_fits_the_phone(page)

    page.locator(f"#drill-{area.rw024.pk}").click()
    expect(page.locator("#areas-section .empty")).to_be_visible()
    expect(page.locator("#summary-received td").first).to_have_text("1")
    assert_fits_the_phone(page)
    page.locator("#crumb-unit").click()
    expect(page.locator(f"#drill-{area.selatan.pk}")).to_be_visible()
    assert problems == []
