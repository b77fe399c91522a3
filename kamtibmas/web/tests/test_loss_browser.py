"""Loss-report journeys in headless Chromium on a phone (412×915), in Indonesian: a
resident reports a lost KTP and KK online, picks the nearest post from the phone's
position, sees the reference, "Tidak dipungut biaya" and the checklist, and checks
the status with the reference; anyone opens a real certificate's QR address and
reads VALID.

Locators use element ids and names, not words: the pages are in Indonesian, and the
words may be improved without breaking the journeys.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from kamtibmas.areas.services import unit_update
from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.certificates.models import LossReport, ReportStatus
from kamtibmas.certificates.qr import verify_url
from kamtibmas.certificates.services import certificate_issue, loss_report_start
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, desk, identity
from kamtibmas.web.tests.test_aspirations_browser import assert_fits_the_phone, watch_for_problems

pytestmark = pytest.mark.browser

__all__ = ["desk"]

RECEIPT_CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def posts(desk):
    unit_update(
        unit=desk.post_kayuringin,
        data={
            "address": "Jl. Cut Meutia No. 1, Kayuringin Jaya",
            "opening_hours": "Senin-Jumat 08.00-16.00",
            "phone": "021-8800-1234",
        },
    )
    return desk


def test_a_resident_reports_a_lost_ktp_and_kk_and_checks_the_status(browser_page, posts):
    from playwright.sync_api import expect

    page = browser_page
    problems = watch_for_problems(page)
    # The phone is a few hundred metres from Pos Polisi Kayuringin.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -6.2480, "longitude": 106.9950})

    page.goto("/")
    page.locator('nav a[href="/loss/"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#loss-form")).to_be_visible()
    assert_fits_the_phone(page)
    # Enter in a field sends the report (not the search for posts): it is refused
    # with the reasons, and nothing is stored.
    page.locator("#id_lost_place").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_items_error")).to_be_visible()
    assert LossReport.objects.count() == 0
    assert problems == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ], "the refusal answers 400, which Chromium logs; nothing else"
    problems.clear()
    # Only the ticked documents' fields show.
    expect(page.locator("#details-ktp")).to_be_hidden()
    expect(page.locator("#details-sim")).to_be_hidden()
    page.locator('input[name="items"][value="ktp"]').check()
    page.locator('input[name="items"][value="kk"]').check()
    expect(page.locator("#details-ktp")).to_be_visible()
    expect(page.locator("#details-sim")).to_be_hidden()
    page.locator("#id_ktp-nik").fill("3275 0465 0590 0002")
    page.locator("#id_kk-kk_number").fill("3275040101090011")
    page.locator("#id_kk-head").fill("Ahmad Yani")
    page.locator("#id_lost_on").fill("2025-07-30")
    page.locator("#id_lost_place").fill("Pasar Baru Bekasi")
    page.locator("#id_name").fill("Siti Aminah")
    page.locator("#id_phone").fill("0812-3456-7890")
    page.locator("#id_reporter_consents_contact").check()

    # "Use my location" finds the posts near the phone; what was typed stays.
    page.locator("#use-location").click()
    post = page.locator(f"#post-{posts.post_kayuringin.pk}")
    expect(post).to_be_checked()
    expect(page.locator("#posts")).to_contain_text("Senin-Jumat 08.00-16.00")
    expect(page.locator("#id_name")).to_have_value("Siti Aminah")
    expect(page.locator("#id_ktp-nik")).to_have_value("3275 0465 0590 0002")
    expect(page.locator("#details-kk")).to_be_visible()
    assert LossReport.objects.count() == 0
    assert_fits_the_phone(page)

    page.locator("#send-report").click()
    code = page.locator("#loss-code")
    expect(code).to_be_visible()
    shown = code.inner_text().strip().replace("\n", "")
    assert RECEIPT_CODE.match(shown), shown
    assert page.url.endswith("/loss/"), "the code is shown in answer to the POST"
    expect(page.locator("#free-of-charge")).to_contain_text("Tidak dipungut biaya")
    expect(page.locator("#post-name")).to_have_text("Pos Polisi Kayuringin")
    expect(page.locator("#post-hours")).to_have_text("Senin-Jumat 08.00-16.00")
    expect(page.locator("#checklist-ktp")).to_be_visible()
    expect(page.locator("#checklist-kk")).to_be_visible()
    expect(page.locator("#bring-originals")).to_be_visible()
    assert_fits_the_phone(page)
    report = LossReport.objects.get()
    assert report.receipt_digest == receipt_digest(shown)
    assert report.unit == posts.post_kayuringin and report.status == ReportStatus.DRAFT
    assert report.name == "Siti Aminah" and report.reporter_consents_contact
    assert [(item.item_type, item.details) for item in report.items.all()] == [
        ("ktp", {"nik": SITI_NIK}),
        ("kk", {"kk_number": "3275040101090011", "head": "Ahmad Yani"}),
    ]

    # Later: the status, by typing the receipt code.
    page.goto("/loss/status")
    page.locator("#id_code").fill(shown.lower())
    page.locator("#status-form button[type=submit]").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "draft")
    expect(page.locator("#masked-name")).to_have_text("S*** A*****")
    expect(page.locator("main")).not_to_contain_text(SITI_NIK)
    expect(page.locator("main")).not_to_contain_text("Siti")
    expect(page.locator("#officer-hidden")).to_be_visible()
    assert_fits_the_phone(page)
    assert not problems, problems


def test_a_certificate_qr_address_opens_the_verify_page_saying_valid(browser_page, desk):
    from playwright.sync_api import expect

    report = loss_report_start(
        actor=desk.officer,
        source="desk",
        unit=desk.polsek_selatan,
        identity=identity(),
        items=KTP_AND_KK,
        lost_on="2025-07-30",
        lost_place="Pasar Baru Bekasi",
    )
    certificate = certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    address = verify_url("https://kamtibmas.example.id", certificate.qr_text)
    page = browser_page
    problems = watch_for_problems(page)

    page.goto(address.removeprefix("https://kamtibmas.example.id"))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "valid")
    expect(page.locator("#certificate-number")).to_have_text(certificate.number)
    expect(page.locator("#certificate-name")).to_have_text("S*** A*****")
    expect(page.locator("#certificate-unit")).to_have_text("Polsek Bekasi Selatan")
    expect(page.locator("main")).not_to_contain_text(SITI_NIK)
    assert_fits_the_phone(page)

    # Pasting the whole address into the form says the same; a changed one does not.
    page.goto("/verify/")
    page.locator("#id_text").fill(address)
    page.locator("#verify-form button[type=submit]").click()
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "valid")
    page.locator("#id_text").fill(address[:-3] + ("AAA" if not address.endswith("AAA") else "BBB"))
    page.locator("#verify-form button[type=submit]").click()
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "invalid")
    assert_fits_the_phone(page)

    # The language switch works on the page (its forms still pass the CSRF check).
    page.goto(address.removeprefix("https://kamtibmas.example.id"))
    page.locator("#language-select").select_option("en")
    page.locator(".language-switch button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "valid")
    assert not problems, problems
