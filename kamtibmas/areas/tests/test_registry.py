"""Reading and cleaning the Kemendagri registry (pure; no database)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.areas.models import AreaKind, AreaLevel
from kamtibmas.areas.registry import (
    bps_regency_map,
    code_kind,
    code_level,
    code_parent,
    name_key,
    region_name_clean,
    registry_read,
    registry_records,
    title_case,
    village_name_clean,
)

# Upper-case names as the registry writes them: letters, spaces and a little punctuation.
upper_names = st.text(alphabet="ABCDEFGHIJKLMNOPRSTUWYZ '-()/.0123456789", min_size=1, max_size=40)
village_names = st.text(alphabet="AaBbEeIiJjKkNnRrSsUuYy '-0123456789", min_size=1, max_size=30)


@pytest.mark.parametrize(
    ("code", "level", "parent", "kind"),
    [
        ("32", AreaLevel.PROVINCE, None, AreaKind.PROVINSI),
        ("32.04", AreaLevel.REGENCY, "32", AreaKind.KABUPATEN),
        ("32.70", AreaLevel.REGENCY, "32", AreaKind.KABUPATEN),
        ("32.71", AreaLevel.REGENCY, "32", AreaKind.KOTA),
        ("32.75", AreaLevel.REGENCY, "32", AreaKind.KOTA),
        ("32.75.04", AreaLevel.DISTRICT, "32.75", AreaKind.KECAMATAN),
        ("32.75.04.1005", AreaLevel.VILLAGE, "32.75.04", AreaKind.KELURAHAN),
        ("32.04.01.2001", AreaLevel.VILLAGE, "32.04.01", AreaKind.DESA),
    ],
)
def test_code_tells_level_parent_and_kind(code, level, parent, kind):
    assert code_level(code) == level
    assert code_parent(code) == parent
    assert code_kind(code) == kind


@pytest.mark.parametrize(
    "code", ["", "3", "32.", "32.7", "32.75.04.105", "32.75.04.1005.1", "ab", "32-75"]
)
def test_malformed_codes_are_refused(code):
    with pytest.raises(ValueError, match="Kemendagri"):
        code_level(code)


def test_village_code_must_start_with_1_or_2():
    with pytest.raises(ValueError, match="1 or 2"):
        code_kind("32.75.04.3005")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("JAWA BARAT", "Jawa Barat"),
        ("DKI JAKARTA", "DKI Jakarta"),
        ("DAERAH ISTIMEWA YOGYAKARTA", "Daerah Istimewa Yogyakarta"),
        ("KOTA BEKASI", "Kota Bekasi"),
        ("KAB. ACEH SELATAN", "Kabupaten Aceh Selatan"),
        ("KAB TIMOR TENGAH SELATAN", "Kabupaten Timor Tengah Selatan"),
        ("KOTA ADM. JAKARTA PUSAT", "Kota Administrasi Jakarta Pusat"),
        ("KAB. ADM. KEP. SERIBU", "Kabupaten Administrasi Kepulauan Seribu"),
        ("KAB. TOLI-TOLI", "Kabupaten Toli-Toli"),
        ("  KOTA   BANDA  ACEH ", "Kota Banda Aceh"),
    ],
)
def test_region_names_are_title_cased_with_abbreviations_expanded(raw, clean):
    assert region_name_clean(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("LHOK PU'UK", "Lhok Pu'uk"),
        ("BOLANG ITANG II", "Bolang Itang II"),
        ("SUKAMAJU IV", "Sukamaju IV"),
        ("BATU (13)", "Batu (13)"),
        ("FAITWOSUR/ANGKASA PURA", "Faitwosur/Angkasa Pura"),
        ("kayuringin jaya", "Kayuringin Jaya"),
    ],
)
def test_title_case_keeps_apostrophes_numerals_and_separators(raw, clean):
    assert title_case(raw) == clean


@given(upper_names)
def test_title_case_only_changes_letter_case_and_spacing(name):
    cleaned = title_case(name)

    assert name_key(cleaned) == name_key(name)
    assert title_case(cleaned) == cleaned
    assert cleaned == cleaned.strip()


@given(upper_names)
def test_region_names_never_stay_in_capitals(name):
    cleaned = region_name_clean(name)

    for word in re.findall(r"[^\W_]+(?:'[^\W_]+)*", cleaned):
        if len(word) > 1 and word.isalpha() and word.isupper():
            assert word == "DKI" or set(word) <= set("IVX")


REGENCY_NAMES = [
    "KAYURINGIN JAYA",
    "MARGAHAYU",
    "PEKAYON JAYA",
    "SUKAJAYA",
    "N A P U",
    "DALE- DALE",
    "TANGAN TANGAN CUT",
    "HUTA BARU",
    "HUTABARU",
    "KAMPUNG BARU",
]


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("Kayuringinjaya", "Kayuringin Jaya"),  # BPS spaces the words
        ("Pekayonjaya", "Pekayon Jaya"),
        ("Margahayu", "Margahayu"),  # same spelling
        ("Suka Jaya", "Suka Jaya"),  # BPS would glue the words
        ("Tangan-Tangan Cut", "Tangan-Tangan Cut"),  # BPS would drop the hyphens
        ("Napu", "Napu"),  # BPS spells out letters
        ("Dale-Dale", "Dale-Dale"),  # BPS loosens the hyphen
        ("Hutabaru", "Hutabaru"),  # two BPS spellings: ambiguous
        ("Kampung Baru 76", "Kampung Baru 76"),  # the number is part of the name
        ("Bojongmenteng", "Bojongmenteng"),  # no BPS twin
        ("Bojong  Menteng ", "Bojong Menteng"),
    ],
)
def test_village_names_take_the_bps_spacing_only_when_unambiguous(name, clean):
    assert village_name_clean(name, REGENCY_NAMES) == clean


@given(village_names, st.lists(village_names, max_size=5))
def test_village_cleaning_never_changes_the_letters(name, bps_names):
    cleaned = village_name_clean(name, bps_names)

    assert name_key(cleaned) == name_key(name)
    assert cleaned == " ".join(name.split()) or cleaned == title_case(cleaned)
    assert len(cleaned.split()) >= len(name.split())


def test_regencies_are_paired_with_bps_by_name_then_by_digits():
    pairs = bps_regency_map(
        {
            "11.01": "KAB. ACEH SELATAN",
            "31.71": "KOTA ADM. JAKARTA PUSAT",
            "32.75": "KOTA BEKASI",
            "99.01": "KAB. ENTAH",
        },
        {
            "1101": "KABUPATEN SIMEULUE",
            "1103": "KABUPATEN ACEH SELATAN",
            "3173": "KOTA JAKARTA PUSAT",
            "3275": "KOTA BEKASI",
            "3216": "KABUPATEN BEKASI",
        },
    )

    assert pairs == {"11.01": "1103", "31.71": "3173", "32.75": "3275", "99.01": "9901"}


def small_registry(rows, bps=()):
    return registry_records(rows, bps_regencies={"3275": "KOTA BEKASI"}, bps_villages=bps)


def test_records_come_level_by_level_with_parents_and_clean_names():
    records = small_registry(
        [
            ("32", "JAWA BARAT"),
            ("32.75", "KOTA BEKASI"),
            ("32.75.04", "Bekasi Selatan"),
            ("32.75.04.1005", "Kayuringinjaya"),
            ("32.75.01", "Bekasi Timur"),
            ("32.75.01.1002", "Margahayu"),
        ],
        bps=[("3275050007", "KAYURINGIN JAYA"), ("3275040005", "MARGAHAYU")],
    )

    assert [(r.code, r.name, r.level, r.kind, r.parent_code) for r in records] == [
        ("32", "Jawa Barat", AreaLevel.PROVINCE, AreaKind.PROVINSI, None),
        ("32.75", "Kota Bekasi", AreaLevel.REGENCY, AreaKind.KOTA, "32"),
        ("32.75.04", "Bekasi Selatan", AreaLevel.DISTRICT, AreaKind.KECAMATAN, "32.75"),
        ("32.75.01", "Bekasi Timur", AreaLevel.DISTRICT, AreaKind.KECAMATAN, "32.75"),
        ("32.75.04.1005", "Kayuringin Jaya", AreaLevel.VILLAGE, AreaKind.KELURAHAN, "32.75.04"),
        ("32.75.01.1002", "Margahayu", AreaLevel.VILLAGE, AreaKind.KELURAHAN, "32.75.01"),
    ]


def test_bps_spelling_is_only_borrowed_from_the_same_regency():
    records = small_registry(
        [
            ("32", "JAWA BARAT"),
            ("32.75", "KOTA BEKASI"),
            ("32.75.04", "Bekasi Selatan"),
            ("32.75.04.1005", "Kayuringinjaya"),
        ],
        bps=[("3216050007", "KAYURINGIN JAYA")],  # Kabupaten Bekasi, not Kota Bekasi
    )

    assert records[-1].name == "Kayuringinjaya"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("32", "JAWA BARAT"), ("32", "JAWA BARAT")], "twice"),
        ([("32", "JAWA BARAT"), ("32.75.04", "Bekasi Selatan")], "no parent"),
        ([("32", "JAWA BARAT"), ("32.75.x", "Bekasi Selatan")], "Kemendagri"),
    ],
)
def test_broken_registries_are_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        small_registry(rows)


def test_the_shipped_registry_is_complete_and_consistent():
    records = registry_read()
    by_code = {record.code: record for record in records}

    assert Counter(record.level for record in records) == {
        AreaLevel.PROVINCE: 34,
        AreaLevel.REGENCY: 514,
        AreaLevel.DISTRICT: 7_230,
        AreaLevel.VILLAGE: 83_441,
    }
    assert len(by_code) == len(records) == 91_219
    position = {record.code: index for index, record in enumerate(records)}
    for record in records:
        if record.parent_code is not None:
            assert position[record.parent_code] < position[record.code]
    kayuringin = by_code["32.75.04.1005"]
    assert (kayuringin.name, kayuringin.kind) == ("Kayuringin Jaya", AreaKind.KELURAHAN)
    assert by_code["32"].name == "Jawa Barat"
    assert by_code["11.01"].name == "Kabupaten Aceh Selatan"
    assert max(len(record.name) for record in records) <= 120
    assert all(record.name == record.name.strip() and record.name for record in records)
