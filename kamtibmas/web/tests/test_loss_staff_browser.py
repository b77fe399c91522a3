"""The desk's issuing journey in headless Chromium on a phone (412×915), in Indonesian:
the desk officer of Polsek Bekasi Selatan opens a resident's online draft, completes
the identity the resident could not give online, issues the certificate, sees its
number, downloads the PDF, revokes another certificate and reads the register.

Locators use element ids and names, not words: the pages are in Indonesian, and the
words may be improved without breaking the journey.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from kamtibmas.certificates.models import Certificate, LossReport, ReportSource, ReportStatus
from kamtibmas.certificates.services import certificate_issue, loss_report_start
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, desk, identity
from kamtibmas.web.tests.browser import assert_fits_the_phone

pytestmark = pytest.mark.browser

__all__ = ["desk"]  # the fixture, imported for this module

PASSWORD = "correct horse battery"
RINA_NIK = "3275044107920003"  # a woman born on 1 July 1992, registered in Bekasi Selatan


def watch_for_problems(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


@pytest.fixture
def waiting(desk):
    """A resident's online draft (name, phone and a lost SIM), and an issued certificate
    for another report that turns out to be a mistake."""
    draft = loss_report_start(
        actor=desk.resident,
        source=ReportSource.WEB,
        unit=desk.post_kayuringin,
        identity={"name": "Rina Wati", "phone": "081311112222"},
        items=[{"type": "sim", "details": {"sim_number": "123456789012", "sim_class": "C"}}],
        lost_on=date(2025, 7, 30),
        lost_place="Stasiun Bekasi",
    )
    mistaken = loss_report_start(
        actor=desk.officer,
        source=ReportSource.DESK,
        unit=desk.polsek_selatan,
        identity=identity(),
        items=KTP_AND_KK,
        lost_on=date(2025, 7, 29),
        lost_place="Pasar Baru Bekasi",
    )
    certificate = certificate_issue(actor=desk.officer, report=mistaken, identity_checked="KK")
    return draft, certificate


def test_the_desk_completes_a_draft_issues_downloads_and_revokes(browser_page, desk, waiting):
    from playwright.sync_api import expect

    draft, mistaken = waiting
    page = browser_page
    problems = watch_for_problems(page)

    page.goto("/staff/loss/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill(desk.officer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/loss/$"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert_fits_the_phone(page)

    # The online draft stands out on the list, waiting at the post.
    card = page.locator(f"#report-{draft.pk}")
    expect(card).to_have_attribute("data-status", "draft")
    expect(card.locator(".badge--waiting")).to_be_visible()
    card.locator(f'a[href="/staff/loss/{draft.pk}/"]').click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "draft")
    expect(page.locator("#missing")).to_be_visible()
    assert_fits_the_phone(page)

    # Complete the identity: only the ticked document's fields are shown.
    page.locator("#edit-link").click()
    expect(page.locator("#id_name")).to_have_value("Rina Wati")
    expect(page.locator("#id_item_sim")).to_be_checked()
    expect(page.locator("#fields-sim")).to_be_visible()
    expect(page.locator("#fields-kk")).to_be_hidden()
    page.locator("#id_item_kk").check()
    expect(page.locator("#fields-kk")).to_be_visible()
    page.locator("#id_item_kk").uncheck()
    expect(page.locator("#fields-kk")).to_be_hidden()
    assert_fits_the_phone(page)
    page.locator("#id_nik").fill(RINA_NIK)
    page.locator("#id_birth_place").fill("Jakarta")
    page.locator("#id_birth_date").fill("1992-07-01")
    page.locator("#id_sex").select_option("P")
    page.locator("#id_religion").select_option("katolik")
    page.locator("#id_citizenship").select_option("WNI")
    page.locator("#id_occupation").fill("Guru")
    page.locator("#id_address").fill("Jl. Melati 4 RT 002/RW 024, Kayuringin Jaya, Bekasi Selatan")
    page.locator("#save-report").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "ready")
    draft.refresh_from_db()
    assert draft.status == ReportStatus.READY and draft.nik == RINA_NIK

    # Issue, after confirming the originals were seen.
    page.locator("#issue-link").click()
    expect(page.locator("#issue-form")).to_be_visible()
    assert_fits_the_phone(page)
    page.locator("#id_identity_checked").fill("KK asli")
    page.locator("#id_originals_seen").check()
    page.locator("#issue-button").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "issued")
    certificate = Certificate.objects.get(report=draft)
    expect(page.locator("#certificate-number")).to_have_text(certificate.number)
    expect(page.locator("#certificate-validity")).to_be_visible()
    assert_fits_the_phone(page)

    with page.expect_download() as download:
        page.locator("#certificate-pdf").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # Revoke the mistaken certificate, with a reason, after the confirmation step.
    page.goto(f"/staff/loss/{mistaken.report_id}/")
    page.locator("#revoke-link").click()
    expect(page.locator("#revoke-form")).to_be_visible()
    assert_fits_the_phone(page)
    page.locator("#id_reason").fill("Salah tulis nama, diterbitkan ulang")
    page.locator("#revoke-button").click()
    expect(page.locator("#certificate-revoked")).to_be_visible()
    mistaken.refresh_from_db()
    assert mistaken.revoked and mistaken.revocation_reason.startswith("Salah tulis")

    # The register: a wide table scrolls inside its box, the page stays phone-wide.
    page.goto("/staff/loss/")
    page.locator("#tab-loss-register").click()
    expect(page.locator("#register-table")).to_contain_text(draft.reference)
    assert_fits_the_phone(page)
    scrolls = page.evaluate(
        "() => { const box = document.querySelector('.table-scroll');"
        " return box.scrollWidth > box.clientWidth; }"
    )
    assert scrolls, "the register table should scroll inside its container"
    assert LossReport.objects.filter(status=ReportStatus.ISSUED).count() == 2
    assert not problems, problems
