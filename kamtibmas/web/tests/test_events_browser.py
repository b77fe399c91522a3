"""Dialogue journeys in headless Chromium on a 412×915 phone screen (§7): a resident
checks in from the QR code, an officer shows the QR, residents read the event pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from kamtibmas.engagements.catalogue import catalogue_install
from kamtibmas.engagements.models import Attendee, AttendeeGroup, CheckInCode
from kamtibmas.engagements.services import checkin_code_issue
from kamtibmas.engagements.tests import conftest as engagement_fixtures
from kamtibmas.web.tests.browser import assert_fits_the_phone
from kamtibmas.web.tests.conftest import PHONE_VIEWPORT

pytestmark = pytest.mark.browser

rt001 = engagement_fixtures.rt001
ngopi = engagement_fixtures.ngopi
planned = engagement_fixtures.planned

MIN_TOUCH_TARGET_PX = 44  # WCAG 2.5.5 / Apple HIG
MIN_CHECKBOX_PX = 28  # its label is part of the target


@pytest.fixture(autouse=True)
def catalogue(transactional_db):
    """The live server's tests flush the database, data migrations included: put the
    dialogue types and topics back first."""
    from django.apps import apps

    catalogue_install(apps)


def in_english(page, live_server) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )


def watch_for_problems(page) -> list[str]:
    """Console errors, CSP violations, uncaught exceptions and failed requests."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "requestfailed",
        lambda request: (
            # A request cut short by the next navigation (the icon, typically) is no fault.
            None if request.failure == "net::ERR_ABORTED" else problems.append(request.url)
        ),
    )
    return problems


def assert_big_enough_to_tap(locator, minimum: int = MIN_TOUCH_TARGET_PX) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["height"] >= minimum and box["width"] >= minimum, box


def test_resident_checks_in_from_the_qr_code_and_is_counted_once(
    browser_page, live_server, planned, bekasi
):
    from playwright.sync_api import expect

    issued = checkin_code_issue(actor=bekasi.officer_timur, dialogue=planned)
    page = browser_page
    in_english(page, live_server)
    problems = watch_for_problems(page)

    response = page.goto(f"/checkin/{issued.raw}/")
    assert response is not None and response.status == 200
    assert "no-store" in response.headers["cache-control"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Jumat Curhat Margahayu")
    assert_fits_the_phone(page)

    name = page.get_by_label("Your name")
    submit = page.get_by_role("button", name="Check in")
    assert_big_enough_to_tap(name)
    assert_big_enough_to_tap(page.get_by_label("You come as"))
    assert_big_enough_to_tap(submit)
    consent = page.get_by_label("I agree that my name is put on the attendance list")
    assert_big_enough_to_tap(consent, MIN_CHECKBOX_PX)
    box = submit.bounding_box()
    assert box is not None
    assert box["width"] >= PHONE_VIEWPORT["width"] * 0.8, "a full-width button for the thumb"

    name.fill("Ani Suryani")
    page.get_by_label("You come as").select_option(label="Community leader")
    consent.check()
    submit.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your attendance has been recorded"
    )
    assert_fits_the_phone(page)
    (attendee,) = Attendee.objects.filter(dialogue=planned)
    assert (attendee.name, attendee.group) == ("Ani Suryani", AttendeeGroup.LEADER)

    cookies = {c["name"]: c for c in page.context.cookies()}
    device = cookies["kamtibmas_device"]
    assert device["httpOnly"] is True
    assert device["sameSite"] == "Lax"
    assert device["expires"] > timezone.now().timestamp() + 300 * 24 * 3600

    # Scanning the QR again from the same phone.
    page.goto(f"/checkin/{issued.raw}/")
    page.get_by_label("Your name").fill("Ani")
    page.get_by_label("I agree that my name is put on the attendance list").check()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have already checked in")
    assert Attendee.objects.filter(dialogue=planned).count() == 1
    assert not problems, problems


def test_a_forgotten_consent_is_explained_on_the_phone(browser_page, live_server, planned, bekasi):
    from playwright.sync_api import expect

    issued = checkin_code_issue(actor=bekasi.officer_timur, dialogue=planned)
    page = browser_page
    in_english(page, live_server)

    page.goto(f"/checkin/{issued.raw}/")
    page.get_by_label("Your name").fill("Joko")
    page.get_by_role("button", name="Check in").click()

    expect(page.get_by_role("alert")).to_contain_text("Please agree to your name being listed")
    expect(page.get_by_label("Your name")).to_have_value("Joko")
    expect(
        page.get_by_label("I agree that my name is put on the attendance list")
    ).to_have_attribute("aria-invalid", "true")
    assert not Attendee.objects.exists()


def test_an_expired_code_tells_the_resident_to_ask_for_a_new_one(
    browser_page, live_server, planned, bekasi
):
    from playwright.sync_api import expect

    issued = checkin_code_issue(actor=bekasi.officer_timur, dialogue=planned)
    CheckInCode.objects.filter(pk=issued.code.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = browser_page
    in_english(page, live_server)

    response = page.goto(f"/checkin/{issued.raw}/")
    assert response is not None and response.status == 410
    expect(page.get_by_role("alert")).to_have_text(
        "This check-in code has expired. Ask the officer to show a new one."
    )
    expect(page.get_by_role("button", name="Check in")).to_have_count(0)
    assert_fits_the_phone(page)


def test_officer_shows_the_qr_and_a_resident_checks_in_with_it(
    browser_page, live_server, ngopi, bekasi
):
    from playwright.sync_api import expect

    page = browser_page
    in_english(page, live_server)
    problems = watch_for_problems(page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("bhabin.selatan")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.goto(f"/staff/dialogues/{ngopi.pk}/qr/")
    page.get_by_role("button", name="Show a check-in QR code").click()
    qr = page.get_by_role("img", name="Check-in QR code")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 300, "big enough to scan across a room"
    assert abs(box["width"] - box["height"]) < 2
    assert_fits_the_phone(page)
    expect(page.get_by_text(re.compile(r"^Valid until \w+day, "))).to_be_visible()
    url = page.locator(".qr-stage__url a").get_attribute("href")
    assert url and url.startswith(f"{live_server.url}/checkin/")
    expect(page.get_by_role("button", name="Full screen")).to_be_visible()
    assert not problems, problems

    resident = page.context.browser.new_context(
        viewport=PHONE_VIEWPORT, locale="id-ID", service_workers="block"
    )
    try:
        phone = resident.new_page()
        phone.set_default_timeout(20_000)
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_have_text(ngopi.title)
        phone.get_by_role("textbox").first.fill("Rahmat")
        phone.locator("input[type=checkbox]").check()
        phone.locator("button[type=submit].button--wide").click()
        # The resident's phone speaks Indonesian, the default.
        with translation.override("id"):
            thanks = translation.gettext("Thank you, your attendance has been recorded")
        expect(phone.get_by_role("heading", level=1)).to_have_text(thanks)
    finally:
        resident.close()
    assert list(Attendee.objects.filter(dialogue=ngopi).values_list("name", flat=True)) == [
        "Rahmat"
    ]


def test_events_pages_read_well_on_a_phone(browser_page, live_server, ngopi, planned):
    from playwright.sync_api import expect

    page = browser_page
    problems = watch_for_problems(page)

    response = page.goto("/events/")
    assert response is not None and response.ok
    expect(page.get_by_role("link", name="Jumat Curhat Margahayu")).to_be_visible()
    assert_fits_the_phone(page)

    page.get_by_role("link", name="Jumat Curhat Margahayu").click()
    expect(page).to_have_url(re.compile(rf"/events/{planned.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Jumat Curhat Margahayu")
    assert_fits_the_phone(page)

    page.goto(f"/events/{ngopi.pk}/")
    expect(page.get_by_role("main")).to_contain_text("Kamis, 31 Juli 2025 pukul 10.10 WIB")
    assert_fits_the_phone(page)
    with page.expect_download() as download:
        page.locator(f"a[href='/events/{ngopi.pk}.ics']").click()
    assert download.value.suggested_filename == f"kamtibmas-dialogue-{ngopi.pk}.ics"
    assert not problems, problems
