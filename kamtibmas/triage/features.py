"""What the triage classifier sees of a text: a pure function, no ORM, no settings.

The text goes through the same normaliser as search (``textsearch``: accents, RT/RW
tokens, reduplication, slang and phrases), but keeps the function words search
drops, because urgency lives in them ("sedang", "lagi", "sekarang", "masih"), and
spells out chat forms of them (``tlg`` → ``tolong``, ``skrg`` → ``sekarang``).
Three kinds of features, each tagged with the word it came from so that a decision
can be explained in the resident's own words:

* ``w:`` the stem of each word (``dicuri``, ``kecurian`` → ``w:curi``);
* ``b:`` pairs of neighbouring stems (``b:sedang_tawur``);
* ``c:`` character 3- to 5-grams of each unstemmed word with its boundaries
  (``c:<mal``), which carry typos and unseen spellings (``malingg``, ``begall``).

A feature present in the text has the value of its kind (``KIND_WEIGHTS``: a word
counts more than each of its many character n-grams) times its rarity in the
training texts (``Idf``: "tolong" or "pak" says less than "sabu"), then the vector is
scaled to unit length, so a long letter and a one-line chat message weigh alike. The
weights and sizes here were chosen by cross-validation on the training part
(``bench/tune_triage.py``).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from kamtibmas.triage.lexicon import topic_cues
from kamtibmas.triage.textsearch import normalised_words, stem

# Chat forms of function words that textsearch keeps as they are (it drops them for
# search), spelled out so that "tlg", "tolong" and "tolongg" are one feature.
CHAT = {
    "tlg": "tolong", "tolongin": "tolong", "plis": "tolong", "pls": "tolong",
    "skrg": "sekarang", "skrng": "sekarang", "skr": "sekarang", "now": "sekarang",
    "lg": "lagi", "lgi": "lagi", "sdg": "sedang", "lgsg": "langsung",
    "gak": "tidak", "ga": "tidak", "gk": "tidak", "nggak": "tidak", "ngga": "tidak",
    "engga": "tidak", "enggak": "tidak", "tdk": "tidak", "kagak": "tidak", "ora": "tidak",
    "teu": "tidak", "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah",
    "wis": "sudah", "blm": "belum", "blom": "belum", "msh": "masih", "bgt": "banget",
    "sy": "saya", "aq": "saya", "gw": "saya", "gue": "saya", "gua": "saya", "ane": "saya",
    "yg": "yang", "dgn": "dengan", "krn": "karena", "jg": "juga", "dr": "dari",
    "td": "tadi", "tdi": "tadi", "kmrn": "kemarin", "kemaren": "kemarin", "mlm": "malam",
    "tiap": "setiap", "tp": "tapi", "org": "orang", "urgent": "darurat",
}  # fmt: skip

_TAG = re.compile(r"<[^>]*>")
MAX_CHARS = 4000
CHAR_SIZES = (3, 4, 5)
KIND_WEIGHTS = {"w": 3.0, "b": 2.0, "c": 1.0, "t": 3.0}


@dataclass(frozen=True)
class Idf:
    """How rare each feature is among the training texts, the smoothed inverse
    document frequency ``ln((1 + n) / (1 + df)) + 1`` of scikit-learn. Features the
    table does not hold (seen in fewer than two training texts, or never) weigh as a
    feature seen once."""

    table: dict[str, float]
    unknown: float

    @classmethod
    def fit(cls, texts: list[Featurised], *, min_texts: int, decimals: int) -> Idf:
        seen: dict[str, int] = {}
        for featurised in texts:
            for name in featurised.origin:
                seen[name] = seen.get(name, 0) + 1
        n = len(texts)

        def idf(df: int) -> float:
            return round(math.log((1 + n) / (1 + df)) + 1, decimals)

        return cls(
            table={name: idf(df) for name, df in seen.items() if df >= min_texts},
            unknown=idf(1),
        )

    def of(self, name: str) -> float:
        return self.table.get(name, self.unknown)


@dataclass(frozen=True)
class Featurised:
    """The features of a text with the word each came from, and the normalised words."""

    origin: dict[str, str]
    words: list[str]

    def weight(self, name: str, idf: Idf) -> float:
        return KIND_WEIGHTS[name[0]] * idf.of(name)

    def norm(self, idf: Idf) -> float:
        total = sum(self.weight(name, idf) ** 2 for name in self.origin)
        return math.sqrt(total) if total else 1.0

    def values(self, idf: Idf) -> dict[str, float]:
        norm = self.norm(idf)
        return {name: self.weight(name, idf) / norm for name in self.origin}


def model_words(text: str) -> list[str]:
    """The normalised words the classifier reads (function words kept)."""
    plain = _TAG.sub(" ", html.unescape(text[:MAX_CHARS]))
    words = normalised_words(plain, keep_function_words=True)
    return [CHAT.get(word, word) for word in words]


@lru_cache(maxsize=50_000)
def stem_word(word: str) -> str:
    return stem(word) if word.isalpha() else word


@lru_cache(maxsize=50_000)
def char_grams(word: str) -> tuple[str, ...]:
    padded = f"<{word}>"
    return tuple(f"c:{padded[i : i + n]}" for n in CHAR_SIZES for i in range(len(padded) - n + 1))


def featurise(text: str) -> Featurised:
    words = model_words(text)
    stems = [stem_word(word) for word in words]
    origin: dict[str, str] = {}
    for word, stemmed in zip(words, stems, strict=True):
        origin.setdefault(f"w:{stemmed}", word)
        for gram in char_grams(word):
            origin.setdefault(gram, word)
    for index in range(len(stems) - 1):
        pair = f"{words[index]} {words[index + 1]}"
        origin.setdefault(f"b:{stems[index]}_{stems[index + 1]}", pair)
    for topic, cue in topic_cues(words, stems):
        origin.setdefault(f"t:{topic}", cue)
    return Featurised(origin=origin, words=words)
