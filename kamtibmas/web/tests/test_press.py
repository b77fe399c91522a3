"""The press-release page of a dialogue: the generated draft in a form, save, approve,
regenerate, .txt and .docx downloads, and the same scoping as the dialogue pages."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from kamtibmas.engagements.models import DialogueType, PressReleaseDraft
from kamtibmas.engagements.press import press_release_draft
from kamtibmas.engagements.services import dialogue_plan
from kamtibmas.engagements.tests.conftest import ngopi, rt001  # noqa: F401 (fixtures)
from kamtibmas.engagements.tests.test_press import (  # noqa: F401 (fixture)
    assert_private_stays_out,
    raised,
)


@pytest.fixture
def held(request):
    """The Ngopi Kamtibmas of 31 July 2025, 10.10 WIB, in RT 001/RW 024 Kayuringin Jaya,
    with one public, one confidential and one anonymous aspiration."""
    return request.getfixturevalue("raised")


def url(dialogue, suffix: str = "") -> str:
    return f"/staff/dialogues/{dialogue.pk}/press/{suffix}"


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(BytesIO(data))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def test_the_page_shows_the_generated_draft_in_a_form(client, bekasi, held):
    client.force_login(bekasi.officer_selatan)

    response = client.get(url(held))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kamis (31/7/2025)" in page and "pukul 10.10 WIB" in page
    assert 'name="title"' in page and "<textarea" in page
    assert 'value="approve"' in page
    assert_private_stays_out(page)
    assert url(held) in client.get(f"/staff/dialogues/{held.pk}/").content.decode()


def test_the_page_is_in_english_but_the_press_text_stays_indonesian(client, bekasi, held):
    client.force_login(bekasi.officer_selatan)
    client.cookies["kamtibmas_language"] = "en"

    page = client.get(url(held)).content.decode()

    assert "Regenerate from the record" in page
    assert "menggelar kegiatan bertajuk Ngopi Kamtibmas" in page or "turun langsung" in page


def test_saving_then_approving_keeps_the_officers_text(client, bekasi, held):
    client.force_login(bekasi.officer_selatan)

    response = client.post(url(held), {"title": "Judul baru", "body": "Isi.", "action": "save"})

    assert response.status_code == 302
    draft = PressReleaseDraft.objects.get(dialogue=held)
    assert (draft.title, draft.body, draft.approved_at) == ("Judul baru", "Isi.", None)
    assert "Judul baru" in client.get(url(held)).content.decode()

    client.post(url(held), {"title": "Judul baru", "body": "Isi.", "action": "approve"})

    draft.refresh_from_db()
    assert draft.approved_by == bekasi.officer_selatan and draft.approved_at is not None


def test_showing_answers_on_the_spot_is_audited(client, bekasi, held):
    from kamtibmas.engagements.services import dialogue_answer_add
    from kamtibmas.privacy.models import AuditEntry

    dialogue_answer_add(dialogue=held, question="Bagaimana lapor kehilangan?", answer="Di pos.")
    client.force_login(bekasi.officer_selatan)

    client.get(url(held))
    client.get(url(held, "siaran-pers.docx"))

    reasons = list(
        AuditEntry.objects.filter(actor=bekasi.officer_selatan).values_list("reason", flat=True)
    )
    assert reasons.count("Press release page") == 1
    assert reasons.count("Press release download") == 1


def test_regenerating_shows_the_record_without_saving(client, bekasi, held):
    client.force_login(bekasi.officer_selatan)
    client.post(url(held), {"title": "Judul", "body": "Isi lama.", "action": "save"})

    page = client.get(url(held) + "?from=record").content.decode()

    assert press_release_draft(held).title in page
    assert "Isi lama." not in page
    assert PressReleaseDraft.objects.get(dialogue=held).body == "Isi lama."


def test_an_empty_text_is_refused_and_nothing_saved(client, bekasi, held):
    client.force_login(bekasi.officer_selatan)

    response = client.post(url(held), {"title": "Judul", "body": "", "action": "save"})

    assert response.status_code == 400
    assert not PressReleaseDraft.objects.exists()


def test_the_downloads_carry_the_current_text_and_nothing_private(client, bekasi, held):
    client.force_login(bekasi.officer_selatan)
    release = press_release_draft(held)

    text = client.get(url(held, "siaran-pers.txt"))
    word = client.get(url(held, "siaran-pers.docx"))

    assert text.status_code == word.status_code == 200
    assert text["Content-Disposition"].startswith("attachment;")
    assert "no-store" in text["Cache-Control"]
    assert text.content.decode() == f"{release.title}\n\n{release.body}\n"
    assert word["Content-Type"].endswith("wordprocessingml.document")
    from_word = docx_text(word.content)
    assert release.title in from_word
    assert "Kamis (31/7/2025)" in from_word and "RW 024" in from_word
    assert_private_stays_out(text.content.decode())
    assert_private_stays_out(from_word)


def test_the_downloads_follow_the_saved_text(client, bekasi, held):
    client.force_login(bekasi.officer_selatan)
    client.post(url(held), {"title": "Judul", "body": "Satu.\n\nDua.", "action": "save"})

    from_word = docx_text(client.get(url(held, "siaran-pers.docx")).content)

    assert from_word.split("\n") == ["Judul", "Satu.", "Dua."]


@pytest.mark.parametrize("suffix", ["", "siaran-pers.txt", "siaran-pers.docx"])
def test_another_units_dialogue_is_not_found(client, bekasi, held, suffix):
    client.force_login(bekasi.officer_timur)

    assert client.get(url(held, suffix)).status_code == 404
    assert client.post(url(held), {"title": "x", "body": "y", "action": "save"}).status_code == 404


def test_residents_are_refused(client, bekasi, held):
    client.force_login(bekasi.resident)

    assert client.get(url(held)).status_code == 403
    assert client.get(url(held, "siaran-pers.txt")).status_code == 403


def test_a_unit_that_only_sees_the_dialogue_reads_but_cannot_save(client, bekasi):
    start = timezone.now() + timedelta(days=2)
    polres = dialogue_plan(
        actor=bekasi.commander_polres,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi bersama Kapolres",
        area=bekasi.kayuringin,
        unit=bekasi.polres,
        venue_name="Balai RW 024",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    client.force_login(bekasi.officer_selatan)

    page = client.get(url(polres))
    refused = client.post(url(polres), {"title": "x", "body": "y", "action": "approve"})

    assert page.status_code == 200 and 'value="approve"' not in page.content.decode()
    assert refused.status_code == 403
    assert not PressReleaseDraft.objects.exists()
