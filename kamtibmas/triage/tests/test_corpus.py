"""The labelled corpus and its fixed split (docs/triage-labelling.md)."""

from collections import Counter

from kamtibmas.triage.taxonomy import Category, Urgency
from kamtibmas.triage.training import corpus_load, corpus_split, held_out

EXAMPLES = corpus_load()


def test_the_corpus_is_large_and_covers_every_code():
    assert len(EXAMPLES) >= 2400
    categories = Counter(e.category for e in EXAMPLES)
    urgencies = Counter(e.urgency for e in EXAMPLES)
    assert set(categories) == set(Category.values)
    assert set(urgencies) == set(Urgency.values)
    assert min(categories.values()) >= 150
    pairs = Counter((e.category, e.urgency) for e in EXAMPLES)
    assert all(pairs[(c, "darurat")] > 0 for c in Category.values)


def test_ids_and_texts_are_unique():
    assert len({e.id for e in EXAMPLES}) == len(EXAMPLES)
    assert len({e.text.strip().lower() for e in EXAMPLES}) == len(EXAMPLES)


def test_the_split_is_fixed_by_id_and_about_a_fifth():
    train, test = corpus_split(EXAMPLES)
    assert {e.id for e in train}.isdisjoint({e.id for e in test})
    assert len(train) + len(test) == len(EXAMPLES)
    assert 0.15 < len(test) / len(EXAMPLES) < 0.25
    assert all(held_out(e.id) for e in test) and not any(held_out(e.id) for e in train)
    # Adding texts never moves old ones: membership depends on the id alone.
    assert held_out("A-0001") == held_out("A-0001")
    assert sorted(e.id for e in corpus_split(list(reversed(EXAMPLES)))[1]) == sorted(
        e.id for e in test
    )
