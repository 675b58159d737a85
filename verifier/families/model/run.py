"""One training run, end to end: labels → features → grouped CV → calibrated artifact."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from verifier.families.model.artifact import Scorer
from verifier.families.model.data import load_examples
from verifier.families.model.features import FIELDS
from verifier.families.model.matrix import featurize, registry_records
from verifier.families.model.signals_fit import fit_signals, weights_toml
from verifier.families.model.train import (
    CANDIDATES,
    Report,
    calibrate,
    cross_validate,
    export,
    fit_one,
    grouped_splits,
    random_splits,
    threshold_for,
    top_features,
)
from verifier.families.signals.check import load_cues
from verifier.pack import PackReader, RulePackError
from verifier.settings import Settings
from verifier.text.normalize import posting_text

SERVABLE = ("logreg_text+cues", "logreg_text", "logreg_cues", "linear_svm_text+cues")
"""Candidates the numpy scorer can serve (linear); the others are reported for comparison."""


@dataclass(frozen=True)
class TrainConfig:
    """Inputs of a training run."""

    labels: list[Path]
    mapping: Path | None
    registry: Path | None
    registry_mapping: Path | None
    hold_rate: float
    folds: int
    bits: int
    c: float
    name: str
    models: tuple[str, ...] = ()
    """Candidates to cross-validate (empty: all of `CANDIDATES`)."""
    signals_hold_rate: float = 0.01


def run_training(cfg: TrainConfig, settings: Settings, pack: PackReader,
                 progress: Callable[[str], None] | None = None) -> tuple[Scorer, Report, str]:
    """Train, cross-validate by employer, calibrate, pick the threshold, export."""
    cues = load_cues(pack)
    if pack.issues:
        raise RulePackError(pack.issues)
    examples = load_examples(cfg.labels, cfg.mapping)
    y = np.array([e.y for e in examples])
    groups = {e.group for e in examples}
    if len(groups) < cfg.folds or y.sum() < cfg.folds or (1 - y).sum() < cfg.folds:
        raise ValueError(f"too few labelled examples for {cfg.folds} folds: {len(examples)} "
                         f"postings, {int(y.sum())} positive, {len(groups)} employers")
    if progress is not None:
        progress(f"{len(examples)} examples; resolving employers")
    facts = registry_records(examples, settings, cfg.registry, cfg.registry_mapping)
    rows = featurize(examples, facts, cues, cfg.bits)
    splits = grouped_splits(rows, cfg.folds)
    rand = random_splits(rows, cfg.folds)
    report = Report(len(examples), int(y.sum()), len(groups), cfg.folds)
    names = cfg.models or tuple(CANDIDATES)
    if not any(n in SERVABLE for n in names):
        raise ValueError(f"--models needs at least one linear candidate: {', '.join(SERVABLE)}")
    for name in names:
        report.grouped.append(cross_validate(rows, splits, name, cfg.c, progress))
        report.random_split.append(cross_validate(rows, rand, name, cfg.c, progress))
    best = max((f for f in report.grouped if f.name in SERVABLE), key=lambda f: f.auc)
    report.chosen = best.name
    a, b = calibrate(best.oof, rows.y)
    p = 1.0 / (1.0 + np.exp(-(a * best.oof + b)))
    threshold = threshold_for(p, rows.y, cfg.hold_rate)
    report.hold_rate = cfg.hold_rate
    report.threshold = threshold
    report.real_held_at_threshold = float((p[rows.y == 0] >= threshold).mean())
    report.recall_at_threshold = float((p[rows.y == 1] >= threshold).mean())
    kind, algo = CANDIDATES[best.name]
    est, idf, mean, scale = fit_one(rows, np.arange(len(rows.y)), kind, algo, cfg.c)
    meta = {"name": cfg.name, "trained": datetime.now(UTC).date().isoformat(),
            "data": [{"file": p_.name, "sha256": _sha(p_)} for p_ in cfg.labels],
            "rules_cues_sha256": _sha_bytes(pack.files.get("signals/cues.toml", b"")),
            "cv": report.card(), "C": cfg.c}
    scorer = export(rows, est, idf, mean, scale, kind, (a, b), threshold, meta)
    texts = [{f: posting_text(e.posting).view(f).norm for f in FIELDS} for e in examples]
    report.top_features = top_features(rows, texts, scorer)
    fit = fit_signals(rows, splits, cfg.signals_hold_rate)
    report.signals = {k: v for k, v in fit.items() if k != "fired"}
    source = ", ".join(f"{p_.name} (sha256 {_sha(p_)})" for p_ in cfg.labels)
    return scorer, report, weights_toml(fit, source, cfg.signals_hold_rate)


def _sha(path: Path) -> str:
    return _sha_bytes(path.read_bytes())


def _sha_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]
