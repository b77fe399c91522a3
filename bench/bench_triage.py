"""Triage (P8) and duplicate detection: quality on held-out text, and speed.

    .venv/bin/python bench/bench_triage.py

Quality: the model is trained on the corpus's training part exactly as a new
installation trains it, and scored on the held-out part it never saw: macro-F1 of
the category, accuracy of the urgency, recall and precision of ``darurat``, and the
category confusion matrix. Duplicates: the threshold of ``textsearch`` on the
labelled pairs of ``triage/corpus/duplicates.jsonl``.

Speed, on one core (``OMP_NUM_THREADS=1``, one process): texts classified per
second, against a baseline measured in the same run, B0 = splitting the same texts
into lower-case words with one regular expression (the least any triage must do);
and the time to rank 10,000 open cases against a new text (target ≤ 50 ms).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import random
import re
import statistics
import tempfile
import time

from benchenv import machine

ROUNDS = 5
CANDIDATES = 10_000


def _rate(function, texts: list[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamtibmas.config.settings.base")
    os.environ.setdefault("KAMTIBMAS_DATA_DIR", tempfile.mkdtemp(prefix="kamtibmas-bench-"))
    django.setup()
    from kamtibmas.triage import textsearch
    from kamtibmas.triage.training import (
        CORPUS_DIR,
        corpus_load,
        corpus_split,
        model_evaluate,
        model_train,
    )

    print(f"machine: {machine()}")
    train, test = corpus_split(corpus_load())
    started = time.perf_counter()
    model = model_train(train)
    trained = time.perf_counter() - started
    again = model_train(train)
    identical = again.category == model.category and again.urgency == model.urgency
    scores = model_evaluate(model, test)
    print(f"corpus: {len(train)} training texts, {len(test)} held out; trained in {trained:.1f} s")
    print(f"identical model when trained twice: {identical}")
    print(f"category macro-F1 (held out): {scores.category_macro_f1:.3f}   target >= 0.85")
    print(f"category accuracy:            {scores.category_accuracy:.3f}")
    print(f"urgency accuracy:             {scores.urgency_accuracy:.3f}")
    print(
        f"darurat recall / precision:   {scores.darurat_recall:.3f} / "
        f"{scores.darurat_precision:.3f}   targets >= 0.95 / >= 0.6"
    )
    if scores.missed_emergencies:
        print(f"missed emergencies: {', '.join(scores.missed_emergencies)}")
    for title, confusion in (
        ("category", scores.category_confusion),
        ("urgency", scores.urgency_confusion),
    ):
        names = list(confusion)
        print(f"{title} confusion (rows: truth, columns: predicted):")
        print(" " * 12 + " ".join(f"{n[:5]:>5}" for n in names))
        for truth in names:
            row = confusion[truth]
            print(f"{truth:>11} " + " ".join(f"{row[p]:>5}" for p in names))

    texts = [e.text for e in test] * 4
    words = re.compile(r"\w+")
    baseline = _rate(lambda text: words.findall(text.lower()), texts)
    rate = _rate(lambda text: model.classify(text, explain=False), texts)
    explained = _rate(model.classify, texts)
    print(
        f"classify: {rate:,.0f} texts/s on one core (target >= 2,000), "
        f"{explained:,.0f} texts/s with explanations; B0 {baseline:,.0f} texts/s; "
        f"ratio {rate / baseline:.3f} x B0"
    )

    pairs = [
        json.loads(line)
        for line in (CORPUS_DIR / "duplicates.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    right = tp = fp = fn = 0
    for pair in pairs:
        score = textsearch.similarity(textsearch.terms(pair["a"]), textsearch.terms(pair["b"]))
        said = score >= textsearch.DUPLICATE_THRESHOLD
        right += said == pair["duplicate"]
        tp += said and pair["duplicate"]
        fp += said and not pair["duplicate"]
        fn += (not said) and pair["duplicate"]
    print(
        f"duplicates on {len(pairs)} labelled pairs at threshold "
        f"{textsearch.DUPLICATE_THRESHOLD}: accuracy {right / len(pairs):.3f}, "
        f"precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, tp + fn):.3f}"
    )
    rng = random.Random(20250731)
    corpus_texts = [e.text for e in train]
    candidates = [
        (i, textsearch.index_text(f"{rng.choice(corpus_texts)} RT {rng.randint(1, 20)}"))
        for i in range(CANDIDATES)
    ]
    index = textsearch.DuplicateIndex(candidates)
    queries = [e.text for e in test[:50]]
    timings = []
    for query in queries:
        start = time.perf_counter()
        index.rank(query, limit=5)
        timings.append((time.perf_counter() - start) * 1000)
    print(
        f"duplicate search among {CANDIDATES:,} open cases: median "
        f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms (target <= 50 ms)"
    )


if __name__ == "__main__":
    main()
