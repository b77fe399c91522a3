"""The trained triage model at run time: two linear heads over ``features``.

No ML library at run time: a model is a JSON table of weights that ``training``
fits once with scikit-learn (no pickle: anyone can read, diff and check it). Both
heads share one feature index, and every feature of a text has the value of its kind
(fixed per kind of feature, scaled to unit length), so scoring a text is one gather
of rows and one product in NumPy: one core classifies thousands of texts a second.

Urgency favours recall of emergencies (§5): ``darurat`` is chosen when its
probability reaches ``darurat_threshold`` (set in training from out-of-fold
predictions so that almost no emergency of the training data is missed), or when
the text holds one of the ``MUST_CATCH`` phrases, which no model may overrule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kamtibmas.triage.features import KIND_WEIGHTS, Idf, char_grams, model_words, stem_word
from kamtibmas.triage.lexicon import topic_cues
from kamtibmas.triage.taxonomy import Category, Urgency

FORMAT = 2  # 2: features weighted by their rarity (Idf)
DARURAT = str(Urgency.DARURAT)
RENDAH = str(Urgency.RENDAH)
LAINNYA = str(Category.LAINNYA)

# Danger to life or a crime happening now, in normalised words (features.model_words).
MUST_CATCH = [
    ("sedang", "dibacok"), ("sedang", "ditusuk"), ("sedang", "dikeroyok"),
    ("sedang", "tawuran"), ("lagi", "tawuran"), ("lagi", "dikeroyok"), ("berdarah",),
    ("bersimbah", "darah"), ("tidak", "sadarkan", "diri"), ("disandera",),
    ("mau", "bunuh", "diri"), ("ingin", "bunuh", "diri"), ("sedang", "terjadi"),
    ("kebakaran", "sekarang"), ("api", "sudah", "besar"),
]  # fmt: skip


@dataclass(frozen=True)
class Head:
    """One linear classifier as fitted: classes, intercepts, and per feature one
    weight per class."""

    classes: list[str]
    intercept: list[float]
    weights: dict[str, list[float]]

    def as_json(self) -> dict[str, Any]:
        return {"classes": self.classes, "intercept": self.intercept, "weights": self.weights}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Head:
        return cls(
            classes=[str(c) for c in data["classes"]],
            intercept=[float(x) for x in data["intercept"]],
            weights={name: [float(x) for x in row] for name, row in data["weights"].items()},
        )


class _Scorer:
    """A head's weights as a matrix aligned with the model's feature index."""

    def __init__(self, head: Head, features: Sequence[str]) -> None:
        self.classes = head.classes
        self.intercept = np.asarray(head.intercept, dtype=np.float64)
        zeros = [0.0] * len(head.classes)
        self.matrix = np.asarray(
            [head.weights.get(name, zeros) for name in features], dtype=np.float64
        ).reshape(len(features), len(head.classes))
        # How much more each feature speaks for a class than for the average class.
        self.lift = self.matrix - self.matrix.mean(axis=1, keepdims=True)

    def probabilities(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        scores = self.intercept + values @ self.matrix[rows]
        exps = np.exp(scores - scores.max())
        return np.asarray(exps / exps.sum())

    def reasons(
        self,
        rows: np.ndarray,
        values: np.ndarray,
        word_ids: np.ndarray,
        words: list[str],
        chosen: str,
        limit: int,
    ) -> list[str]:
        """The words that pushed the decision towards ``chosen`` most, strongest first:
        each feature's weight for ``chosen`` above its mean weight, summed per word
        (``word_ids[i]`` is the index in ``words`` of the word feature ``i`` came from)."""
        lifts = self.lift[rows, self.classes.index(chosen)] * values
        per_word = np.bincount(word_ids, weights=lifts, minlength=len(words))
        order = sorted(
            (i for i in np.flatnonzero(per_word > 0).tolist()),
            key=lambda i: (-per_word[i], words[i]),
        )
        return [words[i] for i in order[:limit]]


@dataclass(frozen=True)
class _Known:
    """What the heads read of a text: ``rows`` of its features in the weight
    matrices, their ``values``, and for each the index in ``origins`` of the word (or
    word pair, or cue) it came from; ``words`` are the normalised words."""

    words: list[str]
    rows: np.ndarray
    values: np.ndarray
    origins_of: np.ndarray
    origins: list[str]


class ModelFormatError(ValueError):
    """A model file written by another version of this code."""


@dataclass(frozen=True)
class Classification:
    category: str
    urgency: str
    confidence: float
    category_words: list[str]
    urgency_words: list[str]
    emergency_rule: str = ""


class TriageModel:
    def __init__(
        self,
        *,
        category: Head,
        urgency: Head,
        idf: Idf,
        darurat_threshold: float,
        info: dict[str, Any],
    ) -> None:
        self.category = category
        self.urgency = urgency
        self.idf = idf
        self.darurat_threshold = darurat_threshold
        self.info = info
        self.features = sorted(set(category.weights) | set(urgency.weights))
        self.index = {name: row for row, name in enumerate(self.features)}
        self.words = {name for name in category.weights if name.startswith("w:")}
        self._category = _Scorer(category, self.features)
        self._urgency = _Scorer(urgency, self.features)
        # Every feature of the rarity table gets an id: the heads' rows first, then the
        # features no head uses (they still count in a text's length). A word's
        # features are looked up once per process (``_word_features``), so a text
        # costs a few array operations per word, not a dictionary lookup per feature.
        names = [*self.features, *sorted(set(idf.table) - set(self.features))]
        self._fid = {name: fid for fid, name in enumerate(names)}
        self._fweight = np.asarray(
            [KIND_WEIGHTS[name[0]] * idf.of(name) for name in names], dtype=np.float64
        )
        self._unknown_sq = {
            kind: (weight * idf.unknown) ** 2 for kind, weight in KIND_WEIGHTS.items()
        }
        self._word_features = lru_cache(maxsize=50_000)(self._word_features_uncached)

    def with_info(self, **info: Any) -> TriageModel:
        """The same model with more facts about it (e.g. its held-out scores)."""
        return TriageModel(
            category=self.category,
            urgency=self.urgency,
            idf=self.idf,
            darurat_threshold=self.darurat_threshold,
            info={**self.info, **info},
        )

    def classify(self, text: str, *, explain: bool = True) -> Classification:
        """Category and urgency of ``text``; with ``explain`` also the words behind them."""
        known = self._known(text)
        rule = must_catch(known.words)
        # Nothing the model knows as a word (empty, emoji, markup, another language):
        # say so rather than guess from character fragments.
        if not any(f"w:{stem_word(word)}" in self.words for word in known.words):
            return Classification(
                category=LAINNYA,
                urgency=DARURAT if rule else RENDAH,
                confidence=0.0,
                category_words=[],
                urgency_words=[rule] if rule else [],
                emergency_rule=rule,
            )
        rows, values, word_ids, words = known.rows, known.values, known.origins_of, known.origins
        category_p = self._category.probabilities(rows, values)
        best = int(np.argmax(category_p))
        category = self._category.classes[best]
        urgency_p = self._urgency.probabilities(rows, values)
        darurat = self._urgency.classes.index(DARURAT)
        if rule or urgency_p[darurat] >= self.darurat_threshold:
            urgency = DARURAT
        else:
            urgency_p[darurat] = -1.0
            urgency = self._urgency.classes[int(np.argmax(urgency_p))]
        return Classification(
            category=category,
            urgency=urgency,
            confidence=round(float(category_p[best]), 2),
            category_words=(
                self._category.reasons(rows, values, word_ids, words, category, limit=5)
                if explain
                else []
            ),
            urgency_words=(
                [rule]
                if rule
                else self._urgency.reasons(rows, values, word_ids, words, urgency, limit=3)
                if explain
                else []
            ),
            emergency_rule=rule,
        )

    def darurat_probability(self, text: str) -> float:
        known = self._known(text)
        probabilities = self._urgency.probabilities(known.rows, known.values)
        return float(probabilities[self._urgency.classes.index(DARURAT)])

    def _word_features_uncached(self, word: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """The ids of a word's features (its stem and character n-grams) that the
        model knows, and the names of those it does not."""
        ids: list[int] = []
        unknown: list[str] = []
        for name in (f"w:{stem_word(word)}", *char_grams(word)):
            fid = self._fid.get(name)
            if fid is None:
                unknown.append(name)
            else:
                ids.append(fid)
        return np.asarray(ids, dtype=np.int64), tuple(unknown)

    def _known(self, text: str) -> _Known:
        """The text's features as ``features.featurise`` makes them, valued as in
        training (``Featurised.values``), restricted to those the heads use. Each
        feature counts once, with the first word (or word pair, or cue) it came from,
        as in ``featurise``."""
        words = model_words(text)
        stems = [stem_word(word) for word in words]
        origins = list(dict.fromkeys(words))
        origin_index = {origin: index for index, origin in enumerate(origins)}
        id_parts: list[np.ndarray] = []
        counts: list[int] = []
        unknown: set[str] = set()
        for word in origins:
            ids, names = self._word_features(word)
            id_parts.append(ids)
            counts.append(len(ids))
            unknown.update(names)
        sources = np.repeat(np.arange(len(origins), dtype=np.intp), counts)
        extra_ids: list[int] = []
        extra_sources: list[int] = []
        later = [
            (f"b:{stems[i]}_{stems[i + 1]}", f"{words[i]} {words[i + 1]}")
            for i in range(len(words) - 1)
        ] + [(f"t:{topic}", cue) for topic, cue in topic_cues(words, stems)]
        for name, origin in later:
            fid = self._fid.get(name)
            if fid is None:
                unknown.add(name)
                continue
            if origin not in origin_index:
                origin_index[origin] = len(origins)
                origins.append(origin)
            extra_ids.append(fid)
            extra_sources.append(origin_index[origin])
        id_parts.append(np.asarray(extra_ids, dtype=np.int64))
        all_ids = np.concatenate(id_parts)
        all_sources = np.concatenate((sources, np.asarray(extra_sources, dtype=np.intp)))
        unique, first = np.unique(all_ids, return_index=True)
        weights = self._fweight[unique]
        total = float(weights @ weights) + sum(self._unknown_sq[name[0]] for name in unknown)
        used = unique < len(self.features)
        return _Known(
            words=words,
            rows=unique[used],
            values=weights[used] / (math.sqrt(total) or 1.0),
            origins_of=all_sources[first][used],
            origins=origins,
        )

    def save(self, path: Path) -> None:
        data = {
            "format": FORMAT,
            "info": self.info,
            "darurat_threshold": self.darurat_threshold,
            "category": self.category.as_json(),
            "urgency": self.urgency.as_json(),
            "idf": {"table": self.idf.table, "unknown": self.idf.unknown},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), "utf-8")
        partial.replace(path)  # readers never see half a model

    @classmethod
    def load(cls, path: Path) -> TriageModel:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT:
            raise ModelFormatError(f"{path}: model format {data.get('format')!r}, not {FORMAT}")
        return cls(
            category=Head.from_json(data["category"]),
            urgency=Head.from_json(data["urgency"]),
            idf=Idf(
                table={name: float(value) for name, value in data["idf"]["table"].items()},
                unknown=float(data["idf"]["unknown"]),
            ),
            darurat_threshold=float(data["darurat_threshold"]),
            info=data.get("info", {}),
        )


def must_catch(words: Sequence[str]) -> str:
    """The first ``MUST_CATCH`` phrase among ``words`` (``features.model_words``), or ""."""
    present = set(words)
    for phrase in MUST_CATCH:
        if not present.issuperset(phrase):
            continue
        size = len(phrase)
        for start in range(len(words) - size + 1):
            if tuple(words[start : start + size]) == phrase:
                return " ".join(phrase)
    return ""


def must_catch_text(text: str) -> str:
    return must_catch(model_words(text))
