"""The triage component every caller uses (§5, §6): ``triage(text)``.

The active model is ``<KAMTIBMAS_DATA_DIR>/triage/model.json``. When it is missing
(a new installation) it is trained from the corpus shipped in the package on first
use, held out part excluded, and saved there; nothing is ever downloaded.
``kamtibmas train_triage`` retrains with officers' corrections and replaces the
active model only when the new one is at least as good on the held-out part.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from kamtibmas.triage.model import TriageModel
from kamtibmas.triage.rules import responsible_body
from kamtibmas.triage.training import corpus_load, corpus_split, model_evaluate, model_train

_lock = threading.Lock()
_loaded: dict[Path, TriageModel] = {}


@dataclass(frozen=True)
class TriageResult:
    category: str
    urgency: str
    responsible: str
    confidence: float
    explanation: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "triage" / "model.json"


def model_build_initial(path: Path) -> TriageModel:
    """Train from the shipped corpus (training part only), record its held-out
    scores, save it to ``path``."""
    train, test = corpus_split(corpus_load())
    model = model_train(train)
    scores = model_evaluate(model, test).as_dict()
    model = TriageModel(
        category=model.category,
        urgency=model.urgency,
        darurat_threshold=model.darurat_threshold,
        info={**model.info, "heldout": scores},
    )
    model.save(path)
    return model


def active_model() -> TriageModel:
    """The active model, loaded once per process (trained on first use)."""
    path = model_path()
    model = _loaded.get(path)
    if model is not None:
        return model
    with _lock:
        model = _loaded.get(path)
        if model is None:
            model = TriageModel.load(path) if path.exists() else model_build_initial(path)
            _loaded[path] = model
    return model


def model_activate(model: TriageModel) -> None:
    """Make ``model`` the active one, for this process and (through the file) others."""
    path = model_path()
    with _lock:
        model.save(path)
        _loaded[path] = model


def forget_loaded_model() -> None:
    """Other processes notice a new model file when they restart; tests call this."""
    with _lock:
        _loaded.clear()


def triage(text: str) -> TriageResult:
    """Category, urgency, responsible body, confidence and the words behind them.

    Text with no word the model knows (empty, emoji, markup only, another language)
    is ``lainnya`` with confidence 0 (``rendah``, unless a must-catch phrase says
    ``darurat``)."""
    result = active_model().classify(text or "")
    return TriageResult(
        category=result.category,
        urgency=result.urgency,
        responsible=responsible_body(result.category, text or ""),
        confidence=result.confidence,
        explanation={"category": result.category_words, "urgency": result.urgency_words},
    )
