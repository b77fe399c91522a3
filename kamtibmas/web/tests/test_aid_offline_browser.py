"""The offline hand-out in headless Chromium on a phone (412×915), in Indonesian
(issue 8 point 4): the officer opens the offline page while online (the page keeps
itself and downloads the household list), loses the connection, reloads the page
(served by the service worker), hands out by KK number with a signature and by name,
is stopped from handing out twice on the same phone, and gets the connection back.
The first answer of the sync is lost on the way back (the request reached the server,
the response never reached the phone): the entry is sent again with its key and is
recorded once. A household another officer served meanwhile is refused with the
reason. Hand-outs the page's former queue left on a phone (IndexedDB version 1) are
sent after the upgrade under their own keys; a downloaded list is deleted from the
phone past its end.

Locators use element ids, not words.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kamtibmas.aid import offline
from kamtibmas.aid.models import Handout, HandoutConfirmation
from kamtibmas.aid.services import aid_handout_record, household_register
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.core.timefmt import local_today, resolve_zone
from kamtibmas.web import aid_offline
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

CACHED_PAGE = (
    """async () => {
  const cache = await caches.open("CACHE");
  return !!(await cache.match(location.pathname)) && !!navigator.serviceWorker.controller;
}"""
).replace("CACHE", aid_offline.CACHE)


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


def signed_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def a_neighbour(running):
    """A second household of the program's RW."""
    return household_register(
        actor=running.officer,
        kk_number="3275040101090022",
        head_name="Budi Santoso",
        area=running.rw024,
        members=2,
    )


def test_the_officer_hands_out_offline_and_every_entry_is_recorded_once(phone, running):
    from playwright.sync_api import expect

    page = phone
    problems = watch_for_problems(page)
    neighbour = a_neighbour(running)
    signed_in(page, running.officer)
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


#: What the hand-out page's own queue (aid-offline.js before it moved onto
#: offline-queue.js) left on a phone: database "kamtibmas-aid" at version 1, its
#: entries with the hand-out's fields on the entry itself, and its lists without an
#: end. Written as that script wrote them, before the new page opens.
OLD_PHONE = """([entries, list, listKey]) => new Promise((resolve, reject) => {
  const open = indexedDB.open("kamtibmas-aid", 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore("lists");
    db.createObjectStore("queue", { keyPath: "key" }).createIndex("place", "place");
  };
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(["queue", "lists"], "readwrite");
    entries.forEach(e => tx.objectStore("queue").put(e));
    tx.objectStore("lists").put(list, listKey);
    tx.oncomplete = () => { db.close(); resolve(db.version); };
    tx.onerror = () => reject(tx.error);
  };
})"""
#: The queue and the lists on the phone, as IndexedDB holds them now.
PHONE_NOW = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kamtibmas-aid");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(["queue", "lists"]);
    const queue = tx.objectStore("queue").getAll();
    const lists = tx.objectStore("lists").getAll();
    tx.oncomplete = () => {
      resolve({ version: db.version, queue: queue.result, lists: lists.result });
      db.close();
    };
  };
})"""


def test_hand_outs_waiting_on_a_phone_are_sent_after_the_upgrade_under_their_own_key(
    browser_page, running
):
    """A phone that recorded hand-outs with the page's former queue gets the page that
    uses the shared queue: the database is upgraded, the waiting hand-out is sent once
    under the Idempotency-Key it was given when it was recorded (its signature too),
    the refused one can still be corrected, the sent one stays sent, another
    location's waits for its own page, and the list without an end is replaced."""
    from playwright.sync_api import expect

    from kamtibmas.core.models import IdempotencyKey
    from kamtibmas.web.tests.test_aid_offline import png_signature

    page = browser_page
    problems = watch_for_problems(page)
    neighbour = a_neighbour(running)
    place = f"{running.program.pk}:{running.venue.pk}"
    handed_at = (timezone.now() - timedelta(hours=2)).isoformat()
    waiting, refused, sent, elsewhere = (str(uuid.uuid4()) for _ in range(4))

    def old(key, seq, household, state, **more):
        return {
            "key": key,
            "seq": seq,
            "place": place,
            "household": household.pk,
            "name": household.head_name,
            "recipient_name": "Siti Aminah",
            "children_present": 1,
            "handed_at": handed_at,
            "confirmation": None,
            "quantities": {str(running.sembako.pk): 1},
            "state": state,
            "message": "",
            **more,
        }

    entries = [
        old(sent, 1, neighbour, "sent", message="Tercatat.", sent_at=int(time.time() * 1000)),
        old(
            waiting,
            2,
            running.household,
            "waiting",
            confirmation={"kind": "signature", "data": png_signature()},
        ),
        old(refused, 3, neighbour, "rejected", recipient_name="Budi", message="Sudah menerima."),
        old(elsewhere, 4, neighbour, "waiting", place=f"{running.program.pk}:999999"),
    ]
    old_list = {"version": 1, "households": [], "items": [], "salt": "x"}
    posted: list[str] = []
    page.on(
        "request",
        lambda r: (
            posted.append(r.headers.get("idempotency-key", ""))
            if r.method == "POST" and r.url.endswith("/offline/sync")
            else None
        ),
    )
    signed_in(page, running.officer)
    page.goto(f"/staff/aid/{running.program.pk}/")
    assert page.evaluate(OLD_PHONE, [entries, old_list, place]) == 1

    page.goto(f"/staff/aid/{running.program.pk}/locations/{running.venue.pk}/offline/")
    expect(page.locator(f"#entry-{waiting}")).to_have_attribute("data-state", "sent")
    expect(page.locator(f"#entry-{waiting}")).to_contain_text("0011")
    expect(page.locator(f"#entry-{sent}")).to_have_attribute("data-state", "sent")
    expect(page.locator(f"#entry-{refused}")).to_have_attribute("data-state", "rejected")
    expect(page.locator(f"#entry-{refused}")).to_contain_text("Sudah menerima.")
    expect(page.locator("#queue li")).to_have_count(3)
    # The list of version 1 (no end) was replaced by a current one.
    expect(page.locator("#list-state")).to_have_attribute("data-count", "2")
    expect(page.locator("#list-state")).not_to_have_attribute("data-keep-until", "")

    handout = Handout.objects.get(household=running.household)
    assert handout.recipient_name == "Siti Aminah" and handout.children_present == 1
    assert HandoutConfirmation.objects.get(handout=handout).kind == "signature"
    assert IdempotencyKey.objects.filter(key=f"web:aid-offline:{waiting}").count() == 1
    # Sent once, under its own key; pressing "Send now" sends nothing more.
    page.locator("#sync-button").click()
    page.wait_for_timeout(1000)
    assert posted == [waiting]
    assert Handout.objects.filter(household=neighbour).count() == 0

    phone = page.evaluate(PHONE_NOW)
    assert phone["version"] == 2
    kept = {e["key"]: e for e in phone["queue"]}
    assert set(kept) == {waiting, refused, sent, elsewhere}
    assert all("confirmation" not in e for e in kept.values())
    assert kept[waiting]["body"] is None and kept[sent]["body"] is None
    assert kept[elsewhere]["body"]["household"] == neighbour.pk  # sent by its own page
    assert kept[elsewhere]["state"] == "waiting"
    (current,) = phone["lists"]
    assert current["version"] == 2 and current["keep_until"]

    # The refused one comes back as it was typed, to be corrected.
    page.locator(f"#entry-{refused} button.button").click()
    expect(page.locator("#offline-household")).to_be_visible()
    expect(page.locator("#recipient-input")).to_have_value("Budi")
    expect(page.locator("#children-input")).to_have_value("1")
    assert_fits_the_phone(page)
    assert problems == []


#: When the list kept on the phone is to be deleted, as IndexedDB holds it.
KEPT_LISTS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kamtibmas-aid");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("lists").objectStore("lists").getAll();
    all.onsuccess = () => { resolve(all.result.map(l => l.keep_until)); open.result.close(); };
  };
})"""


def test_a_hand_out_list_past_its_end_is_deleted_from_the_phone(browser_page, running):
    """The names of a downloaded list stay on the phone until its ``keep_until`` (here
    three days on: the program runs a month more) and no longer: past it the page
    deletes the list when a household is looked for, without a connection, and when
    it opens, and says why."""
    from playwright.sync_api import expect

    page = browser_page
    problems = watch_for_problems(page)
    signed_in(page, running.officer)
    url = f"/staff/aid/{running.program.pk}/locations/{running.venue.pk}/offline/"
    with page.expect_response(lambda response: "list.json" in response.url) as answer:
        page.goto(url)
    data = answer.value.json()
    state = page.locator("#list-state")
    expect(state).to_have_attribute("data-count", "1")
    until = data["keep_until"]
    expect(state).to_have_attribute("data-keep-until", until)
    expect(state).to_contain_text(data["keep_until_label"])
    wait_until(page, lambda: page.evaluate(KEPT_LISTS) == [until])
    end = datetime.fromisoformat(until)
    zone = ZoneInfo(resolve_zone(running.program.unit.area).value)
    assert end == datetime.combine(
        local_today(running.program.unit.area) + timedelta(days=offline.OFFLINE_LIST_DAYS + 1),
        datetime.min.time(),
        tzinfo=zone,
    )

    # Offline, a minute before its end: still there.
    page.context.set_offline(True)
    page.clock.set_fixed_time(end - timedelta(minutes=1))
    page.locator("#name-input").fill("ahmad")
    page.locator("#name-button").click()
    expect(page.locator(f"#offline-choose-{running.household.pk}")).to_be_visible()

    # A minute after: looking for a household deletes it, and the page says so.
    page.clock.set_fixed_time(end + timedelta(minutes=1))
    page.locator("#name-button").click()
    expect(page.locator("#find-error")).to_be_visible()
    expect(page.locator(f"#offline-choose-{running.household.pk}")).to_have_count(0)
    expect(state).to_have_attribute("data-count", "")
    expect(state).to_contain_text(data["keep_until_label"])
    wait_until(page, lambda: page.evaluate(KEPT_LISTS) == [])
    assert_fits_the_phone(page)

    # Downloaded again, then opened past its end (the download failing): deleted.
    page.context.set_offline(False)
    page.clock.set_fixed_time(end - timedelta(days=1))
    page.locator("#list-button").click()
    expect(state).to_have_attribute("data-count", "1")
    wait_until(page, lambda: page.evaluate(KEPT_LISTS) == [until])
    page.clock.set_fixed_time(end + timedelta(minutes=1))
    page.route(re.compile(r".*/list\.json.*"), lambda route: route.abort())
    page.reload()
    expect(state).to_contain_text(data["keep_until_label"])
    expect(state).to_have_attribute("data-count", "")
    expect(page.locator("#list-error")).to_be_visible()
    wait_until(page, lambda: page.evaluate(KEPT_LISTS) == [])
    unexpected = [p for p in problems if "Failed to load resource" not in p]
    assert unexpected == []
