"""The active triage model for the tests, exactly as a new installation gets it on
first use: trained from the shipped corpus. The test settings keep that model in a
cache, keyed by the corpus and the code, so a machine trains it once;
``test_training_is_deterministic`` and the ``train_triage`` tests train for real."""

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from kamtibmas.triage.classifier import active_model, forget_loaded_model, model_path
from kamtibmas.triage.model import TriageModel
from kamtibmas.triage.training import Example


@pytest.fixture(scope="session")
def model():
    return active_model()


@pytest.fixture
def active_model_restored(model) -> Iterator[None]:
    """Put the session's model back after a test that replaces it, so that the tests
    running after it in the same process (any order, any worker) see the same model."""
    saved = model_path().read_bytes()
    yield
    model_path().write_bytes(saved)
    forget_loaded_model()


@pytest.fixture
def trainings_remembered(monkeypatch) -> None:
    """``train_triage`` run again on the same texts in one test gets the model it
    trained the first time instead of training it again (half a minute): training is
    deterministic, which ``test_training_is_deterministic`` checks by training twice."""
    from kamtibmas.triage.management.commands import train_triage

    train = train_triage.model_train
    trained: dict[tuple[Example, ...], TriageModel] = {}

    def remembered(examples: Sequence[Example], **options: Any) -> TriageModel:
        if options:
            return train(examples, **options)
        key = tuple(examples)
        if key not in trained:
            trained[key] = train(examples)
        return trained[key]

    monkeypatch.setattr(train_triage, "model_train", remembered)
