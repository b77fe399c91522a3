"""The press-release draft (issue 10, point 4): missing facts leave their sentences
out, confidential and anonymous cases and reporters' names never reach the text, the
REST answer fits its schema, and only the organising units save and approve. The
draft of the demo's reference dialogue: ``kamtibmas/core/tests/demo/test_press.py``."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from kamtibmas.api.tests.client import api_client
from kamtibmas.api.tests.openapi_check import assert_documented, openapi_document
from kamtibmas.aspirations.models import Privacy, Source
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.engagements.models import PressReleaseDraft
from kamtibmas.engagements.press import (
    Host,
    PressFacts,
    Problem,
    press_facts,
    press_release_approve,
    press_release_compose,
    press_release_current,
    press_release_draft,
    press_release_save,
)
from kamtibmas.engagements.services import (
    dialogue_official_add,
    dialogue_set_attendance,
    dialogue_update,
)

CONFIDENTIAL_TEXT = "Ada transaksi sabu di rumah kos belakang masjid setiap malam Jumat."
ANONYMOUS_TEXT = "Oknum juru parkir minta setoran harian ke pedagang kaki lima gang tiga."
REPORTERS = ("Rahmat Hidayat", "Siti Rahmawati")

FULL = PressFacts(
    activity="Ngopi Kamtibmas",
    unit="Polres Metro Bekasi Kota",
    city="Bekasi",
    place="RT 001/RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan",
    place_short="RT 001/RW 024 Kayuringin Jaya",
    district="Bekasi Selatan",
    day="Kamis (31/7/2025)",
    clock="10.10 WIB",
    venue="Slum Area samping lokasi setempat",
    host=Host(position="Kapolres Metro Bekasi Kota", short="Kapolres", name="Kombes Pol X"),
    residents=22,
    leaders=8,
    children=15,
    officials=("Ketua RW 024",),
    topics=("jam belajar malam",),
    topic_notes=("Orang tua diajak memperhatikan jam belajar malam.",),
    raised=(("keamanan lingkungan", 2),),
    answers=(("Warga bertanya soal dokumen hilang.", "Kapolres", "Lapor di pos, gratis."),),
    loss_reports=1,
    certificates_issued=1,
    aid=(("paket sembako", 24),),
    households=24,
    inspection_clock="12.15 WIB",
    checked=("penerangan jalan",),
    problems=(Problem(item="penerangan jalan", note="Lampu gang mati."),),
)


def assert_no_placeholder(text: str) -> None:
    for bad in ("None", "sekitar 0", " 0 ", "()", " ,", " .", "  ", "di ,", "di .", "{", "}"):
        assert bad not in text, (bad, text)


# ---- the pure composition -------------------------------------------------------------


def test_every_part_of_a_full_record_is_written():
    release = press_release_compose(FULL)

    assert release.body.startswith("BEKASI – Melalui kegiatan bertajuk Ngopi Kamtibmas, ")
    for fact in (
        "Kamis (31/7/2025)",
        "pukul 10.10 WIB",
        "sekitar 30 orang warga serta tokoh masyarakat",
        "15 anak-anak",
        "Turut hadir Ketua RW 024.",
        "jam belajar malam",
        "2 aspirasi",
        "keamanan lingkungan",
        "Lapor di pos, gratis.",
        "1 laporan kehilangan",
        "24 paket sembako kepada 24 keluarga",
        "pukul 12.15 WIB",
        "Lampu gang mati.",
    ):
        assert fact in release.body, fact
    assert release.title == (
        "Ngopi Kamtibmas di RT 001/RW 024 Kayuringin Jaya, Kapolres Metro Bekasi Kota Sapa Warga"
    )
    assert_no_placeholder(release.body)


@pytest.mark.parametrize(
    ("missing", "left_out"),
    [
        ({"city": ""}, "BEKASI –"),
        ({"host": None}, "turun langsung"),
        ({"venue": ""}, "digelar di"),
        ({"residents": 0, "leaders": 0, "children": 0}, "dihadiri"),
        ({"children": 0}, "15 anak-anak"),
        ({"officials": ()}, "Turut hadir"),
        ({"topics": (), "topic_notes": ()}, "pesan kamtibmas"),
        ({"raised": ()}, "aspirasi"),
        ({"answers": ()}, "Menjawab"),
        ({"loss_reports": 0, "certificates_issued": 0}, "laporan kehilangan"),
        ({"certificates_issued": 0}, "surat keterangan"),
        ({"aid": (), "households": 0}, "penyerahan"),
        ({"inspection_clock": "", "checked": (), "problems": ()}, "meninjau"),
        ({"problems": ()}, "persoalan untuk ditindaklanjuti"),
    ],
)
def test_a_missing_fact_leaves_its_sentence_out(missing, left_out):
    full = press_release_compose(FULL).body
    assert left_out in full

    body = press_release_compose(replace(FULL, **missing)).body

    assert left_out not in body
    assert_no_placeholder(body)


# ---- a small dialogue built by the tests ------------------------------------------------


@pytest.fixture
def raised(bekasi, ngopi):
    """One public, one confidential and one anonymous aspiration at ``ngopi``."""
    common = {"area": None, "source": Source.DIALOGUE, "actor": bekasi.officer_selatan}
    aspiration_submit(
        text="Lampu jalan di gang RT 001 mati, warga minta dipasang lagi.",
        privacy=Privacy.PUBLIC,
        reporter_name="Siti Rahmawati",
        dialogue=ngopi,
        category="lingkungan",
        **common,
    )
    aspiration_submit(
        text=CONFIDENTIAL_TEXT,
        privacy=Privacy.CONFIDENTIAL,
        reporter_name="Rahmat Hidayat",
        dialogue=ngopi,
        category="narkoba",
        spot_answer="Informasi akan diteruskan ke Satresnarkoba secara rahasia.",
        **common,
    )
    aspiration_submit(
        text=ANONYMOUS_TEXT,
        privacy=Privacy.ANONYMOUS,
        dialogue=ngopi,
        category="ketertiban",
        **common,
    )
    return ngopi


def assert_private_stays_out(text: str) -> None:
    for secret in (CONFIDENTIAL_TEXT, ANONYMOUS_TEXT, *REPORTERS, "Satresnarkoba"):
        assert secret not in text, secret
    for words in ("sabu", "juru parkir", "narkoba", "ketertiban umum"):
        assert words not in text, words


def test_only_public_aspirations_are_summarised_by_category(raised):
    body = press_release_draft(raised).body

    assert "warga menyampaikan 1 aspirasi dan keluhan" in body
    assert "lingkungan dan sarana umum" in body
    assert "Lampu jalan di gang" not in body  # summarised, not quoted
    assert_private_stays_out(body)


def test_a_dialogue_with_little_recorded_says_only_that(bekasi, ngopi):
    ngopi = dialogue_update(actor=bekasi.officer_selatan, dialogue=ngopi, host=None)
    release = press_release_draft(ngopi)
    paragraphs = release.body.split("\n\n")

    assert paragraphs[0] == (
        "BEKASI – Polsek Bekasi Selatan menggelar kegiatan bertajuk Ngopi Kamtibmas bersama "
        "warga di RT 001/RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan, pada "
        "Kamis (31/7/2025)."
    )
    assert paragraphs[1] == (
        "Acara itu berlangsung sejak pukul 10.10 WIB di Slum Area samping lokasi setempat."
    )
    assert len(paragraphs) == 3  # and the closing paragraph
    for left_out in ("dihadiri", "Turut hadir", "aspirasi", "laporan kehilangan", "meninjau"):
        assert left_out not in release.body
    assert_no_placeholder(release.body)


def test_facts_are_read_in_the_areas_zone(ngopi):
    facts = press_facts(ngopi)

    assert (facts.day, facts.clock, facts.city) == ("Kamis (31/7/2025)", "10.10 WIB", "Bekasi")


def test_attendance_and_officials_appear_once_recorded(ngopi):
    dialogue_set_attendance(dialogue=ngopi, residents=20, leaders=5, children=0)
    dialogue_official_add(dialogue=ngopi, position="Ketua RW 024", name="Pak Darto")

    body = press_release_draft(ngopi).body

    assert "dihadiri sekitar 25 orang warga serta tokoh masyarakat." in body
    assert "Turut hadir Ketua RW 024." in body
    assert "Darto" not in body  # officials are named by position, as press releases do


# ---- saving and approving ----------------------------------------------------------------


def test_saving_keeps_the_edit_and_a_change_clears_the_approval(bekasi, ngopi):
    officer = bekasi.officer_selatan
    press_release_save(actor=officer, dialogue=ngopi, title="Judul", body="Isi.")
    draft = press_release_approve(
        actor=bekasi.commander_selatan, dialogue=ngopi, title="Judul", body="Isi."
    )
    assert draft.approved_by == bekasi.commander_selatan and draft.is_approved
    assert draft.edited_by == officer  # approving the same text is not an edit

    press_release_save(actor=officer, dialogue=ngopi, title="Judul", body="Isi baru.")

    draft.refresh_from_db()
    assert (draft.body, draft.approved_by, draft.approved_at) == ("Isi baru.", None, None)
    assert press_release_current(ngopi).body == "Isi baru."
    assert PressReleaseDraft.objects.count() == 1


def test_an_empty_title_or_text_is_refused(bekasi, ngopi):
    with pytest.raises(ValidationError):
        press_release_save(actor=bekasi.officer_selatan, dialogue=ngopi, title=" ", body="x")
    with pytest.raises(ValidationError):
        press_release_save(actor=bekasi.officer_selatan, dialogue=ngopi, title="x", body="\n")
    assert not PressReleaseDraft.objects.exists()


def test_only_the_organising_units_save_or_approve(bekasi, ngopi):
    with pytest.raises(Http404):
        press_release_save(actor=bekasi.officer_timur, dialogue=ngopi, title="x", body="y")
    # The Polres above the organising Polsek may; a resident may not.
    press_release_approve(actor=bekasi.commander_polres, dialogue=ngopi, title="x", body="y")
    with pytest.raises((Http404, PermissionDenied)):
        press_release_save(actor=bekasi.resident, dialogue=ngopi, title="x", body="z")


# ---- the REST answer ------------------------------------------------------------------------


def test_the_api_answers_the_generated_draft_in_its_documented_shape(bekasi, raised):
    document = openapi_document()
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.get(f"/api/v1/engagements/{raised.pk}/press-release")

    assert response.status_code == 200
    assert_documented(document, "EngagementPressReleaseGet", response)
    answer = response.json()
    assert set(answer) == {"title", "body"}
    assert answer == {"title": press_release_draft(raised).title, "body": answer["body"]}
    assert "Kamis (31/7/2025)" in answer["body"] and "pukul 10.10 WIB" in answer["body"]
    assert_private_stays_out(response.content.decode())


def test_the_api_answers_the_saved_draft_once_there_is_one(bekasi, ngopi):
    press_release_save(actor=bekasi.officer_selatan, dialogue=ngopi, title="Judul", body="Isi.")

    response = api_client(bekasi.commander_polres).get(
        f"/api/v1/engagements/{ngopi.pk}/press-release"
    )

    assert response.json() == {"title": "Judul", "body": "Isi."}


def test_the_api_hides_other_units_dialogues(bekasi, ngopi):
    document = openapi_document()

    response = api_client(bekasi.officer_timur).get(f"/api/v1/engagements/{ngopi.pk}/press-release")

    assert response.status_code == 404
    assert_documented(document, "EngagementPressReleaseGet", response)
    assert "Ngopi" not in response.content.decode()


def test_the_operation_is_documented_with_a_unique_schema_name():
    document = openapi_document()
    operation = document["paths"]["/api/v1/engagements/{dialogue_id}/press-release"]["get"]

    assert operation["operationId"] == "EngagementPressReleaseGet"
    assert set(document["components"]["schemas"]["EngagementPressReleaseOut"]["required"]) == {
        "title",
        "body",
    }
    assert re.fullmatch(
        r"Engagement\w+",
        operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit(
            "/", 1
        )[-1],
    )
