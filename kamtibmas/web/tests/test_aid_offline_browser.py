"""The offline hand-out in headless Chromium on a phone (412×915), in Indonesian
(issue 8 point 4): the officer opens the offline page while online (the page keeps
itself and downloads the household list), loses the connection, reloads the page
(served by the service worker), hands out by KK number with a signature and by name,
is stopped from handing out twice on the same phone, and gets the connection back.
The first answer of the sync is lost on the way back (the request reached the server,
the response never reached the phone): the entry is sent again with its key and is
recorded once. A household another officer served meanwhile is refused with the
reason.

Locators use element ids, not words.
"""

from __future__ import annotations

import re
import time

import pytest

from kamtibmas.aid.models import Handout, HandoutConfirmation
from kamtibmas.aid.services import aid_handout_record, household_register
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.web.tests.conftest import phone_page
from kamtibmas.web.tests.test_aid_browser import sign
from kamtibmas.web.tests.test_aid_staff import running
from kamtibmas.web.tests.test_loss_staff_browser import (
    PASSWORD,
    assert_fits_the_phone,
    watch_for_problems,
)

pytestmark = pytest.mark.browser

__all__ = ["aid", "running"]  # the fixtures, imported for this module

CACHED_PAGE = """async () => {
  const cache = await caches.open("kamtibmas-aid-offline-v1");
  return !!(await cache.match(location.pathname)) && !!navigator.serviceWorker.controller;
}"""


@pytest.fixture
def phone(chromium, live_server):
    """A phone page with service workers allowed (the shared fixture blocks them)."""
    yield from phone_page(chromium, live_server, service_workers="allow")


def wait_until(page, check, timeout=20.0, every=0.25):
    """Poll ``check`` while Playwright keeps handling the page's events (a plain
    sleep would stall the route handlers of this thread)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        page.wait_for_timeout(every * 1000)
    raise AssertionError("timed out")


def test_the_officer_hands_out_offline_and_every_entry_is_recorded_once(phone, running):
    from playwright.sync_api import expect

    page = phone
    problems = watch_for_problems(page)
    neighbour = household_register(
        actor=running.officer,
        kk_number="3275040101090022",
        head_name="Budi Santoso",
        area=running.rw024,
        members=2,
    )
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(running.officer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"/staff/aid/{running.program.pk}/")
    page.locator(f"#offline-{running.venue.pk}").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#list-state")).to_have_attribute("data-count", "2")
    expect(page.locator("#connection")).to_have_attribute("data-online", "yes")
    # The service worker controls the page and the page is in its cache.
    page.reload()
    wait_until(page, lambda: page.evaluate(CACHED_PAGE))
    assert_fits_the_phone(page)

    # No connection, and the page is reloaded: the service worker serves it.
    page.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.headers.get("x-kamtibmas-served-from") == "cache"
    expect(page.locator("#connection")).to_have_attribute("data-online", "no")
    expect(page.locator("#list-state")).to_have_attribute("data-count", "2")
    stock = page.locator(f"#offline-stock-{running.sembako.pk} .aid-stock__balance")
    expect(stock).to_have_text("50")

    # By KK number, with a signature.
    page.locator("#code-input").fill(KK)
    page.locator("#code-button").click()
    expect(page.locator("#offline-verdict")).to_have_attribute("data-eligible", "yes")
    expect(page.locator("#offline-kk")).to_have_text("************0011")
    expect(page.locator("#recipient-input")).to_have_value("Ahmad Yani")
    page.locator("#children-input").fill("2")
    sign(page)
    assert_fits_the_phone(page)
    page.locator("#offline-handout-button").click()
    first = page.locator("#queue li").nth(0)
    expect(first).to_have_attribute("data-state", "waiting")
    expect(stock).to_have_text("49")

    # The same family again on this phone: refused before anything is queued.
    page.locator("#code-input").fill(KK)
    page.locator("#code-button").click()
    expect(page.locator("#offline-verdict")).to_have_attribute("data-eligible", "no")
    expect(page.locator("#offline-handout-button")).to_be_disabled()
    page.locator("#offline-cancel").click()

    # By name; meanwhile another officer hands out to the same family, online.
    page.locator("#name-input").fill("budi")
    page.locator("#name-button").click()
    page.locator(f"#offline-choose-{neighbour.pk}").click()
    expect(page.locator("#offline-verdict")).to_have_attribute("data-eligible", "yes")
    page.locator("#offline-handout-button").click()
    expect(page.locator("#queue li")).to_have_count(2)
    aid_handout_record(
        actor=running.officer,
        program=running.program,
        household=neighbour,
        location=running.venue,
        recipient_name="Budi Santoso",
    )
    assert Handout.objects.filter(household=running.household).count() == 0

    # The connection returns; the first answer is lost on its way back.
    lost: list[str] = []

    def lose_the_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server records it…
            lost.append(route.request.headers.get("idempotency-key", ""))
            route.abort()  # …and the phone never hears back
        else:
            route.continue_()

    page.route(re.compile(r".*/offline/sync$"), lose_the_answer)
    page.context.set_offline(False)
    wait_until(page, lambda: bool(lost))
    assert Handout.objects.filter(household=running.household).count() == 1
    expect(page.locator("#connection")).to_have_attribute("data-online", "yes")

    def sent() -> bool:
        page.locator("#sync-button").click()
        return first.get_attribute("data-state") == "sent"

    wait_until(page, sent, every=1.0)
    expect(first).to_contain_text("0011")
    second = page.locator("#queue li").nth(1)
    expect(second).to_have_attribute("data-state", "rejected")
    expect(second).to_contain_text("Balai RW 024")
    assert_fits_the_phone(page)

    handout = Handout.objects.get(household=running.household)
    assert handout.children_present == 2 and handout.officer == running.officer
    assert HandoutConfirmation.objects.get(handout=handout).kind == "signature"
    assert Handout.objects.filter(household=neighbour).count() == 1
    assert first.get_attribute("id") == f"entry-{lost[0]}"
    # The rejected entry can be removed from the phone.
    second.locator("button.link-button").click()
    expect(page.locator("#queue li")).to_have_count(1)
    # Only the network failures provoked on purpose.
    unexpected = [p for p in problems if "Failed to load resource" not in p]
    assert unexpected == []
