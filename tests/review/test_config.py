"""The review pack: loads from rules/, and each problem is refused with file and line."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT
from verifier.models import Outcome
from verifier.pack import RulePackError
from verifier.review.config import ReviewConfig


def pack(tmp_path: Path) -> Path:
    """A copy of the repository's review pack to break."""
    shutil.copytree(ROOT / "rules" / "review", tmp_path / "review")
    return tmp_path


def test_repository_pack_loads() -> None:
    cfg = ReviewConfig.load(ROOT / "rules")
    assert cfg.lease == timedelta(minutes=10)
    assert cfg.reasons["fee"].allows(Outcome.reject)
    assert not cfg.reasons["fee"].allows(Outcome.approve)
    camp = cfg.campaign_of(["百日招聘2022"])
    assert camp is not None and cfg.due_in("flag", camp) == timedelta(hours=4)
    assert cfg.due_in("flag", None) == timedelta(hours=24)
    advice = cfg.advice_for("keywords.fee_upfront")
    assert advice is not None and "押金" in advice.change
    assert cfg.advice_for("keywords.discrimination.age").rule == "keywords.discrimination"  # type: ignore[union-attr]
    assert cfg.advice_for("nothing.like.it") is None
    assert "如实、完整" in cfg.fallback.change and "第二十四条" in cfg.fallback.legal_basis


def test_a_rectify_pack_without_its_default_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path)
    path = root / "review" / "rectify.toml"
    text = path.read_text()
    start = text.index("\n[default]\n")
    path.write_text(text[:start] + text[text.index("\n[[advice]]\n", start):])
    with pytest.raises(RulePackError) as err:
        ReviewConfig.load(root)
    assert any(str(i).startswith("review/rectify.toml:") and "default" in str(i)
               for i in err.value.issues), err.value.issues


@pytest.mark.parametrize(("file", "find", "replace", "line", "words"), [
    ("reasons.toml", 'outcomes = ["reject"]\ncategory = "fee_upfront"',
     'outcomes = ["refund"]\ncategory = "fee_upfront"', 29, "outcomes"),
    ("reasons.toml", 'code = "salary"', 'code = "fee"', 39, "duplicate reason code 'fee'"),
    ("reasons.toml", 'code = "legit"', 'code = "Legit Code"', 7, "code"),
    ("sla.toml", "flag = 24", "flag = -1", 7, "hours.flag"),
    ("sla.toml", "share = 0.01", "share = 2", 61, "sampling.share"),
    ("sla.toml", "sample = 5.0", "sample = 0", 42, "priority.sample"),
    ("rectify.toml", 'rule = "contact"', 'rule = "Contact!"', 26, "rule"),
    ("rectify.toml", 'change = "请按照', 'chnage = "请按照', 7, "default.chnage"),
    ("notice.md.j2", "{% endfor %}", "{% endfo %}", 14, "template error"),
])
def test_bad_pack_names_file_and_line(tmp_path: Path, file: str, find: str, replace: str,
                                      line: int, words: str) -> None:
    root = pack(tmp_path)
    path = root / "review" / file
    text = path.read_text()
    assert find in text
    path.write_text(text.replace(find, replace, 1))
    with pytest.raises(RulePackError) as err:
        ReviewConfig.load(root)
    issues = [str(i) for i in err.value.issues]
    assert any(i.startswith(f"review/{file}:{line}:") and words in i for i in issues), issues


def test_missing_file_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path)
    (root / "review" / "reasons.toml").unlink()
    with pytest.raises(RulePackError, match=r"review/reasons\.toml"):
        ReviewConfig.load(root)
