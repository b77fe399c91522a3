"""The field app of a dialogue in headless Chromium on a phone (412×915), in
Indonesian (issue 12 point 1): the officer opens the field page from the dialogue's
page while online (the page keeps itself and downloads the reference lists), loses
the connection, records an aspiration on a resident's behalf, the attendance, an
inspection whose problem has no description and a loss report without the
reporter's phone number, its name and address filled from the household lookup
(found by KK number in the kelurahan's households, downloaded while online), reloads
the page while offline (served by the service worker, the waiting entries still
there), and gets the connection back. The server refuses the inspection and the loss
report with their reasons; the officer corrects them (the loss report's form comes
back as typed) and sends them again. The first answers that record the aspiration
and the loss report are lost on their way back (the request reached the server,
the response never reached the phone): each is sent again with its key and
recorded once.

Locators use element ids, not words; what was recorded is read from the database.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kamtibmas.aspirations.models import Aspiration, Privacy, Source
from kamtibmas.certificates.models import LossReport, ReportSource
from kamtibmas.certificates.tests.conftest import SITI_NIK
from kamtibmas.core.models import IdempotencyKey
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import Dialogue, Inspection, InspectionFinding, InspectionItem
from kamtibmas.web import field
from kamtibmas.web.tests.conftest import phone_page
from kamtibmas.web.tests.test_aid_offline_browser import signed_in, wait_until
from kamtibmas.web.tests.test_dialogues import held
from kamtibmas.web.tests.test_field_offline import KK, household
from kamtibmas.web.tests.test_loss_staff_browser import (
    assert_fits_the_phone,
    watch_for_problems,
)

pytestmark = pytest.mark.browser

__all__ = ["held", "household"]  # the fixtures, imported for this module

CACHED_PAGE = (
    """async () => {
  const cache = await caches.open("CACHE");
  return !!(await cache.match(location.pathname)) && !!navigator.serviceWorker.controller;
}"""
).replace("CACHE", field.CACHE)
#: The bodies of the queued entries, by key, as IndexedDB holds them.
QUEUED_BODIES = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kamtibmas-field");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("queue").objectStore("queue").getAll();
    all.onsuccess = () => resolve(Object.fromEntries(all.result.map(e => [e.key, e.body])));
  };
})"""


@pytest.fixture
def phone(chromium, live_server):
    """A phone page with service workers allowed (the shared fixture blocks them)."""
    yield from phone_page(chromium, live_server, service_workers="allow")


def sending_until(page, done) -> None:
    """Press "Send now" until ``done()``: a round already running when an entry was
    added leaves it to the next round (every 30 s otherwise)."""

    def pressed() -> bool:
        page.locator("#sync-button").click()
        return done()

    wait_until(page, pressed, every=1.0)


def test_the_officer_captures_offline_and_every_entry_is_recorded_once(
    phone, bekasi, held, household
):
    from playwright.sync_api import expect

    page = phone
    problems = watch_for_problems(page)
    first_item = InspectionItem.objects.filter(is_active=True).order_by("position", "code")[0]
    signed_in(page, bekasi.officer_selatan)
    page.goto(f"/staff/dialogues/{held.pk}/")
    page.locator("#field-link").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    version = page.locator("#field-app").get_attribute("data-version")
    assert version
    expect(page.locator("#reference-state")).to_have_attribute("data-version", version)
    expect(page.locator("#connection")).to_have_attribute("data-online", "yes")
    page.reload()
    wait_until(page, lambda: page.evaluate(CACHED_PAGE))
    assert_fits_the_phone(page)
    # Chromium reads the manifest without complaint and finds nothing in the way of
    # installing the app.
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/staff/field/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    blockers = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [b["errorId"] for b in blockers if b["errorId"] != "in-incognito"] == []
    cdp.detach()
    # The households of the kelurahan, downloaded on request.
    page.locator("#households-button").click()
    expect(page.locator("#households-state")).not_to_have_attribute("data-version", "")

    # No connection, and the page is reloaded: the service worker serves it, the
    # lists come from IndexedDB.
    page.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.headers.get("x-kamtibmas-served-from") == "cache"
    expect(page.locator("#connection")).to_have_attribute("data-online", "no")
    expect(page.locator("#reference-state")).to_have_attribute("data-version", version)

    # An aspiration on a resident's behalf, confidential, in RW 024.
    page.locator("#asp-text").fill("Lampu jalan di gang mati, rawan jambret malam hari.")
    page.locator("#asp-answer").fill("Akan disampaikan ke kelurahan.")
    page.locator("#asp-rw").select_option("24")
    expect(page.locator("#asp-privacy-confidential")).to_be_checked()
    page.locator("#asp-name").fill("Siti Aminah")
    assert_fits_the_phone(page)
    page.locator("#aspiration-button").click()
    expect(page.locator("#queue li")).to_have_count(1)
    expect(page.locator("#asp-text")).to_have_value("")
    # Anonymous hides the identity fields.
    page.locator("#asp-privacy-anonymous").check()
    expect(page.locator("#asp-identity")).to_be_hidden()
    page.locator("#asp-privacy-confidential").check()

    # The attendance, then an inspection with a problem left undescribed.
    page.locator("#att-residents").fill("27")
    page.locator("#att-leaders").fill("3")
    page.locator("#att-children").fill("12")
    page.locator("#attendance-button").click()
    page.locator(f"#result-{first_item.code}").select_option("problem")
    page.locator("#insp-notes").fill("Gang sempit.")
    page.locator("#inspection-button").click()
    expect(page.locator("#queue li")).to_have_count(3)

    # A loss report, its reporter found in the households by the KK number; the
    # phone number is forgotten.
    page.locator("#households-find").fill(KK[:4] + " " + KK[4:])
    page.locator("#households-find-button").click()
    page.locator(f"#household-{household.pk} .household-use-loss").click()
    expect(page.locator("#loss-name")).to_have_value("Ahmad Yani")
    expect(page.locator("#loss-address")).to_have_value("Jl. Cut Meutia No. 7")
    page.locator("#loss-item_ktp").check()
    page.locator("#loss-ktp__nik").fill(SITI_NIK)
    lost_on = local_today(bekasi.rw024) - timedelta(days=2)
    page.locator("#loss-lost_on").fill(lost_on.isoformat())
    page.locator("#loss-lost_place").fill("Pasar Kranji")
    assert_fits_the_phone(page)
    page.locator("#loss-button").click()
    expect(page.locator("#queue li")).to_have_count(4)
    expect(page.locator("#loss-name")).to_have_value("")
    expect(page.locator("#loss-ktp__nik")).to_be_hidden()

    # Reloaded while offline: the entries are still waiting on the phone.
    response = page.reload()
    assert response is not None and response.headers.get("x-kamtibmas-served-from") == "cache"
    expect(page.locator("#queue li[data-state=waiting]")).to_have_count(4)
    expect(page.locator("#queue-summary")).to_have_attribute("data-waiting", "4")
    expect(page.locator("#households-state")).not_to_have_attribute("data-version", "")
    assert Aspiration.objects.count() == 0 and LossReport.objects.count() == 0

    # The connection returns; the first answers that record an aspiration and a loss
    # report are lost on their way back.
    lost: dict[str, str] = {}

    def lose_the_answer(route):
        kind = route.request.url.rsplit("/", 1)[-1]
        response = route.fetch()  # the server records it…
        if kind in {"aspirations", "loss-reports"} and kind not in lost and response.status == 201:
            lost[kind] = route.request.headers.get("idempotency-key", "")
            route.abort()  # …and the phone never hears back
        else:
            route.fulfill(response=response)

    page.route(
        re.compile(
            r".*/staff/field/dialogues/\d+/(aspirations|attendance|inspection|loss-reports)$"
        ),
        lose_the_answer,
    )
    page.context.set_offline(False)
    sending_until(page, lambda: "aspirations" in lost)
    assert Aspiration.objects.count() == 1
    expect(page.locator("#connection")).to_have_attribute("data-online", "yes")
    first, second, third, fourth = (page.locator("#queue li").nth(i) for i in range(4))

    sending_until(page, lambda: first.get_attribute("data-state") == "sent")
    case = Aspiration.objects.get()
    expect(first).to_contain_text(case.number)
    assert first.get_attribute("id") == f"entry-{lost['aspirations']}"
    expect(second).to_have_attribute("data-state", "sent")
    expect(third).to_have_attribute("data-state", "rejected")
    expect(fourth).to_have_attribute("data-state", "rejected")
    assert Inspection.objects.count() == 0 and LossReport.objects.count() == 0
    assert_fits_the_phone(page)

    # The refused inspection is corrected and sent again, under a new key.
    third.locator(".field-entry__fix").click()
    expect(page.locator(f"#result-{first_item.code}")).to_have_value("problem")
    expect(page.locator("#inspection-error")).to_be_visible()
    page.locator(f"#note-{first_item.code}").fill("Dua lampu mati.")
    page.locator("#inspection-button").click()
    inspection_entry = page.locator("#queue li[data-kind=inspection]")
    sending_until(page, lambda: inspection_entry.get_attribute("data-state") == "sent")

    # So is the loss report: the form comes back as it was typed, NIK and all.
    page.locator("#queue li[data-kind=loss] .field-entry__fix").click()
    expect(page.locator("#loss-error")).to_be_visible()
    expect(page.locator("#loss-name")).to_have_value("Ahmad Yani")
    expect(page.locator("#loss-ktp__nik")).to_have_value(SITI_NIK)
    expect(page.locator("#loss-lost_on")).to_have_value(lost_on.isoformat())
    page.locator("#loss-phone").fill("0812-3456-7890")
    page.locator("#loss-button").click()
    loss_entry = page.locator("#queue li[data-kind=loss]")
    sending_until(page, lambda: "loss-reports" in lost)
    assert LossReport.objects.count() == 1
    sending_until(page, lambda: loss_entry.get_attribute("data-state") == "sent")
    expect(page.locator("#queue li")).to_have_count(4)
    expect(page.locator("#queue li[data-state=sent]")).to_have_count(4)
    report = LossReport.objects.get()
    expect(loss_entry).to_contain_text(report.reference)
    assert loss_entry.get_attribute("id") == f"entry-{lost['loss-reports']}"
    assert report.source == ReportSource.DIALOGUE and report.dialogue_id == held.pk
    assert report.name == "Ahmad Yani" and report.address == "Jl. Cut Meutia No. 7"
    assert report.lost_on == lost_on and [i.item_type for i in report.items.all()] == ["ktp"]
    # Sent: the phone keeps the label and the answer, not what was typed.
    assert page.evaluate(QUEUED_BODIES)[lost["loss-reports"]] is None

    assert case.source == Source.DIALOGUE and case.dialogue_id == held.pk
    assert case.privacy == Privacy.CONFIDENTIAL and case.reporter_name == "Siti Aminah"
    assert case.area.code == "32.75.04.1005.024"
    held.refresh_from_db()
    assert (held.residents_count, held.leaders_count, held.children_count) == (27, 3, 12)
    finding = InspectionFinding.objects.get(inspection__dialogue=held)
    assert finding.item == first_item and finding.note == "Dua lampu mati."
    assert Inspection.objects.get().notes == "Gang sempit."
    assert Dialogue.objects.count() == 1
    assert IdempotencyKey.objects.filter(key__startswith="web:field:").count() == 4
    assert LossReport.objects.count() == 1
    # Only the network failures provoked on purpose.
    unexpected = [p for p in problems if "Failed to load resource" not in p]
    assert unexpected == []


#: When each household list kept on the phone is to be deleted, as IndexedDB holds it.
STORED_HOUSEHOLDS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kamtibmas-field");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const store = open.result.transaction("reference").objectStore("reference");
    const all = store.getAll();
    all.onsuccess = () => resolve(all.result.filter(v => v && v.households).map(v => v.keep_until));
  };
})"""


def reloaded_and_checked(page) -> str:
    """Reload the page and wait until the answer of its check of the stored household
    list (made whenever it opens online) is kept; that answer's ``keep_until``.

    Read from the phone, not from the network: the body of a response the page got
    through its service worker may be gone before Playwright reads it ("No resource
    with given identifier found"). An answer's ``keep_until`` is to the second, so a
    second's wait makes the new one differ from the one kept."""
    before = page.evaluate(STORED_HOUSEHOLDS)
    page.wait_for_timeout(1100)
    page.reload()
    kept: list[str] = []

    def checked() -> bool:
        kept[:] = page.evaluate(STORED_HOUSEHOLDS)
        return len(kept) == 1 and kept != before

    wait_until(page, checked)
    return kept[0]


def test_a_household_list_past_its_day_is_deleted_from_the_phone(
    phone, bekasi, held, household, monkeypatch
):
    """Names and addresses do not stay on a phone: the list is kept for
    ``HOUSEHOLDS_KEPT`` after the server last saw it current (here, at last, for
    nothing), then the page deletes it when it opens."""
    from playwright.sync_api import expect

    page = phone
    problems = watch_for_problems(page)
    signed_in(page, bekasi.officer_selatan)
    page.goto(f"/staff/dialogues/{held.pk}/")
    page.locator("#field-link").click()
    expect(page.locator("#connection")).to_have_attribute("data-online", "yes")
    page.locator("#households-button").click()
    expect(page.locator("#households-state")).not_to_have_attribute("data-version", "")
    reloaded_and_checked(page)  # within its day: kept, its end a day on
    expect(page.locator("#households-state")).not_to_have_attribute("data-version", "")

    monkeypatch.setattr(field, "HOUSEHOLDS_KEPT", timedelta(0))
    reloaded_and_checked(page)  # found current, and its end is now
    page.reload()  # past its end: deleted
    wait_until(page, lambda: page.evaluate(STORED_HOUSEHOLDS) == [])
    expect(page.locator("#households-state")).to_have_attribute("data-version", "")
    assert not problems, problems
