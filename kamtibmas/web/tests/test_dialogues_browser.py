"""The fast capture form on a phone (412×915) in headless Chromium: an officer at the
event marks it held, counts the people, ticks the topics, notes an official, and
finds it all on the dialogue page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from kamtibmas.engagements.catalogue import catalogue_install
from kamtibmas.engagements.models import DialogueStatus, DialogueType
from kamtibmas.engagements.services import dialogue_plan
from kamtibmas.web.tests.browser import assert_fits_the_phone

pytestmark = pytest.mark.browser

MIN_TOUCH_PX = 44


@pytest.fixture
def starting(bekasi):
    """A Ngopi Kamtibmas planned to start in a minute: the officer is at the venue."""
    # ``live_server`` empties the tables after each test, the migrated catalogues too.
    catalogue_install(apps)
    start = timezone.now() + timedelta(minutes=1)
    return dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas bersama warga RW 024",
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Pos ronda RW 024",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )


def test_officer_captures_a_dialogue_on_a_phone(browser_page, live_server, starting):
    from playwright.sync_api import expect

    page = browser_page
    page.context.add_cookies(
        [{"name": "kamtibmas_language", "value": "en", "url": live_server.url}]
    )
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    capture = f"/staff/dialogues/{starting.pk}/capture/"
    page.goto(capture)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill("bhabin.selatan")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(capture) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ngopi Kamtibmas bersama warga RW 024"
    )

    assert_fits_the_phone(page)
    mark_held = page.get_by_role("button", name="Mark as held")
    box = mark_held.bounding_box()
    assert box is not None and box["height"] >= MIN_TOUCH_PX and box["width"] >= 300

    mark_held.click()
    expect(page.get_by_role("status")).to_contain_text("The dialogue is recorded as held.")
    expect(page.get_by_role("heading", name="Held", exact=True)).to_be_visible()

    page.get_by_label("Residents", exact=True).fill("25")
    page.get_by_label("Community leaders", exact=True).fill("5")
    page.get_by_label("Children", exact=True).fill("10")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance saved.")

    for topic in ("Preventing street brawls (tawuran)", "Dangers of drug abuse"):
        checkbox = page.get_by_label(topic, exact=True)
        checkbox.check()
        box = checkbox.bounding_box()
        assert box is not None and box["height"] >= 28, "the checkbox is too small to tap"
    page.get_by_role("button", name="Save topics").click()
    expect(page.get_by_role("status")).to_contain_text("Topics saved.")
    expect(page.get_by_label("Dangers of drug abuse", exact=True)).to_be_checked()

    page.get_by_label("Position", exact=True).fill("Ketua RW 024")
    page.get_by_label("Institution", exact=True).fill("RW 024")
    page.get_by_label("Name", exact=True).fill("Pak Darto")
    page.get_by_role("button", name="Add official").click()
    expect(page.get_by_role("status")).to_contain_text("Official added.")

    page.get_by_role("link", name="Dialogue page").click()
    expect(page).to_have_url(re.compile(rf"/staff/dialogues/{starting.pk}/$"))
    attendance = page.locator("#attendance")
    for group, count in (("Residents", 25), ("Community leaders", 5), ("Children", 10),
                         ("Total", 40)):  # fmt: skip
        expect(attendance).to_contain_text(re.compile(rf"{group}\s*{count}\b"))
    topics = page.locator("#topics")
    expect(topics).to_contain_text("Preventing street brawls (tawuran)")
    expect(topics).to_contain_text("Dangers of drug abuse")
    expect(page.locator("#officials")).to_contain_text("Ketua RW 024, RW 024: Pak Darto")
    expect(page.locator(".dialogue-head .status")).to_have_text("Held")
    assert not problems, problems

    starting.refresh_from_db()
    assert starting.status == DialogueStatus.HELD
    assert (starting.residents_count, starting.leaders_count, starting.children_count) == (
        25,
        5,
        10,
    )
