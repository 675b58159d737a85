"""Serving the learned scorer: flag only, shadow by default, evidence, bad files refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.factories import RULES, make_posting
from tests.families.model.synthetic import write
from verifier.families.model.artifact import Scorer
from verifier.families.model.data import load_examples
from verifier.families.model.matrix import featurize
from verifier.families.model.train import export, fit_one
from verifier.families.signals.check import load_cues
from verifier.models import Finding, Outcome, Severity
from verifier.pack import PackReader, RulePackError
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine

SCAM = ("品牌000号诚邀加入。急招！包吃住，无需经验，月入过万，日赚500元，不甘平庸的你来改变命运。"
        "轻松月入上万，躺赚不是梦，宝妈学生党均可，急聘，当天结算。")


@pytest.fixture(scope="module")
def scorer(tmp_path_factory: pytest.TempPathFactory) -> Scorer:
    """A model fitted on synthetic labels; threshold low enough for a scam text to cross."""
    files = write(tmp_path_factory.mktemp("labels"))
    ex = load_examples(files, None)
    rows = featurize(ex, [None] * len(ex), load_cues(PackReader(RULES)), 12)
    est, idf, mean, scale = fit_one(rows, np.arange(len(ex)), "both", "logreg", 1.0)
    return export(rows, est, idf, mean, scale, "both", (1.0, 0.0), 0.6, {"name": "synthetic"})


def pack_with(tmp: Path, raw: bytes | None, *, in_force: bool = False) -> Path:
    rules = tmp / "rules"
    shutil.copytree(RULES, rules, dirs_exist_ok=True)
    artifact = rules / "model" / "scorer.npz"
    if raw is None:
        artifact.unlink(missing_ok=True)
    else:
        artifact.write_bytes(raw)
    text = (rules / "model.toml").read_text()
    (rules / "model.toml").write_text(text.replace("in_force = false",
                                                   f"in_force = {str(in_force).lower()}"))
    return rules


async def _decide(rules: Path, description: str) -> tuple[Outcome, list[Finding]]:
    engine = Engine(Catalog.load(rules))
    ev = await engine.evaluate(make_posting(description=description, title="店员"))
    return ev.outcome, [f for f in ev.findings if f.rule == "model.risk"]


async def test_shadow_by_default_with_top_features(scorer: Scorer, tmp_path: Path) -> None:
    rules = pack_with(tmp_path, scorer.to_bytes())
    outcome, found = await _decide(rules, SCAM)
    assert len(found) == 1
    f = found[0]
    assert f.shadow is True and f.severity is Severity.flag
    data = f.evidence.data
    assert data["in_force"] is False and data["probability"] >= data["threshold"]
    tops = data["top_features"]
    assert 1 <= len(tops) <= 5 and all(t["weight"] > 0 for t in tops)
    for span in f.evidence.spans:
        assert span.text and span.text in SCAM + "店员"
    # Shadowed: the same posting without the model decides the same way.
    bare = pack_with(tmp_path / "bare", None)
    assert (await _decide(bare, SCAM))[0] == outcome


async def test_in_force_it_flags_and_never_rejects(scorer: Scorer, tmp_path: Path) -> None:
    rules = pack_with(tmp_path, scorer.to_bytes(), in_force=True)
    outcome, found = await _decide(rules, SCAM)
    assert found and not found[0].shadow
    assert found[0].severity is Severity.flag
    assert outcome is not Outcome.approve
    honest = ("品牌005号诚邀加入。负责仓库货物的入库、出库和盘点，按单据核对数量。"
              "五险一金，周末双休。")
    assert (await _decide(rules, honest))[1] == []


def test_artifact_hash_enters_rules_version(scorer: Scorer, tmp_path: Path) -> None:
    a = Catalog.load(pack_with(tmp_path / "a", scorer.to_bytes())).rules_version
    other = Scorer(**{**scorer.__dict__, "intercept": scorer.intercept + 1.0})
    b = Catalog.load(pack_with(tmp_path / "b", other.to_bytes())).rules_version
    none = Catalog.load(pack_with(tmp_path / "c", None)).rules_version
    assert len({a, b, none}) == 3


BAD = {
    "garbage": (lambda s: b"not a model at all", "not a numpy .npz archive"),
    "truncated": (lambda s: s.to_bytes()[:200], "model artifact refused"),
    "nan": (lambda s: Scorer(**{**s.__dict__, "coef": s.coef * np.nan}).to_bytes(),
            "NaN or infinite"),
    "other_cues": (lambda s: Scorer(**{**s.__dict__, "cue_names": ("a",),
                                       "cue_coef": np.zeros(1), "cue_mean": np.zeros(1),
                                       "cue_scale": np.ones(1)}).to_bytes(), "retrain"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_artifact_is_refused_naming_the_file(scorer: Scorer, tmp_path: Path,
                                                 kind: str) -> None:
    make, words = BAD[kind]
    rules = pack_with(tmp_path, make(scorer))
    with pytest.raises(RulePackError) as err:
        Catalog.load(rules)
    issues = [i for i in err.value.issues if i.file == "model/scorer.npz"]
    assert issues and words in issues[0].message, err.value.issues


async def test_a_bad_artifact_on_reload_keeps_the_old_catalog(scorer: Scorer,
                                                              tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from tests.api.conftest import ADMIN, make_settings
    from verifier.api.app import create_app

    rules = pack_with(tmp_path, scorer.to_bytes())
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/v.db", None).model_copy(
        update={"rules_dir": rules})
    async with TestClient(TestServer(create_app(settings))) as client:
        before = (await (await client.get("/v1/rules", headers=ADMIN)).json())["rules_version"]
        (rules / "model" / "scorer.npz").write_bytes(b"broken")
        resp = await client.post("/v1/admin/rules/reload", headers=ADMIN)
        body = await resp.json()
        assert resp.status >= 400 and "model/scorer.npz" in str(body)
        after = (await (await client.get("/v1/rules", headers=ADMIN)).json())["rules_version"]
        assert after == before
        rules_list = (await (await client.get("/v1/rules", headers=ADMIN)).json())["rules"]
        assert any(r["id"] == "model.risk" and r["severity"] == "flag" for r in rules_list)
