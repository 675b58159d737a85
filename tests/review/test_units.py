"""Pure parts of the review queue: diff, sampling, priority, Wilson interval, percentiles,
notice items."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import ROOT
from verifier.models import Decision, Evidence, Finding, Outcome, Severity
from verifier.review.config import ReviewConfig
from verifier.review.diff import char_ops, posting_diff
from verifier.review.items import acting, priority, rule_field, sampled
from verifier.review.notice import notice_items
from verifier.review.stats import percentile, wilson

CFG = ReviewConfig.load(ROOT / "rules")


def decision(findings: list[Finding], tags: list[str] | None = None,
             risk: float = 40.0) -> Decision:
    return Decision(decision_id="d-1", posting_id="p", portal="q", outcome=Outcome.flag,
                    risk_score=risk, findings=findings, tags=tags or [], rules_version="r",
                    content_hash="c", decided_at=datetime(2026, 1, 1, tzinfo=UTC))


def finding(rule: str, severity: Severity = Severity.flag, score: float = 10,
            **data: str) -> Finding:
    return Finding(rule=rule, severity=severity, score=score, message=f"{rule}的说明",
                   evidence=Evidence(data=dict(data)))


def test_character_diff_of_chinese_text() -> None:
    ops = char_ops("月薪3000元，需交押金", "月薪5000元，无需押金")
    assert ("replace", "3", "5") in ops
    assert [o for o in ops if o[0] != "equal"] == [
        ("replace", "3", "5"), ("insert", "", "无"), ("delete", "交", "")]
    changes = posting_diff(
        {"posting_id": "a", "title": "销售代表", "salary": {"min": 3000, "max": 5000},
         "contact": "微信abc"},
        {"posting_id": "a", "title": "销售经理", "salary": {"min": 3000, "max": 6000}})
    by = {c.field: c for c in changes}
    assert set(by) == {"title", "salary.max", "contact"}
    assert by["title"].ops == [("equal", "销售", "销售"), ("replace", "代表", "经理")]
    assert (by["salary.max"].old, by["salary.max"].new, by["salary.max"].ops) == (5000, 6000, [])
    assert by["contact"].new is None and by["contact"].ops == [("delete", "微信abc", "")]


def test_sampling_is_deterministic_and_near_its_share() -> None:
    ids = [f"id-{i}" for i in range(20_000)]
    picked = [i for i in ids if sampled(i, 0.01)]
    assert picked == [i for i in ids if sampled(i, 0.01)]
    assert 140 <= len(picked) <= 260
    assert not any(sampled(i, 0.0) for i in ids[:1000])
    assert all(sampled(i, 1.0) for i in ids[:1000])


def test_priority_weighs_risk_families_zjtx_and_campaign() -> None:
    base = decision([finding("salary.below_min_wage")])
    kw = decision([finding("keywords.fee_upfront")])
    zjtx = decision([finding("salary.below_min_wage")], tags=["专精特新"])
    assert priority(CFG, kw, "flag", False) > priority(CFG, base, "flag", False)
    assert priority(CFG, zjtx, "flag", False) == priority(CFG, base, "flag", False) + 20
    assert priority(CFG, base, "flag", True) == priority(CFG, base, "flag", False) + 15


def test_acting_rules_ignore_shadow_and_info() -> None:
    fs = [finding("a.x"), finding("b.y", Severity.info),
          Finding(rule="c.z", severity=Severity.flag, message="m", shadow=True)]
    assert [f.rule for f in acting(fs)] == ["a.x"]
    only_scores = [finding("b.y", Severity.info, score=30), finding("d.w", Severity.info, 0)]
    assert [f.rule for f in acting(only_scores)] == ["b.y"]
    assert rule_field(acting(fs)) == " a.x "


def test_wilson_interval() -> None:
    lo, hi = wilson(0, 10) or (None, None)
    assert lo == 0.0 and abs(hi - 0.2775) < 1e-3  # type: ignore[operator]
    lo, hi = wilson(5, 10) or (None, None)
    assert abs(lo - 0.2366) < 1e-3 and abs(hi - 0.7634) < 1e-3  # type: ignore[operator]
    assert wilson(0, 0) is None


def test_percentiles() -> None:
    assert percentile([], 0.5) is None
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([10, 0, 5], 0.9) == 9.0


def test_notice_items_take_basis_from_evidence_then_advice() -> None:
    items = notice_items(CFG, [
        finding("keywords.fee_upfront", legal_basis="《劳动合同法》第九条"),
        finding("salary.below_min_wage"),
        finding("unknown.rule")])
    assert items[0].legal_basis == "《劳动合同法》第九条" and "押金" in items[0].change
    assert "最低工资" in items[1].legal_basis
    assert (items[2].change, items[2].legal_basis) == (CFG.fallback.change,
                                                        CFG.fallback.legal_basis)
    assert "如实、完整" in items[2].change  # the pack's [default], rules/review/rectify.toml
