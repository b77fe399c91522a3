"""The dialogue survey on the web: the questionnaire by link, once per browser, and
the staff page with the QR and the results."""

from __future__ import annotations

import re

import pytest

from kamtibmas.privacy.models import AuditEntry
from kamtibmas.surveys.catalogue import questions_install
from kamtibmas.surveys.models import SurveyResponse
from kamtibmas.surveys.services import survey_dialogue, survey_submit, survey_token
from kamtibmas.surveys.tests.test_services import dialogue
from kamtibmas.web.tests.test_loss_staff_browser import assert_fits_the_phone, watch_for_problems

pytestmark = pytest.mark.django_db

__all__ = ["dialogue"]  # the fixture, imported for this module


def test_a_resident_answers_once_anonymously(client, dialogue):
    url = f"/survey/{survey_token(dialogue)}/"
    page = client.get(url)
    assert page.status_code == 200 and "noindex" in page["X-Robots-Tag"]
    assert 'name="rasa_aman"' in page.content.decode()
    sent = client.post(url, {"rasa_aman": "4", "kepuasan": "5", "saran": "Tambah ronda"})
    assert sent.status_code == 200 and 'id="survey-thanks"' in sent.content.decode()
    again = client.post(url, {"rasa_aman": "1"})
    assert 'id="survey-again"' in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_bad_answers_and_bad_links(client, dialogue):
    url = f"/survey/{survey_token(dialogue)}/"
    assert client.post(url, {"rasa_aman": "9"}).status_code == 400
    assert client.post(url, {}).status_code == 400
    assert client.get("/survey/not-a-link/").status_code == 404
    assert SurveyResponse.objects.count() == 0


def test_the_staff_page_shows_the_qr_the_results_and_audits_the_comments(client, bekasi, dialogue):
    for number in range(6):
        survey_submit(
            dialogue=dialogue,
            device_key=f"device-key-number-{number:04d}-x",
            answers={"rasa_aman": 3 + number % 2, "saran": "Lampu gang" if number == 0 else ""},
        )
    client.force_login(bekasi.officer_selatan)
    response = client.get(f"/staff/dialogues/{dialogue.pk}/survey/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    # The link is signed with its time (to the second): read it from the page.
    raw = re.search(r'id="survey-url">[^<]*/survey/([^/<]+)/<', html)
    assert "<svg" in html and raw and survey_dialogue(raw[1]) == dialogue
    assert 'id="result-rasa_aman"' in html and "Lampu gang" in html
    assert AuditEntry.objects.filter(reason="dialogue survey: comments read").count() == 1
    detail = client.get(f"/staff/dialogues/{dialogue.pk}/").content.decode()
    assert f'href="/staff/dialogues/{dialogue.pk}/survey/"' in detail
    client.force_login(bekasi.officer_timur)
    assert client.get(f"/staff/dialogues/{dialogue.pk}/survey/").status_code == 404
    client.force_login(bekasi.resident)
    assert client.get(f"/staff/dialogues/{dialogue.pk}/survey/").status_code == 403


@pytest.mark.browser
def test_the_survey_on_a_phone(browser_page, dialogue):
    from django.apps import apps
    from playwright.sync_api import expect

    # The live server's tests flush the database, data migrations included.
    questions_install(apps)
    page = browser_page
    problems = watch_for_problems(page)
    page.goto(f"/survey/{survey_token(dialogue)}/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert_fits_the_phone(page)
    page.locator("#question-rasa_aman label").nth(3).click()
    page.locator("#question-kepuasan label").nth(4).click()
    page.locator("#id_saran").fill("Terima kasih, mohon patroli malam ditambah")
    page.locator("#survey-submit").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    assert_fits_the_phone(page)
    answer = SurveyResponse.objects.get()
    assert answer.scores == {"rasa_aman": 4, "kepuasan": 5}
    # The same phone again: counted once.
    page.goto(f"/survey/{survey_token(dialogue)}/")
    page.locator("#question-rasa_aman label").nth(0).click()
    page.locator("#survey-submit").click()
    expect(page.locator("#survey-again")).to_be_visible()
    assert SurveyResponse.objects.count() == 1
    assert [p for p in problems if not re.search(r"status of 40\d", p)] == []
