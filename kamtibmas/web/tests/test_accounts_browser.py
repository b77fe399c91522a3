"""An officer's first sign-in on a phone: password, authenticator set-up with the QR
page, recovery codes, the staff area; then the next sign-in with a code."""

from __future__ import annotations

import base64
import re

from django.core.cache import cache
from django_otp.oath import totp

from kamtibmas.web.tests.test_aspirations_browser import assert_fits_the_phone, watch_for_problems


def code_for(secret: str, ahead: int = 0) -> str:
    return f"{totp(base64.b32decode(secret), drift=ahead):06d}"


def test_an_officer_sets_up_the_authenticator_and_signs_in_with_it(browser_page, bekasi, settings):
    from playwright.sync_api import expect

    settings.KAMTIBMAS_STAFF_OTP = True
    cache.clear()
    page = browser_page
    problems = watch_for_problems(page)

    page.goto("/staff/")
    page.locator("#id_username").fill("bhabin.selatan")
    page.locator("#id_password").fill("correct horse battery")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/authenticator/\?next=%2Fstaff%2F$"))
    expect(page.locator("#otp-qr svg")).to_be_visible()
    assert_fits_the_phone(page)
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")

    page.locator("#id_code").fill(code_for(secret))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.locator("#recovery-continue").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.get_by_role("button", name="Keluar").click()
    page.goto("/staff/")
    page.locator("#id_username").fill("bhabin.selatan")
    page.locator("#id_password").fill("correct horse battery")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/\?next=%2Fstaff%2F$"))
    page.locator("#id_code").fill(code_for(secret, ahead=1))
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    assert not problems, problems
