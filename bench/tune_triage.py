"""Choose the triage category model's settings by cross-validation on the training part.

    .venv/bin/python bench/tune_triage.py

The held-out part of the corpus (``training.held_out``) is never read here: every
setting is scored by stratified 5-fold cross-validation on the training part only,
with the rarity table (``features.Idf``) and the rare-feature filter refitted inside
each fold, exactly as ``training.model_train`` does on the whole training part. The
report lists each setting's mean macro-F1 of the category and its spread over the
folds, best first. ``features.KIND_WEIGHTS`` and ``training.ALPHA_CATEGORY`` are the
best row, copied by hand (ties within the spread go to the simpler, faster setting).

Measured on 2026-11-28 (2 vCPU AMD EPYC, Python 3.11.7): a linear SVM without
rarity weights 0.808 (the model until then), with them 0.820; ridge with rarity
weights 0.833; the topic cues of ``lexicon`` (t = 3) took ridge to 0.866. Some cues
were added after reading the out-of-fold errors of the training part, so that last
figure is optimistic; the held-out part (``bench/bench_triage.py``) is the honest one.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchenv import machine

FOLDS = 5


def _matrix(vectoriser, rows, *, fit: bool):
    matrix = vectoriser.fit_transform(rows) if fit else vectoriser.transform(rows)
    matrix.indices = matrix.indices.astype("int32")  # what the SVM's solver accepts
    matrix.indptr = matrix.indptr.astype("int32")
    return matrix


def _score(texts, labels, folds, make_model) -> tuple[float, float]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.metrics import f1_score

    from kamtibmas.triage.features import Idf
    from kamtibmas.triage.training import MIN_TEXTS, WEIGHT_DECIMALS

    scores = []
    for train_index, test_index in folds:
        idf = Idf.fit(
            [texts[i] for i in train_index], min_texts=MIN_TEXTS, decimals=WEIGHT_DECIMALS
        )
        train_rows = [
            {name: value for name, value in texts[i].values(idf).items() if name in idf.table}
            for i in train_index
        ]
        vectoriser = DictVectorizer(sort=True)
        model = make_model()
        model.fit(_matrix(vectoriser, train_rows, fit=True), [labels[i] for i in train_index])
        test_rows = [texts[i].values(idf) for i in test_index]
        predicted = model.predict(_matrix(vectoriser, test_rows, fit=False))
        scores.append(f1_score([labels[i] for i in test_index], predicted, average="macro"))
    return statistics.mean(scores), statistics.pstdev(scores)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamtibmas.config.settings.base")
    django.setup()
    from sklearn.linear_model import LogisticRegression, RidgeClassifier
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from kamtibmas.triage import features
    from kamtibmas.triage.training import ALPHA_CATEGORY, corpus_load, corpus_split

    train, _never_read = corpus_split(corpus_load())
    del _never_read
    train.sort(key=lambda e: e.id)
    labels = [e.category for e in train]
    texts = [features.featurise(e.text) for e in train]
    folds = list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0).split(texts, labels))
    models = {
        "ridge a=0.3": lambda: RidgeClassifier(alpha=0.3),
        "ridge a=0.5": lambda: RidgeClassifier(alpha=0.5),
        "ridge a=1": lambda: RidgeClassifier(alpha=1.0),
        "svm C=1": lambda: LinearSVC(C=1.0, random_state=0),
        "svm C=2": lambda: LinearSVC(C=2.0, random_state=0),
        "logistic C=30": lambda: LogisticRegression(C=30.0, max_iter=3000),
    }
    today = dict(features.KIND_WEIGHTS)
    started = time.perf_counter()
    results = []
    for (name, make_model), w, t in itertools.product(models.items(), [3.0, 5.0], [0.0, 3.0, 5.0]):
        features.KIND_WEIGHTS.update(today, w=w, t=t)
        mean, spread = _score(texts, labels, folds, make_model)
        results.append((mean, spread, name, w, t))
    features.KIND_WEIGHTS.update(today)
    results.sort(key=lambda r: -r[0])

    print("Triage category settings, 5-fold cross-validation on the training part")
    print(machine())
    print(
        f"training texts: {len(train)}; settings tried: {len(results)}; "
        f"{time.perf_counter() - started:.0f} s; today: ridge a={ALPHA_CATEGORY}, "
        f"kind weights {today} (w word, b pair, c characters, t topic cue)"
    )
    print(f"{'macro-F1':>8} {'±':>6}  {'model':<14} {'w':>4} {'t':>4}")
    for mean, spread, name, w, t in results:
        print(f"{mean:8.4f} {spread:6.4f}  {name:<14} {w:4.1f} {t:4.1f}")


if __name__ == "__main__":
    main()
