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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kamtibmas.triage.features import KIND_WEIGHTS, Featurised, featurise, model_words
from kamtibmas.triage.taxonomy import Category, Urgency

FORMAT = 1
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

    def probabilities(self, rows: list[int], values: np.ndarray) -> np.ndarray:
        scores = self.intercept + values @ self.matrix[rows]
        exps = np.exp(scores - scores.max())
        return np.asarray(exps / exps.sum())

    def reasons(
        self,
        rows: list[int],
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
class Classification:
    category: str
    urgency: str
    confidence: float
    category_words: list[str]
    urgency_words: list[str]
    emergency_rule: str = ""


class TriageModel:
    def __init__(
        self, *, category: Head, urgency: Head, darurat_threshold: float, info: dict[str, Any]
    ) -> None:
        self.category = category
        self.urgency = urgency
        self.darurat_threshold = darurat_threshold
        self.info = info
        self.features = sorted(set(category.weights) | set(urgency.weights))
        self.index = {name: row for row, name in enumerate(self.features)}
        self.words = {name for name in category.weights if name.startswith("w:")}
        self._category = _Scorer(category, self.features)
        self._urgency = _Scorer(urgency, self.features)

    def classify(self, text: str, *, explain: bool = True) -> Classification:
        """Category and urgency of ``text``; with ``explain`` also the words behind them."""
        featurised = featurise(text)
        rule = must_catch(featurised.words)
        # Nothing the model knows as a word (empty, emoji, markup, another language):
        # say so rather than guess from character fragments.
        if not any(name in self.words for name in featurised.origin):
            return Classification(
                category=LAINNYA,
                urgency=DARURAT if rule else RENDAH,
                confidence=0.0,
                category_words=[],
                urgency_words=[rule] if rule else [],
                emergency_rule=rule,
            )
        rows, values, word_ids, words = self._known(featurised)
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

    def darurat_probability(self, featurised: Featurised) -> float:
        rows, values, _ids, _words = self._known(featurised)
        probabilities = self._urgency.probabilities(rows, values)
        return float(probabilities[self._urgency.classes.index(DARURAT)])

    def _known(self, featurised: Featurised) -> tuple[list[int], np.ndarray, np.ndarray, list[str]]:
        """Rows of the text's known features, their values, and for each the id of
        its word in the returned word list."""
        rows: list[int] = []
        kinds: list[float] = []
        ids: list[int] = []
        word_id: dict[str, int] = {}
        index = self.index
        for name, word in featurised.origin.items():
            row = index.get(name)
            if row is not None:
                rows.append(row)
                kinds.append(KIND_WEIGHTS[name[0]])
                ids.append(word_id.setdefault(word, len(word_id)))
        values = np.asarray(kinds, dtype=np.float64) / featurised.norm
        return rows, values, np.asarray(ids, dtype=np.intp), list(word_id)

    def save(self, path: Path) -> None:
        data = {
            "format": FORMAT,
            "info": self.info,
            "darurat_threshold": self.darurat_threshold,
            "category": self.category.as_json(),
            "urgency": self.urgency.as_json(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), "utf-8")
        partial.replace(path)  # readers never see half a model

    @classmethod
    def load(cls, path: Path) -> TriageModel:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: unknown model format {data.get('format')!r}")
        return cls(
            category=Head.from_json(data["category"]),
            urgency=Head.from_json(data["urgency"]),
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
