"""The responsible body of a complaint (§5): the category's default body, with two
refinements a desk officer makes from the text: violence against women or children
goes to the PPA unit, complaints about officers' conduct to Propam.

Pure functions, no ORM. The aspirations routing rules then map a body to a unit.
"""

from __future__ import annotations

from kamtibmas.triage.features import model_words
from kamtibmas.triage.taxonomy import RESPONSIBLE, Category

# Victims who route violence to the women and children unit (PPA), in normalised words.
PPA_VICTIMS = [
    "kdrt", "pelecehan", "pencabulan", "dicabuli", "korban anak", "anak dipukul",
    "anak dianiaya", "istri dipukul", "dipukul suami", "dipukuli suami",
    "kekerasan terhadap anak", "kekerasan terhadap perempuan", "kekerasan seksual",
    "diperkosa", "pemerkosaan", "kekerasan dalam rumah tangga",
]  # fmt: skip
# Complaints about officers themselves.
CONDUCT = [
    "oknum", "petugas minta uang", "polisi minta uang", "dimintai uang", "minta damai",
    "pungli polisi", "uang damai", "polisi kasar", "petugas kasar", "anggota polisi",
]  # fmt: skip


def _contains(haystack: str, phrase: str) -> bool:
    return f" {phrase} " in haystack


def responsible_body(category: str, text: str) -> str:
    """The §5 body code for a complaint of ``category`` that says ``text``."""
    haystack = f" {' '.join(model_words(text))} "
    if category == Category.KEKERASAN and any(_contains(haystack, p) for p in PPA_VICTIMS):
        return "unit_ppa"
    if category == Category.LAYANAN and any(_contains(haystack, p) for p in CONDUCT):
        return "propam"
    return RESPONSIBLE[Category(category)]
