"""Policy: outcome, risk score, overrides, shadow mode and combinations."""

from __future__ import annotations

import pytest

from verifier.models import Finding, Outcome, Severity
from verifier.pipeline.policy import Combination, Policy, PolicyConfig, RuleOverride


def f(rule: str, severity: str, score: float = 0) -> Finding:
    return Finding(rule=rule, severity=Severity(severity), score=score, message="m")


@pytest.mark.parametrize(
    ("findings", "outcome", "risk"),
    [
        ([], Outcome.approve, 0.0),
        ([f("a.x", "info")], Outcome.approve, 5.0),
        ([f("a.x", "flag")], Outcome.flag, 30.0),
        ([f("a.x", "flag"), f("b.y", "reject")], Outcome.reject, 100.0),
        ([f("a.x", "info", 40), f("b.y", "info", 40)], Outcome.flag, 64.0),
        ([f("a.x", "info", 40)], Outcome.approve, 40.0),
    ],
)
def test_outcome_and_risk(findings: list[Finding], outcome: Outcome, risk: float) -> None:
    v = Policy(PolicyConfig(flag_threshold=60)).apply(findings)
    assert v.outcome is outcome
    assert v.risk_score == pytest.approx(risk)


def test_severity_override_exact_beats_glob() -> None:
    cfg = PolicyConfig(rules={"a.*": RuleOverride(severity=Severity.reject),
                              "a.x": RuleOverride(severity=Severity.info)})
    v = Policy(cfg).apply([f("a.x", "flag"), f("a.y", "flag")])
    sev = {x.rule: x.severity for x in v.findings}
    assert sev == {"a.x": Severity.info, "a.y": Severity.reject}
    assert v.outcome is Outcome.reject


def test_shadow_rule_is_logged_but_never_decides() -> None:
    cfg = PolicyConfig(rules={"a.x": RuleOverride(shadow=True)})
    v = Policy(cfg).apply([f("a.x", "reject")])
    assert v.outcome is Outcome.approve and v.risk_score == 0
    assert v.findings[0].shadow


def test_combination_of_families_adds_finding() -> None:
    combo = Combination(name="easy_money", rules=["kw.lure.*", "kw.noexp.*", "salary.daily"],
                        min_families=2, severity=Severity.flag, score=40, message="组合信号")
    pol = Policy(PolicyConfig(combination=[combo]))
    one = pol.apply([f("kw.lure.a", "info", 10), f("kw.lure.b", "info", 10)])
    assert one.outcome is Outcome.approve
    two = pol.apply([f("kw.lure.a", "info", 10), f("kw.noexp.a", "info", 10)])
    assert two.outcome is Outcome.flag
    added = next(x for x in two.findings if x.rule == "policy.combination.easy_money")
    assert added.evidence.data["families"] == ["kw.lure", "kw.noexp"]
