"""Fitting the weak-signal sum (`rules/signals/weights.toml`) on labels, employer-grouped."""

from __future__ import annotations

from typing import Any

import numpy as np

from verifier.families.model.matrix import Rows
from verifier.families.model.train import threshold_for
from verifier.families.signals.params import CUE_NAMES


def fit_signals(rows: Rows, splits: list[tuple[Any, Any]], hold_rate: float) -> dict[str, Any]:
    """Non-negative logistic weights on the raw (capped) cue values; grouped out-of-fold AUC, the
    threshold holding `hold_rate` of real postings out of fold, and the fakes it catches."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score

    def fit(idx: Any) -> tuple[LogisticRegression, np.ndarray]:
        """Fit, then drop every cue whose weight came out negative and refit, until none
        is: a cue may add suspicion, never vouch for a posting."""
        keep = np.ones(len(CUE_NAMES), dtype=bool)
        while True:
            m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
            m.fit(rows.cues[idx][:, keep], rows.y[idx])
            neg = m.coef_[0] < 0
            if not neg.any():
                return m, keep
            keep[np.flatnonzero(keep)[neg]] = False
            if not keep.any():
                return m, keep

    oof = np.zeros(len(rows.y))
    for train, test in splits:
        m, keep = fit(train)
        oof[test] = m.predict_proba(rows.cues[test][:, keep])[:, 1] if keep.any() else 0.5
    final, keep = fit(np.arange(len(rows.y)))
    weights = np.zeros(len(CUE_NAMES))
    if keep.any():
        weights[keep] = final.coef_[0]
    threshold = threshold_for(oof, rows.y, hold_rate)
    # The final model's probabilities are on the same (balanced) scale as the folds'.
    held = oof >= threshold
    return {
        "bias": float(final.intercept_[0]),
        "weights": {n: float(w) for n, w in zip(CUE_NAMES, weights, strict=True)},
        "threshold": threshold,
        "auc": float(roc_auc_score(rows.y, oof)),
        "ap": float(average_precision_score(rows.y, oof)),
        "real_held": float(held[rows.y == 0].mean()) if (rows.y == 0).any() else 0.0,
        "fake_recall": float(held[rows.y == 1].mean()) if (rows.y == 1).any() else 0.0,
        "fired": {n: [int((rows.cues[rows.y == 0, i] > 0).sum()),
                      int((rows.cues[rows.y == 1, i] > 0).sum())]
                  for i, n in enumerate(CUE_NAMES)},
    }


def weights_toml(fit: dict[str, Any], source: str, hold_rate: float) -> str:
    """The weights file, with the reason and the figures it was fitted to as comments."""
    lines = [
        "# The weak-signal sum (verifier/families/signals/check.py): p = sigmoid(bias + Σ w·value)",
        "# over the cue values (capped counts, cues.toml); `signals.sum` flags at p >= threshold.",
        "# Fitted by `verifier model train` (logistic regression, class-balanced) on:",
        f"#   {source}",
        f"# Employer-grouped out-of-fold ROC AUC {fit['auc']:.3f}, average precision "
        f"{fit['ap']:.3f}.",
        f"# Threshold chosen to hold {hold_rate:.1%} of real postings out of fold: it held "
        f"{fit['real_held']:.1%} of them and {fit['fake_recall']:.1%} of the fakes.",
        "# Why a reviewer would accept it: no cue decides alone; only postings where several",
        "# independent cues pile up reach a person, at a rate the review queue can absorb.",
        "# Weights are fitted non-negative (a cue may add suspicion, never vouch for a posting):",
        "# a cue at 0 was commoner on real postings than on fakes in these labels (noisy labels,",
        "# docs/evaluation.md) and was refitted out; it is still shown as information.",
        f"bias = {fit['bias']:.6f}",
        f"threshold = {fit['threshold']:.6f}",
        "",
        "[weights]",
    ]
    for name in CUE_NAMES:
        real, fake = fit["fired"][name]
        lines.append(f"{name} = {fit['weights'][name]:.6f}  # fired on {real} real, {fake} fake")
    return "\n".join(lines) + "\n"
