"""Journeys through the real pages in headless Chromium (§7: every journey in a browser)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kamtibmas.web.tests.browser import assert_fits_the_phone

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshot.png"


def test_officer_signs_in_switches_language_and_signs_out(browser_page, bekasi):
    from playwright.sync_api import expect

    officer = bekasi.officer_selatan
    officer.first_name, officer.last_name, officer.rank = "Siti", "Rahmawati", "Aipda"
    officer.save()
    page = browser_page

    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.get_by_label("Nama pengguna").fill("bhabin.selatan")
    page.get_by_label("Sandi").fill("correct horse battery")
    page.get_by_role("main").get_by_role("button", name="Masuk").click()

    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Selamat datang, Aipda Siti Rahmawati"
    )
    expect(page.get_by_role("main")).to_contain_text("Polsek Bekasi Selatan")
    expect(page.get_by_role("main")).to_contain_text("Bhabinkamtibmas")

    page.get_by_label("Bahasa", exact=True).select_option("en")
    page.get_by_role("button", name="Ganti bahasa").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Aipda Siti Rahmawati")
    expect(page.get_by_role("main")).to_contain_text("Community officer (Bhabinkamtibmas)")

    page.get_by_label("Language", exact=True).select_option("id")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Selamat datang, Aipda Siti Rahmawati"
    )

    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("navigation").get_by_role("link", name="Masuk")).to_be_visible()
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/staff/$"))


def test_public_home_page_on_a_phone(browser_page):
    """Fits a 412 px wide screen, obeys the CSP, and the skip link is the first stop."""
    from playwright.sync_api import expect

    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    response = page.goto("/")
    assert response is not None and response.ok
    expect(page.get_by_role("heading", level=1)).to_have_text("Bersama menjaga keamanan lingkungan")
    header_colour = page.locator(".site-header").evaluate(
        "element => getComputedStyle(element).backgroundColor"
    )
    assert header_colour == "rgb(61, 43, 31)", "the stylesheet did not load"
    assert_fits_the_phone(page)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Langsung ke konten utama")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    if os.environ.get("KAMTIBMAS_SCREENSHOT") == "1":
        page.keyboard.press("Shift+Tab")  # leave no focus ring on the picture
        page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert not problems, problems
