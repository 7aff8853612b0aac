"""The learned fit model: trained on past matches' outcomes ("lasted six months or longer"), calibrated, versioned.

Store: one folder per version under settings.MATCHING_MODEL_DIR, holding `model.joblib` and `metadata.json`
(version, when, how many matches, held-out ROC AUC of the model and of the rule score alone), and a file
`current.json` naming the version in use. A file store, not a table: a model is a few hundred kilobytes of
binary written by one command and read by every process, versions are kept side by side so going back is
editing one small file, and nothing about it needs a transaction. Without `current.json` there is no model and
the rule score stands (engine.propose with model=None).

joblib files are pickles: only files this project's own command wrote, in its own directory, are ever loaded.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from django.conf import settings
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from matching.engine import (
    COMMON_LANGUAGE,
    DAY_PARTS,
    EXPERIENCES,
    INTEREST_WORDS,
    LANGUAGES,
    MODEL_FEATURES,
    MODEL_SHARE,
    Candidate,
    CandidatePool,
    Request,
    pair_factors,
    rule_scores,
)

CURRENT = "current.json"
# A match "lasted" when it ran at least this many days from its start: the outcome the model learns.
LASTED_DAYS = 182


@dataclass(frozen=True)
class History:
    """Past matches as the model sees them: feature rows (MODEL_FEATURES), outcomes (1 = lasted), rule scores."""

    features: NDArray[np.float64]
    lasted: NDArray[np.int64]
    rule: NDArray[np.float64]
    source: str


@dataclass(frozen=True)
class LoadedModel:
    """A trained model from the store, as engine.FitModel."""

    version: str
    estimator: Any
    metadata: dict[str, Any]

    @property
    def max_probability(self) -> float:
        """The highest probability the model can give (the top of its isotonic calibration)."""
        return float(self.metadata.get("max_probability", 1.0))

    def probability(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        # One thread: proposals are asked for a few hundred rows at a time, and on a busy machine OpenMP threads
        # waiting for each other cost more than they save.
        with threadpool_limits(limits=1, user_api="openmp"):
            return np.asarray(self.estimator.predict_proba(features)[:, 1], dtype=np.float64)


def model_dir() -> Path:
    return Path(settings.MATCHING_MODEL_DIR)


def train(history: History, *, seed: int = 0, test_share: float = 0.25) -> tuple[Any, dict[str, Any]]:
    """Fit a gradient-boosted classifier with isotonic calibration (3-fold) on three quarters of the history and
    measure it on the rest, beside the rule score alone. The model measured is the model kept: its AUC is not
    that of a sibling refitted on more data. Returns (estimator, metrics)."""
    if len(set(history.lasted.tolist())) < 2:
        raise ValueError("The history needs matches that lasted and matches that did not.")
    train_rows, test_rows = train_test_split(
        np.arange(len(history.lasted)), test_size=test_share, random_state=seed, stratify=history.lasted
    )
    # One OpenMP thread: the history is small, and on a busy machine threads fighting over cores made training
    # twenty times slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        estimator = _estimator(seed).fit(history.features[train_rows], history.lasted[train_rows])
    probability = estimator.predict_proba(history.features[test_rows])[:, 1]
    blend = (1.0 - MODEL_SHARE) * history.rule[test_rows] + MODEL_SHARE * probability
    metrics = {
        "n": len(history.lasted),
        "n_train": len(train_rows),
        "n_test": len(test_rows),
        "lasted_share": round(float(history.lasted.mean()), 4),
        "roc_auc_model": round(float(roc_auc_score(history.lasted[test_rows], probability)), 4),
        "roc_auc_rule": round(float(roc_auc_score(history.lasted[test_rows], history.rule[test_rows])), 4),
        # What the engine ranks by: the rule score with the model blended in.
        "roc_auc_blend": round(float(roc_auc_score(history.lasted[test_rows], blend)), 4),
        "max_probability": _max_probability(estimator),
    }
    return estimator, metrics


def _max_probability(estimator: Any) -> float:
    """The top of the isotonic calibration: no row can get a higher probability (1.0 if it cannot be read)."""
    try:
        return float(max(c.y_thresholds_.max() for c in estimator.calibrated_classifiers_[0].calibrators))
    except (AttributeError, IndexError, ValueError):
        return 1.0


def _estimator(seed: int) -> Any:
    # Boosted trees find what a weighted sum cannot (a distance that suddenly becomes too far, needs that matter
    # only when there are any); isotonic calibration makes the output a probability the blend can rely on.
    # ensemble=False: one model on all data, calibrated on cross-validated predictions, so predicting is one pass.
    boosted = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15, random_state=seed)
    return CalibratedClassifierCV(boosted, method="isotonic", cv=3, ensemble=False)


def save(
    estimator: Any, metrics: dict[str, Any], *, source: str, directory: Path | None = None, make_current: bool = True
) -> str:
    """Store a trained model as a new version and, with `make_current`, make it the one in use; returns its
    version id."""
    directory = directory or model_dir()
    trained_at = datetime.now(UTC)
    version = trained_at.strftime("%Y%m%dT%H%M%S%fZ")
    folder = directory / version
    folder.mkdir(parents=True, exist_ok=False)
    joblib.dump(estimator, folder / "model.joblib")
    metadata = {
        "version": version,
        "trained_at": trained_at.isoformat(),
        "source": source,
        "outcome": f"lasted {LASTED_DAYS} days or longer",
        "features": list(MODEL_FEATURES),
        "estimator": "HistGradientBoostingClassifier + CalibratedClassifierCV(isotonic, cv=3)",
        "scikit_learn": sklearn.__version__,
        **metrics,
    }
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
    if make_current:
        _write_atomically(directory / CURRENT, json.dumps({"version": version}))
    return version


def improves_on_rules(metrics: dict[str, Any]) -> bool:
    """Whether the blend ranked held-out matches at least as well as the rule score alone: only then is a new
    model put in use (a model learned from too little history can be worse than the rules)."""
    return bool(metrics["roc_auc_blend"] >= metrics["roc_auc_rule"])


def _write_atomically(path: Path, text: str) -> None:
    # Another process may be reading the pointer: it sees the old version or the new one, never half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".current-")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.replace(temporary, path)


_loaded: dict[Path, LoadedModel] = {}


def load_current(directory: Path | None = None) -> LoadedModel | None:
    """The current model, or None when none was trained (then the rule score stands). Cached per process until
    `current.json` names another version."""
    directory = directory or model_dir()
    pointer = directory / CURRENT
    if not pointer.exists():
        return None
    version = json.loads(pointer.read_text())["version"]
    cached = _loaded.get(directory)
    if cached is not None and cached.version == version:
        return cached
    folder = directory / version
    model = LoadedModel(
        version=version,
        estimator=joblib.load(folder / "model.joblib"),
        metadata=json.loads((folder / "metadata.json").read_text()),
    )
    _loaded[directory] = model
    return model


def history_from_pairs(pool: CandidatePool, pairs: list[tuple[Request, int, int]], *, source: str) -> History:
    """The history from (request, candidate id, lasted 0/1) triples: the features the engine would compute now."""
    rows = []
    for request, candidate_id, _lasted in pairs:
        factors, distance = pair_factors(pool, request, candidate_id)
        rows.append([*factors.tolist(), distance, float(request.child_age), 1.0 if request.needs else 0.0])
    features = np.asarray(rows, dtype=np.float64).reshape(-1, len(MODEL_FEATURES))
    return History(
        features=features,
        lasted=np.asarray([lasted for _r, _c, lasted in pairs], dtype=np.int64),
        rule=rule_scores(features[:, :6]),
        source=source,
    )


def synthetic_history(n: int = 4000, *, seed: int = 0) -> History:
    """A made-up match history for the demo and the tests: n past matches between families near Leiden and
    support families who passed the hard filters, with an outcome drawn from a hidden rule of thumb that the
    rule score only partly follows (distance stops working past about 12 km rather than fading; experience
    counts only when the child has needs; a shared language counts most for young children; shared interests
    most for teenagers; older teenagers drop out more). Never stored in the production tables."""
    rng = np.random.default_rng(seed)
    candidates = []
    pairs: list[tuple[Request, int, int]] = []
    for i in range(n):
        distance_km = float(rng.gamma(2.0, 5.0))
        bearing = rng.uniform(0, 2 * np.pi)
        lat = 52.16 + distance_km / 111.2 * np.cos(bearing)
        lon = 4.49 + distance_km / (111.2 * np.cos(np.radians(52.16))) * np.sin(bearing)
        asked = frozenset(
            {(4, "overnight"), (5, "overnight")} if rng.random() < 0.5 else {(day, "afternoon") for day in range(5)}
        )
        free = frozenset(
            (int(day), DAY_PARTS[int(part)])
            for day, part in zip(rng.integers(0, 7, 6), rng.integers(0, 4, 6), strict=True)
        ) | {sorted(asked)[int(rng.integers(len(asked)))]}
        needs = tuple(rng.choice(EXPERIENCES, size=int(rng.integers(0, 3)), replace=False).tolist())
        experience = tuple(rng.choice(EXPERIENCES, size=int(rng.integers(0, 4)), replace=False).tolist())
        home = (COMMON_LANGUAGE, *rng.choice(LANGUAGES[2:6], size=int(rng.integers(0, 2))).tolist())
        speaks = (COMMON_LANGUAGE, *rng.choice(LANGUAGES[1:6], size=int(rng.integers(0, 3))).tolist())
        child_interests = " ".join(rng.choice(INTEREST_WORDS, size=int(rng.integers(0, 3)), replace=False).tolist())
        their_interests = " ".join(rng.choice(INTEREST_WORDS, size=int(rng.integers(0, 4)), replace=False).tolist())
        age = int(rng.integers(4, 18))
        candidates.append(
            Candidate(
                id=i,
                latitude=float(lat),
                longitude=float(lon),
                travel_radius_km=50,
                capacity_left=1,
                availability=free,
                experience=experience,
                interests=their_interests,
                languages=speaks,
                beds=2,
            )
        )
        request = Request(
            latitude=52.16,
            longitude=4.49,
            child_age=age,
            id=i,
            needs=needs,
            interests=child_interests,
            languages=home,
            asked=asked,
        )
        pairs.append((request, i, 0))
    pool = CandidatePool.from_candidates(candidates)
    history = history_from_pairs(pool, pairs, source="synthetic")
    f = {name: history.features[:, i] for i, name in enumerate(MODEL_FEATURES)}
    logit = (
        0.5
        - 0.25 * np.maximum(f["distance_km"] - 12.0, 0.0)
        + 1.0 * (f["availability"] - 0.5)
        + 2.0 * f["has_needs"] * (f["needs"] - 0.5)
        + 1.6 * (f["child_age"] < 10) * (f["languages"] - 0.75)
        + 1.4 * (f["child_age"] >= 12) * f["interests"]
        - 0.8 * (f["child_age"] >= 15)
    )
    lasted = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return History(history.features, lasted, history.rule, "synthetic")
