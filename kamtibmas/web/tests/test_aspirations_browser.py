"""Aspiration journeys in headless Chromium on a phone (412×915): a resident reports
anonymously in Indonesian and follows the case by its code until the questionnaire
reopens it; a handler verifies and refers a case, the kelurahan resolves it with a
ready answer, and the reporter reads the outcome on the public tracking page.

Locators use element ids and names, not words: the pages are in Indonesian, and the
words may be improved without breaking the journeys.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import Aspiration, Privacy, ResponseTemplate, Status, Survey
from kamtibmas.aspirations.services import aspiration_act
from kamtibmas.aspirations.tests import conftest as aspiration_fixtures
from kamtibmas.web.tests.browser import assert_fits_the_phone

pytestmark = pytest.mark.browser

c2 = aspiration_fixtures.c2
submit = aspiration_fixtures.submit

CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
PASSWORD = "correct horse battery"


def watch_for_problems(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_a_resident_reports_anonymously_and_follows_the_case_by_its_code(browser_page, c2, submit):
    from playwright.sync_api import expect

    earlier = submit(
        "Lampu jalan di gang RT 001 mati sudah seminggu, gelap sekali kalau malam.",
        privacy=Privacy.PUBLIC,
    ).aspiration
    page = browser_page
    problems = watch_for_problems(page)

    page.goto("/aspirations/new/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert_fits_the_phone(page)
    text = page.locator("#id_text")
    text.fill("Lampu jalan di gang RT 001 mati seminggu, gelap sekali kalau malam, rawan.")
    expect(page.locator("#text-counter")).to_contain_text("4000")
    page.locator("#id_village").select_option(label="Kayuringin Jaya")
    # While typing, similar public reports of the same kelurahan are offered.
    similar = page.locator("#similar")
    expect(similar).to_be_visible()
    expect(similar.locator(f'a[href="/aspirations/{earlier.number}/"]')).to_have_text(
        earlier.number
    )
    text.fill(
        "Sudah dua malam ada orang asing mencurigakan mondar-mandir di gang RT 001, "
        "mengintip rumah warga. Mohon patroli."
    )
    page.locator("#id_rw").fill("24")
    page.locator("#id_rt").fill("1")
    page.locator("#id_reporter_name").fill("Siti")

    # Anonymous: the contact fields switch off and the page says nothing is stored.
    page.locator('input[name="privacy"][value="anonymous"]').check()
    expect(page.locator("#contact")).to_have_attribute("disabled", "")
    expect(page.locator("#anonymous-note")).to_be_visible()
    expect(page.locator("#id_reporter_name")).to_be_disabled()

    page.locator("#aspiration-form button[type=submit]").click()
    code_text = page.locator("#receipt-code")
    expect(code_text).to_be_visible()
    code = code_text.inner_text().strip().replace("\n", "")
    assert CODE.match(code), code
    assert "/aspirations/new/" in page.url, "the code is shown in answer to the POST"
    assert_fits_the_phone(page)
    case = Aspiration.objects.exclude(pk=earlier.pk).get()
    assert case.privacy == Privacy.ANONYMOUS and case.reporter_name is None
    expect(page.locator("#case-number")).to_have_text(case.number)

    page.locator(f'a[href="/track/{code}"]').click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "received")
    assert_fits_the_phone(page)

    # The police work on it, resolve it, and 28 days later the questionnaire is due.
    officer = c2.commander_selatan
    aspiration_act(actor=officer, aspiration=case, action=Action.VERIFY, text="Dicek besok.")
    aspiration_act(actor=officer, aspiration=case, action=Action.RESOLVE,
                   text="Patroli malam sudah ditambah.")  # fmt: skip
    Survey.objects.filter(aspiration=case).update(due_at=timezone.now() - timedelta(minutes=1))

    page.goto("/track/")
    page.locator("#id_code").fill(code.lower().replace("-", " "))
    page.locator(".track-form button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#updates")).to_contain_text("Patroli malam sudah ditambah.")
    survey = page.locator("#survey")
    expect(survey).to_be_visible()
    survey.locator('input[name="fixed"][value="no"]').check()
    survey.locator('input[name="satisfaction"][value="2"]').check()
    survey.locator('input[name="safety"][value="2"]').check()
    survey.locator('textarea[name="comment"]').fill("Masih ada orang asing tiap malam.")
    survey.locator("button[type=submit]").click()

    expect(page.locator("#case-status")).to_have_attribute("data-status", "reopened")
    expect(page.locator("#track-notice")).to_be_visible()
    expect(page.locator("#survey")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert not problems, problems


def sign_in(page, username: str, then: str) -> None:
    from playwright.sync_api import expect

    page.goto(then)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(then) + "$"))


def test_a_handler_verifies_and_refers_and_the_kelurahan_resolves_with_a_ready_answer(
    browser_page, c2, submit
):
    from playwright.sync_api import expect

    submitted = submit(
        "Banyak orang asing mencurigakan nongkrong di pos ronda tiap malam, mohon patroli "
        "ditambah dan lampu pos ronda diganti.",
        privacy=Privacy.CONFIDENTIAL,
    )
    case = submitted.aspiration
    answer = "Lampu pos ronda sudah diganti kelurahan dan ronda malam dijadwalkan lagi."
    ResponseTemplate.objects.create(title="Sudah ditangani", text=answer, status=Status.RESOLVED)
    page = browser_page
    problems = watch_for_problems(page)

    sign_in(page, "kapolsek.selatan", "/staff/aspirations/")
    assert_fits_the_phone(page)
    page.locator(f'a[href="/staff/aspirations/{case.pk}/"]').click()
    expect(page.locator("h1")).to_have_text(case.number)
    expect(page.locator("#case-status")).to_have_attribute("data-status", "received")
    assert_fits_the_phone(page)

    page.locator("#action-verify > summary").click()
    page.locator("#action-verify button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "verified")

    page.locator("#action-refer > summary").click()
    page.locator("#id_refer-unit").select_option(value=str(c2.kelurahan.pk))
    page.locator("#id_refer-text").fill("Lampu pos ronda urusan kelurahan.")
    page.locator("#action-refer button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "referred")
    case.refresh_from_db()
    assert case.assigned_unit == c2.kelurahan

    page.locator("nav form button[type=submit]").click()  # sign out
    sign_in(page, "lurah", f"/staff/aspirations/{case.pk}/")
    page.locator("#action-resolve > summary").click()
    page.locator("#id_resolve-template").select_option(label="Sudah ditangani")
    expect(page.locator("#id_resolve-text")).to_have_value(answer)
    page.locator("#action-resolve button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#history")).to_contain_text(answer)

    # The reporter reads the outcome with the code, and nothing about who sent it.
    page.goto(f"/track/{submitted.receipt_code}")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#updates")).to_contain_text(answer)
    expect(page.locator("main")).not_to_contain_text("Budi Santoso")
    assert not problems, problems
