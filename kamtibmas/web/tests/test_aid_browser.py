"""The hand-out journey in headless Chromium on a phone (412×915), in Indonesian: the
community officer of Polsek Bekasi Selatan opens the program, finds a family by its KK
number, hands out, sees the success and the lower balance, and is refused with the
reason when handing out to the same family again.

Locators use element ids and names, not words.
"""

from __future__ import annotations

import re

import pytest

from kamtibmas.aid.models import Handout, HandoutConfirmation
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.web.tests.test_aid_staff import running
from kamtibmas.web.tests.test_loss_staff_browser import (
    PASSWORD,
    assert_fits_the_phone,
    watch_for_problems,
)

pytestmark = pytest.mark.browser

__all__ = ["aid", "running"]  # the fixtures, imported for this module


def sign(page) -> None:
    """A signature drawn with a finger (the mouse) on the pad."""
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 60, steps=8)
    page.mouse.up()


def find_by_kk(page) -> None:
    page.locator("#id_kk").fill(KK)
    page.locator("#kk-button").click()


def test_the_officer_hands_out_by_kk_on_a_phone(browser_page, running):
    from playwright.sync_api import expect

    page = browser_page
    problems = watch_for_problems(page)
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill(running.officer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.locator("#aid-programs-link").click()
    page.locator(f"#program-{running.program.pk} a").click()
    expect(page.locator("#program-name")).to_be_visible()
    expect(page.locator("#reconciled")).to_be_visible()
    assert_fits_the_phone(page)

    page.locator(f"#handout-{running.venue.pk}").click()
    balance = page.locator(f"#stock-item-{running.sembako.pk} .aid-stock__balance")
    expect(balance).to_have_attribute("data-balance", "50")
    assert_fits_the_phone(page)
    find_by_kk(page)
    expect(page.locator("#eligibility")).to_have_attribute("data-eligible", "yes")
    expect(page.locator("#household-kk")).to_have_text("************0011")
    expect(page.locator("#id_recipient_name")).to_have_value("Ahmad Yani")
    assert_fits_the_phone(page)
    page.locator("#id_children_present").fill("2")
    sign(page)
    page.locator("#handout-button").click()
    expect(page.locator(".message--success")).to_be_visible()
    expect(balance).to_have_attribute("data-balance", "49")
    expect(page.locator(f"#stock-item-{running.snacks.pk} .aid-stock__balance")).to_have_attribute(
        "data-balance", "28"
    )
    assert KK not in page.url

    # The same family again: the page says why not, and confirming records nothing.
    find_by_kk(page)
    expect(page.locator("#eligibility")).to_have_attribute("data-eligible", "no")
    expect(page.locator("#eligibility li")).to_contain_text("Balai RW 024")
    page.locator("#handout-button").click()
    expect(page.locator("#handout-form .error-summary")).to_be_visible()
    expect(balance).to_have_attribute("data-balance", "49")
    assert_fits_the_phone(page)
    assert Handout.objects.count() == 1
    assert HandoutConfirmation.objects.get().kind == "signature"
    # The refused hand-out answers 400 on purpose (a form with errors); nothing else.
    assert [problem for problem in problems if "status of 400" not in problem] == []
