"""The active triage model for the tests: trained once per test session from the
shipped corpus, exactly as a new installation trains it on first use."""

import pytest

from kamtibmas.triage.classifier import active_model


@pytest.fixture(scope="session")
def model():
    return active_model()
