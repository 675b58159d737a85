"""Training on synthetic labels: grouped CV, the artifact, serving equals sklearn's scores."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from click.testing import CliRunner

from tests.factories import RULES
from tests.families.model.synthetic import write
from verifier.cli import main
from verifier.families.model.artifact import MAX_BYTES, load_scorer
from verifier.families.model.data import load_examples
from verifier.families.model.features import FIELDS, grams, tfidf
from verifier.families.model.matrix import featurize
from verifier.families.model.train import design, export, fit_one, grouped_splits
from verifier.families.signals.check import load_cues
from verifier.families.signals.params import CUE_NAMES
from verifier.pack import PackReader, RulePackError
from verifier.pipeline.facts import posting_text


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write(tmp_path_factory.mktemp("labels"))


def test_both_label_formats_load_with_employer_groups(files: list[Path]) -> None:
    ex = load_examples(files, None)
    assert len(ex) == 24 * 6
    assert {e.y for e in ex} == {0, 1}
    assert len({e.group for e in ex}) == 24


def test_grouped_folds_never_split_an_employer(files: list[Path]) -> None:
    ex = load_examples(files, None)
    rows = featurize(ex, [None] * len(ex), load_cues(PackReader(RULES)), 12)
    splits = grouped_splits(rows, 4)
    assert len(splits) == 4
    for train, test in splits:
        assert not {rows.groups[i] for i in train} & {rows.groups[i] for i in test}
    assert sorted(np.concatenate([t for _, t in splits]).tolist()) == list(range(len(ex)))


def test_served_score_equals_the_fitted_models(files: list[Path]) -> None:
    """The numpy scorer reproduces sklearn's decision function on the same postings."""
    ex = load_examples(files, None)
    cues = load_cues(PackReader(RULES))
    rows = featurize(ex, [None] * len(ex), cues, 12)
    idx = np.arange(len(ex))
    est, idf, mean, scale = fit_one(rows, idx, "both", "logreg", 1.0)
    want = est.decision_function(design(rows, idx, idf, mean, scale, "both"))
    scorer = export(rows, est, idf, mean, scale, "both", (1.0, 0.0), 0.5, {})
    for i in (0, 7, 50, 100):
        text = posting_text(ex[i].posting)
        g = grams([(f, text.view(f).norm) for f in FIELDS], scorer.bits)
        z = scorer.intercept + float((tfidf(g, scorer.idf) * scorer.coef[g.buckets]).sum())
        z += float((((rows.cues[i] - scorer.cue_mean) / scorer.cue_scale) * scorer.cue_coef).sum())
        assert z == pytest.approx(want[i], abs=1e-4)


def train_cli(files: list[Path], rules: Path, *extra: str) -> dict[str, Any]:
    """Run `verifier model train` into a rules copy; the JSON report."""
    args = ["model", "train", *(a for f in files for a in ("--labels", str(f))),
            "--rules", str(rules), "--folds", "3", "--bits", "14", "--json",
            "--models", "logreg_text+cues", "--models", "linear_svm_text+cues", *extra]
    res = CliRunner().invoke(main, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    report: dict[str, Any] = orjson.loads(res.stdout)
    return report


def test_train_command_writes_a_small_loadable_artifact(files: list[Path],
                                                        tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    weights = tmp_path / "weights.toml"
    report = train_cli(files, rules, "--signals-weights", str(weights))
    artifact = rules / "model" / "scorer.npz"
    raw = artifact.read_bytes()
    assert len(raw) <= MAX_BYTES and report["artifact_bytes"] == len(raw)
    scorer = load_scorer(raw, CUE_NAMES)
    assert scorer.bits == 14 and 0 < scorer.threshold < 1
    assert set(report["grouped_cv"]) >= {"logreg_text+cues", "linear_svm_text+cues"}
    # Planted cues separate the synthetic employers: the grouped AUC is far above chance.
    assert report["grouped_cv"][report["chosen"]]["auc"] > 0.8
    assert scorer.meta["cv"]["chosen"] == report["chosen"]
    assert "bias =" in weights.read_text() and "[weights]" in weights.read_text()


def test_bad_labels_are_refused_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"posting": {"posting_id": "x"}, "outcome": "approve"}\n')
    with pytest.raises(RulePackError) as err:
        load_examples([bad], None)
    assert err.value.issues[0].file == str(bad) and err.value.issues[0].line == 1
    res = CliRunner().invoke(main, ["model", "train", "--labels", str(bad)])
    assert res.exit_code == 2 and f"{bad}:1" in res.output
