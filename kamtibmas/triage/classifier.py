"""The triage component every caller uses (§5, §6): ``triage(text)``.

The active model is ``<KAMTIBMAS_DATA_DIR>/triage/model.json``. When it is missing
(a new installation) it is trained from the corpus shipped in the package on first
use, held out part excluded, and saved there; nothing is ever downloaded.
``kamtibmas train_triage`` retrains with officers' corrections and replaces the
active model only when the new one is at least as good on the held-out part.

With ``KAMTIBMAS_TRIAGE_CACHE_DIR`` set (the test settings do, never production),
that first model is also kept there under a key naming everything it is made from,
so a machine trains it once, not once per test process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import platform
import threading
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from django.conf import settings

from kamtibmas.triage.model import ModelFormatError, TriageModel
from kamtibmas.triage.rules import responsible_body
from kamtibmas.triage.training import (
    CORPUS_DIR,
    corpus_load,
    corpus_split,
    model_evaluate,
    model_train,
)

logger = logging.getLogger(__name__)
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


# Initial models kept in KAMTIBMAS_TRIAGE_CACHE_DIR (a few MB each).
CACHE_KEEP = 4


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "triage" / "model.json"


def model_build_initial(path: Path) -> TriageModel:
    """Train from the shipped corpus (training part only), record its held-out
    scores, save it to ``path``."""
    cache_dir = getattr(settings, "KAMTIBMAS_TRIAGE_CACHE_DIR", None)
    model = _model_initial_cached(Path(cache_dir)) if cache_dir else _model_train_initial()
    model.save(path)
    return model


def _model_initial_cached(cache_dir: Path) -> TriageModel:
    """The initial model from ``cache_dir``, trained and stored there if missing.
    Processes asking at the same time (parallel test workers) wait for the first
    one's training instead of repeating it."""
    cached = cache_dir / f"initial-{_initial_model_key()}.json"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        lock = cached.with_suffix(".lock").open("a")
    except OSError:  # nowhere to keep it
        return _model_train_initial()
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        with contextlib.suppress(OSError, ValueError, KeyError):
            return TriageModel.load(cached)
        model = _model_train_initial()
        with contextlib.suppress(OSError):
            model.save(cached)  # through a temporary file: never seen half written
            # Only the newest few: each change of the corpus or the code makes one.
            kept = sorted(cache_dir.glob("initial-*.json"), key=lambda p: p.stat().st_mtime)
            for stale in kept[:-CACHE_KEEP]:
                stale.unlink(missing_ok=True)
        return model


def _files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


# The code this process runs, as it was when imported (a file edited since then
# must not name a model trained by the old code).
_CODE_DIGEST = _files_digest(sorted(Path(__file__).resolve().parent.glob("*.py")))


def _initial_model_key() -> str:
    """A digest of everything the initial model is made from: the corpus, this
    package's code, and the versions of Python and of the libraries that train it."""
    digest = hashlib.sha256(_CODE_DIGEST.encode())
    digest.update(_files_digest(sorted(CORPUS_DIR.glob("part_*.jsonl"))).encode())
    for library in ("numpy", "scipy", "scikit-learn"):
        digest.update(f"\0{library}={metadata.version(library)}".encode())
    digest.update(f"\0{platform.python_version()}".encode())
    return digest.hexdigest()[:32]


def _model_train_initial() -> TriageModel:
    train, test = corpus_split(corpus_load())
    model = model_train(train)
    scores = model_evaluate(model, test).as_dict()
    return model.with_info(heldout=scores)


def active_model() -> TriageModel:
    """The active model, loaded once per process (trained on first use)."""
    path = model_path()
    model = _loaded.get(path)
    if model is not None:
        return model
    with _lock:
        model = _loaded.get(path)
        if model is None:
            model = _model_load_or_build(path)
            _loaded[path] = model
    return model


def _model_load_or_build(path: Path) -> TriageModel:
    if not path.exists():
        return model_build_initial(path)
    try:
        return TriageModel.load(path)
    except ModelFormatError:
        # Written by an older version of this code: the corpus-trained model of this
        # version replaces it; officers' corrections come back with train_triage.
        logger.warning(
            "The triage model at %s is from an older version; training a new one. "
            "Run `kamtibmas train_triage` to include officers' corrections again.",
            path,
        )
        return model_build_initial(path)


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


def triage(text: str, *, explain: bool = True) -> TriageResult:
    """Category, urgency, responsible body, confidence and the words behind them
    (left empty without ``explain``: intake stores no explanation, and finding the
    words is a tenth of the classifying).

    Text with no word the model knows (empty, emoji, markup only, another language)
    is ``lainnya`` with confidence 0 (``rendah``, unless a must-catch phrase says
    ``darurat``)."""
    result = active_model().classify(text or "", explain=explain)
    return TriageResult(
        category=result.category,
        urgency=result.urgency,
        responsible=responsible_body(result.category, text or ""),
        confidence=result.confidence,
        explanation={"category": result.category_words, "urgency": result.urgency_words},
    )
