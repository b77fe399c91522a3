"""The keyword triage: §5 codes, slang, urgency, special routing, and that it never
pretends to know more than it does."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.triage.rules import normalise, triage
from kamtibmas.triage.taxonomy import RESPONSIBLE, Category, Urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Di gang belakang masjid sering ada transaksi sabu tiap malam", "narkoba"),
        ("Motor saya hilang dicuri semalam di depan warung, curanmor lagi", "pencurian"),
        ("Anak-anak RW 024 tawuran lagi pakai sajam", "kekerasan"),
        ("Saya ditipu pinjol ilegal, data saya disebar", "penipuan"),
        ("Tiap malam ada yang mabuk miras dan judi di pos ronda", "ketertiban"),
        ("Banyak pelajar bolos dan balap liar di jalan baru", "remaja"),
        ("Macet parah tiap pagi di perempatan, tidak ada petugas lalu lintas", "lalu_lintas"),
        ("Mohon patroli malam ditambah, ada orang asing mencurigakan", "keamanan"),
        ("Bagaimana cara mengurus SKCK untuk melamar kerja?", "layanan"),
        ("Keluarga kami belum menerima bansos tahun ini", "sosial"),
        ("Lampu jalan di gang 3 mati dan got mampet sampai banjir", "lingkungan"),
        ("Selamat pagi semuanya", "lainnya"),
    ],
)
def test_every_category_of_section_5(text, category):
    assert triage(text).category == category


def test_chat_style_and_slang_are_understood():
    assert normalise("Udh 2x motor ilang gan!! gak ada yg jaga") == (
        "sudah 2x motor ilang gan tidak ada yang jaga"
    )
    result = triage("tlg pak bocil2 nongkrong smp jam 2 mlm, kadang balap liar jg")
    assert result.category == "remaja"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("Tolong! Sedang terjadi tawuran di depan SD, ada yang bawa celurit", "darurat"),
        ("Begal sering beraksi di jalan ini setiap malam", "tinggi"),
        ("Lampu jalan di gang kami mati", "sedang"),
        ("Terima kasih atas patroli kemarin, saran kami ditambah jamnya", "rendah"),
    ],
)
def test_urgency(text, urgency):
    assert triage(text).urgency == urgency


def test_violence_against_women_and_children_goes_to_ppa_and_conduct_to_propam():
    assert triage("Tetangga saya KDRT, istrinya sering dipukul").responsible == "unit_ppa"
    assert triage("Anak-anak tawuran di jalan").responsible == "satreskrim"
    assert triage("Oknum petugas minta uang saat bikin SKCK").responsible == "propam"
    assert triage("Macet di perempatan").responsible == RESPONSIBLE[Category.LALU_LINTAS]


def test_confidence_says_how_sure_it_is():
    assert triage("Selamat pagi").confidence == 0.0
    sure = triage("Ada pengedar sabu dan ganja di gang 3")
    unsure = triage("Ada yang transfer di gang 3")
    assert sure.confidence == 1.0
    assert 0 < unsure.confidence < 0.5


@given(st.text(max_size=500))
def test_any_text_gets_section_5_codes(text):
    result = triage(text)
    assert result.category in Category.values
    assert result.urgency in Urgency.values
    assert result.responsible
    assert 0.0 <= result.confidence <= 1.0


def test_command_prints_the_json_of_section_6(capsys):
    call_command("triage", "Motor saya dicuri tadi malam")
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"category", "urgency", "responsible", "confidence"}
    assert printed["category"] == "pencurian"
