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
    phrases = (
        PPA_VICTIMS
        if category == Category.KEKERASAN
        else CONDUCT
        if category == Category.LAYANAN
        else ()
    )
    if phrases:  # the words are read only where they can change the body
        haystack = f" {' '.join(model_words(text))} "
        if any(_contains(haystack, phrase) for phrase in phrases):
            return "unit_ppa" if category == Category.KEKERASAN else "propam"
    return RESPONSIBLE[Category(category)]
