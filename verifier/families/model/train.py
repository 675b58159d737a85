"""Training (needs the `[train]` extra: scikit-learn): employer-grouped cross-validation of
candidate models, Platt calibration on out-of-fold scores, a threshold for a stated hold rate
on real postings, and the exported numpy artifact. Also fits the weak-signal sum."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from verifier.families.model.artifact import Scorer
from verifier.families.model.features import locate
from verifier.families.model.matrix import Rows, fit_idf, text_matrix
from verifier.families.signals.params import CUE_NAMES

Floats = npt.NDArray[np.float64]
Idx = npt.NDArray[np.int64]


@dataclass
class Fold:
    """Out-of-fold scores of one candidate under one split."""

    name: str
    oof: Floats
    auc: float
    ap: float


@dataclass
class Report:
    """What training measured, for the command's output and the artifact's card."""

    n: int
    positives: int
    employers: int
    folds: int
    grouped: list[Fold] = field(default_factory=list)
    random_split: list[Fold] = field(default_factory=list)
    chosen: str = ""
    hold_rate: float = 0.0
    threshold: float = 0.0
    recall_at_threshold: float = 0.0
    real_held_at_threshold: float = 0.0
    top_features: list[tuple[str, float]] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)

    def card(self) -> dict[str, Any]:
        """JSON-ready summary (stored in the artifact's meta)."""
        return {
            "n": self.n, "positives": self.positives, "employers": self.employers,
            "folds": self.folds, "chosen": self.chosen,
            "grouped_cv": {f.name: {"auc": round(f.auc, 4), "ap": round(f.ap, 4)}
                           for f in self.grouped},
            "random_cv": {f.name: {"auc": round(f.auc, 4), "ap": round(f.ap, 4)}
                          for f in self.random_split},
            "hold_rate_target": self.hold_rate,
            "oof_real_held": round(self.real_held_at_threshold, 4),
            "oof_fake_recall": round(self.recall_at_threshold, 4),
        }


def _cue_scaling(rows: Rows, idx: Idx) -> tuple[Floats, Floats]:
    """Cues scaled into [0, 1] by their largest training value (not standardized: a rare
    binary cue would become a huge value and stall the solver)."""
    top = rows.cues[idx].max(axis=0) if len(idx) else np.ones(rows.cues.shape[1])
    return np.zeros(rows.cues.shape[1]), np.where(top > 1e-9, top, 1.0)


def design(rows: Rows, idx: Idx, idf: Any, mean: Floats, scale: Floats, kind: str) -> Any:
    """The design matrix of a candidate: text, cues or both (cues standardized)."""
    from scipy.sparse import csr_matrix, hstack

    cues = csr_matrix((rows.cues[idx] - mean) / scale)
    if kind == "cues":
        return cues
    text = text_matrix(rows, idx, idf)
    return text if kind == "text" else hstack([text, cues], format="csr")


CANDIDATES = {
    "logreg_text+cues": ("both", "logreg"),
    "logreg_text": ("text", "logreg"),
    "logreg_cues": ("cues", "logreg"),
    "linear_svm_text+cues": ("both", "svm"),
    "gboost_cues": ("cues", "gboost"),
}


def _estimator(algo: str, c: float) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if algo == "logreg":
        return LogisticRegression(C=c, class_weight="balanced", max_iter=1000, solver="liblinear",
                                  dual=True, tol=1e-3)
    if algo == "svm":
        return LinearSVC(C=c / 10, class_weight="balanced", max_iter=500, tol=1e-3)
    return HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, max_iter=200,
                                          class_weight="balanced", random_state=0)


def _decision(est: Any, x: Any) -> Floats:
    if hasattr(est, "decision_function"):
        return np.asarray(est.decision_function(x), dtype=np.float64)
    proba = est.predict_proba(x.toarray() if hasattr(x, "toarray") else x)[:, 1]
    return np.asarray(np.log(proba + 1e-9) - np.log(1 - proba + 1e-9), dtype=np.float64)


def fit_one(rows: Rows, idx: Idx, kind: str, algo: str, c: float) -> tuple[Any, Any, Floats,
                                                                          Floats]:
    """Fit a candidate on `idx`; returns (estimator, idf, cue mean, cue scale)."""
    idf = fit_idf(rows, idx) if kind != "cues" else None
    mean, scale = _cue_scaling(rows, idx)
    x = design(rows, idx, idf, mean, scale, kind)
    est = _estimator(algo, c)
    est.fit(x.toarray() if algo == "gboost" else x, rows.y[idx])
    return est, idf, mean, scale


def cross_validate(rows: Rows, splits: list[tuple[Idx, Idx]], name: str, c: float,
                   progress: Callable[[str], None] | None = None) -> Fold:
    """Out-of-fold decision values of one candidate, with ROC AUC and average precision."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    kind, algo = CANDIDATES[name]
    oof = np.zeros(len(rows.y))
    for train, test in splits:
        if progress is not None:
            progress(name)
        est, idf, mean, scale = fit_one(rows, train, kind, algo, c)
        x = design(rows, test, idf, mean, scale, kind)
        oof[test] = _decision(est, x.toarray() if algo == "gboost" else x)
    return Fold(name, oof, float(roc_auc_score(rows.y, oof)),
                float(average_precision_score(rows.y, oof)))


def grouped_splits(rows: Rows, folds: int) -> list[tuple[Idx, Idx]]:
    """Folds grouped by employer (no employer in both the training and the test part of a
    fold), stratified so every fold holds both labels (StratifiedGroupKFold)."""
    from sklearn.model_selection import StratifiedGroupKFold

    n = len(rows.y)
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    out = [(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
           for a, b in cv.split(np.zeros(n), rows.y, rows.groups)]
    for a, b in out:
        if len(set(rows.y[a].tolist())) < 2 or len(set(rows.y[b].tolist())) < 2:
            raise ValueError("a fold holds only one label: too few employers of one label "
                             f"for {folds} employer-grouped folds")
    return out


def random_splits(rows: Rows, folds: int) -> list[tuple[Idx, Idx]]:
    """Stratified random folds (for comparison only: they overstate, employers leak)."""
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return [(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
            for a, b in skf.split(np.zeros(len(rows.y)), rows.y)]


def calibrate(oof: Floats, y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Platt scaling of out-of-fold scores: p = sigmoid(a·z + b)."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, max_iter=1000).fit(oof.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def threshold_for(p: Floats, y: npt.NDArray[np.int64], hold_rate: float) -> float:
    """The probability above which `hold_rate` of the real (y = 0) postings fall."""
    real = np.sort(p[y == 0])
    if not len(real):
        return 0.5
    q = float(np.quantile(real, 1.0 - hold_rate, method="higher"))
    return min(max(q + 1e-6, 1e-6), 1 - 1e-6)


def export(rows: Rows, est: Any, idf: Any, mean: Floats, scale: Floats, kind: str,
           calib: tuple[float, float], threshold: float, meta: dict[str, Any]) -> Scorer:
    """The fitted linear model as a numpy `Scorer` (text and cue coefficients)."""
    coef = np.asarray(est.coef_, dtype=np.float64).ravel()
    width = 2**rows.bits
    text = coef[:width] if kind != "cues" else np.zeros(width)
    cue = coef[-len(CUE_NAMES):] if kind != "text" else np.zeros(len(CUE_NAMES))
    return Scorer(rows.bits, (idf if idf is not None else np.ones(width)).astype(np.float32),
                  text.astype(np.float32), CUE_NAMES, cue, mean, scale,
                  float(np.asarray(est.intercept_).ravel()[0]), calib[0], calib[1], threshold,
                  meta)


def top_features(rows: Rows, texts: list[dict[str, str]], scorer: Scorer,
                 k: int = 25) -> list[tuple[str, float]]:
    """The k text buckets (named by their commonest n-gram) and cues with the largest
    positive weights: what the model leans on."""
    order = np.argsort(-scorer.coef)[:k]
    wanted = set(order.tolist())
    names: dict[int, Counter[str]] = {b: Counter() for b in wanted}
    for g, t_row in zip(rows.grams, texts, strict=True):
        hits = np.flatnonzero(np.isin(g.buckets, order))
        for i in hits.tolist():
            f, s, e = locate(g, i)
            names[int(g.buckets[i])][f"{f}:{t_row[f][s:e]}"] += 1
    out = [(names[b].most_common(1)[0][0] if names[b] else f"bucket {b}",
            float(scorer.coef[b])) for b in order]
    out += [(f"cue:{n}", float(c)) for n, c in zip(CUE_NAMES, scorer.cue_coef, strict=True)]
    return sorted(out, key=lambda kv: -kv[1])[:k]
