"""Training and evaluating the triage model (scikit-learn, at training time only).

The corpus lives in ``triage/corpus/part_*.jsonl`` (written for this project,
labelled by ``docs/triage-labelling.md``). The split is fixed by each text's id:
``held_out(id)`` puts a fifth of the corpus into the test part by the first byte of
the SHA-256 of the id, so adding texts never moves old ones between the parts, and
the test part is never used to train or tune anything (the darurat threshold is
tuned on out-of-fold predictions of the training part).

Training is deterministic: the same examples give the same model, byte for byte
(sorted features, solvers without randomness, folds from a fixed seed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamtibmas.triage.features import Idf, featurise
from kamtibmas.triage.model import DARURAT, Head, TriageModel, must_catch_text
from kamtibmas.triage.taxonomy import Category, Urgency

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
# Chosen by 5-fold cross-validation on the training part only (never the held-out
# part), together with features.KIND_WEIGHTS and features.CHAR_SIZES:
# bench/tune_triage.py prints the comparison.
ALPHA_CATEGORY = 0.5
C_URGENCY = 10.0
# Softmax temperature that turns the category's ridge scores into a confidence
# between 0 and 1.
MARGIN_SCALE = 3.0
DARURAT_TARGET_RECALL = 0.97
MIN_TEXTS = 2
FOLDS = 3
WEIGHT_DECIMALS = 4


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    category: str
    urgency: str
    source: str = "corpus"


def held_out(example_id: str) -> bool:
    """Whether an example belongs to the held-out test part (a fixed fifth)."""
    return hashlib.sha256(example_id.encode("utf-8")).digest()[0] % 5 == 0


def corpus_load(directory: Path = CORPUS_DIR) -> list[Example]:
    examples = []
    for path in sorted(directory.glob("part_*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            examples.append(
                Example(
                    id=row["id"],
                    text=row["text"],
                    category=Category(row["category"]).value,
                    urgency=Urgency(row["urgency"]).value,
                )
            )
    return examples


def corpus_split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if not held_out(e.id)]
    test = [e for e in examples if held_out(e.id)]
    return train, test


def corpus_digest(examples: Iterable[Example]) -> str:
    digest = hashlib.sha256()
    for example in sorted(examples, key=lambda e: e.id):
        digest.update(
            f"{example.id}\t{example.text}\t{example.category}\t{example.urgency}\n".encode()
        )
    return digest.hexdigest()


@dataclass(frozen=True)
class _Matrix:
    """The training rows as one sparse matrix (scikit-learn's ``DictVectorizer``, sorted
    features), built once and shared by every head and fold: vectorising took a
    quarter of a training when each fit did it again."""

    rows: Any  # scipy.sparse.csr_matrix, one row per example
    names: list[str]

    @classmethod
    def of(cls, rows: list[dict[str, float]]) -> _Matrix:
        from sklearn.feature_extraction import DictVectorizer

        vectoriser = DictVectorizer(sort=True)
        matrix = vectoriser.fit_transform(rows)
        # 32-bit indices: what the solvers accept, and plenty for this corpus.
        matrix.indices = matrix.indices.astype("int32")
        matrix.indptr = matrix.indptr.astype("int32")
        return cls(rows=matrix, names=[str(name) for name in vectoriser.get_feature_names_out()])

    def part(self, indices: Sequence[int]) -> _Matrix:
        """The given rows; a feature none of them has stays a column of zeros, which
        an L2-regularised fit leaves at weight 0 (dropped from the head)."""
        return _Matrix(rows=self.rows[list(indices)], names=self.names)


def _fit_head(matrix: _Matrix, labels: list[str], *, c: float, scores: bool = False) -> Head:
    """A multinomial logistic regression (probabilities: the urgency, whose darurat
    threshold needs them), or with ``scores`` a ridge classifier of regularisation
    ``c`` (the category: better macro-F1 in cross-validation on the training part
    than logistic regression or a linear SVM; its confidence is then a softmax of
    the scores, a score rather than a calibrated probability)."""
    from sklearn.linear_model import LogisticRegression, RidgeClassifier
    from threadpoolctl import threadpool_limits

    model = RidgeClassifier(alpha=c) if scores else LogisticRegression(C=c, max_iter=2000)
    # One BLAS thread: the solver's vector operations are too small to share, and
    # OpenBLAS's threads spin for the cores, so a fit on a busy machine (the worker
    # beside the app server, or tests in parallel) took three times as long.
    with threadpool_limits(limits=1):
        model.fit(matrix.rows, labels)
    classes = [str(label) for label in model.classes_]
    scale = MARGIN_SCALE if scores else 1.0
    coefficients = model.coef_.T * scale  # one row per feature
    weights = {}
    for name, row in zip(matrix.names, coefficients, strict=True):
        rounded = [round(float(w), WEIGHT_DECIMALS) for w in row]
        if any(rounded):
            weights[name] = rounded
    intercept = [round(float(b) * scale, WEIGHT_DECIMALS) for b in model.intercept_]
    return Head(classes=classes, intercept=intercept, weights=weights)


def _darurat_threshold(matrix: _Matrix, idf: Idf, examples: Sequence[Example]) -> float:
    """The highest threshold on P(darurat) that still finds ``DARURAT_TARGET_RECALL`` of
    the training emergencies in out-of-fold predictions (``FOLDS`` folds)."""
    from sklearn.model_selection import StratifiedKFold

    labels = [e.urgency for e in examples]
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    scores: list[tuple[float, bool]] = []
    for train_index, test_index in folds.split(matrix.rows, labels):
        head = _fit_head(matrix.part(train_index), [labels[i] for i in train_index], c=C_URGENCY)
        fold = TriageModel(category=head, urgency=head, idf=idf, darurat_threshold=1.0, info={})
        for i in test_index:
            probability = fold.darurat_probability(examples[i].text)
            caught = bool(must_catch_text(examples[i].text))
            scores.append((1.0 if caught else probability, labels[i] == DARURAT))
    emergencies = sorted((p for p, is_darurat in scores if is_darurat), reverse=True)
    if not emergencies:
        return 0.5
    needed = max(1, int(DARURAT_TARGET_RECALL * len(emergencies) + 0.999999))
    return round(min(0.5, emergencies[needed - 1]), 4)


def _common_features(rows: list[dict[str, float]], idf: Idf) -> list[dict[str, float]]:
    """Rows without the features seen in fewer than ``MIN_TEXTS`` texts (those
    ``idf`` does not hold): they mostly name a single example (a street, a typo) and
    teach nothing general, and halve the model."""
    return [{name: value for name, value in row.items() if name in idf.table} for row in rows]


def model_train(examples: Sequence[Example], *, info: dict[str, Any] | None = None) -> TriageModel:
    ordered = sorted(examples, key=lambda e: e.id)
    texts = [featurise(e.text) for e in ordered]
    idf = Idf.fit(texts, min_texts=MIN_TEXTS, decimals=WEIGHT_DECIMALS)
    matrix = _Matrix.of(_common_features([featurised.values(idf) for featurised in texts], idf))
    category = _fit_head(matrix, [e.category for e in ordered], c=ALPHA_CATEGORY, scores=True)
    urgency = _fit_head(matrix, [e.urgency for e in ordered], c=C_URGENCY)
    threshold = _darurat_threshold(matrix, idf, ordered)
    details = {
        "examples": len(ordered),
        "corpus_digest": corpus_digest(ordered),
        "corrections": sum(1 for e in ordered if e.source != "corpus"),
    }
    details.update(info or {})
    return TriageModel(
        category=category, urgency=urgency, idf=idf, darurat_threshold=threshold, info=details
    )


@dataclass(frozen=True)
class Evaluation:
    category_macro_f1: float
    category_accuracy: float
    urgency_accuracy: float
    darurat_recall: float
    darurat_precision: float
    examples: int
    category_confusion: dict[str, dict[str, int]]
    missed_emergencies: list[str]
    urgency_confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "category_macro_f1": self.category_macro_f1,
            "category_accuracy": self.category_accuracy,
            "urgency_accuracy": self.urgency_accuracy,
            "darurat_recall": self.darurat_recall,
            "darurat_precision": self.darurat_precision,
            "examples": self.examples,
        }

    def beats(self, other: dict[str, Any] | None) -> bool:
        """At least as good as ``other`` (another model's ``as_dict`` on the same
        held-out part) on what matters: emergencies found, the category's macro-F1,
        and emergency alerts still worth answering (precision not below the 0.6 of
        §5 targets, or the other's if that was lower)."""
        if not other:
            return True
        return (
            self.darurat_recall >= float(other["darurat_recall"])
            and self.category_macro_f1 >= float(other["category_macro_f1"])
            and self.darurat_precision >= min(0.6, float(other["darurat_precision"]))
        )


def model_evaluate(model: TriageModel, examples: Sequence[Example]) -> Evaluation:
    categories = [c.value for c in Category]
    confusion = {truth: dict.fromkeys(categories, 0) for truth in categories}
    urgencies = [u.value for u in Urgency]
    urgency_confusion = {truth: dict.fromkeys(urgencies, 0) for truth in urgencies}
    urgency_right = 0
    true_darurat = predicted_darurat = both_darurat = 0
    missed = []
    for example in examples:
        result = model.classify(example.text, explain=False)
        confusion[example.category][result.category] += 1
        urgency_confusion[example.urgency][result.urgency] += 1
        urgency_right += result.urgency == example.urgency
        is_darurat, said_darurat = example.urgency == DARURAT, result.urgency == DARURAT
        true_darurat += is_darurat
        predicted_darurat += said_darurat
        both_darurat += is_darurat and said_darurat
        if is_darurat and not said_darurat:
            missed.append(example.id)
    f1s = []
    for category in categories:
        tp = confusion[category][category]
        predicted = sum(confusion[truth][category] for truth in categories)
        actual = sum(confusion[category].values())
        if actual == 0:
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual
        f1s.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    total = len(examples)
    return Evaluation(
        category_macro_f1=round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        category_accuracy=round(sum(confusion[c][c] for c in categories) / total, 4)
        if total
        else 0.0,
        urgency_accuracy=round(urgency_right / total, 4) if total else 0.0,
        darurat_recall=round(both_darurat / true_darurat, 4) if true_darurat else 1.0,
        darurat_precision=round(both_darurat / predicted_darurat, 4) if predicted_darurat else 1.0,
        examples=total,
        category_confusion=confusion,
        missed_emergencies=missed,
        urgency_confusion=urgency_confusion,
    )
