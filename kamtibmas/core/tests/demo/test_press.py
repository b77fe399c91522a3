"""The press-release draft (issue 10, point 4) of the demo's reference dialogue: the
facts of the article, and neither the confidential drug report nor any reporter."""

from __future__ import annotations

import pytest
from django.utils import translation

from kamtibmas.aspirations.models import Aspiration, Privacy
from kamtibmas.engagements.demo import REFERENCE_TITLE
from kamtibmas.engagements.models import Dialogue
from kamtibmas.engagements.press import press_release_draft
from kamtibmas.engagements.tests.test_press import assert_no_placeholder

pytestmark = pytest.mark.slow


@pytest.fixture
def reference():
    return Dialogue.objects.get(title=REFERENCE_TITLE)


def test_the_draft_states_the_facts_of_the_article(reference):
    with translation.override("en"):
        release = press_release_draft(reference)
    body = release.body

    assert body.startswith("BEKASI – ")
    for fact in (
        "Ngopi Kamtibmas",
        "Kapolres Metro Bekasi Kota",
        "RT 001/RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan",
        "Kamis (31/7/2025)",
        "pukul 10.10 WIB",
        "Slum Area samping lokasi setempat",
        "sekitar 30 orang warga serta tokoh masyarakat",
        "Ketua RW 024",
        "Sekretaris Kecamatan (Sekcam) Bekasi Selatan",
        "pengawasan orang tua terhadap anak",
        "jam belajar malam",
        "bahaya penyalahgunaan narkoba",
        "dokumen yang hilang",
        "tidak dipungut biaya",
        "1 laporan kehilangan",
        "24 paket sembako",
        "kepada 24 keluarga",
        "meninjau langsung",
    ):
        assert fact in body, fact
    assert "RW 024" in release.title and "Kayuringin Jaya" in release.title
    assert_no_placeholder(body)


def test_the_confidential_drug_report_and_every_reporter_stay_out(reference):
    body = press_release_draft(reference).body
    hidden = Aspiration.objects.filter(dialogue=reference).exclude(privacy=Privacy.PUBLIC)

    assert hidden.exists()
    for case in hidden:
        assert case.text[:40] not in body
        assert case.spot_answer[:40] not in body
    assert "Rahmat Hidayat" not in body
    assert "Ibu-ibu PKK" not in body and "Perwakilan warga" not in body
