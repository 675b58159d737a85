"""Policy: outcome, risk score, scoped overrides, shadow mode and combinations."""

from __future__ import annotations

import pytest

from verifier.models import Finding, Outcome, Severity
from verifier.pipeline.policy import Combination, Policy, PolicyConfig, RuleOverride, Scope


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


def test_score_declared_zero_is_kept() -> None:
    """A rule declared with score 0 (a cue that adds nothing) is not given its severity's
    default score; an undeclared one is."""
    pol = Policy(PolicyConfig(), rule_scores={"a.x": 0.0})
    v = pol.apply([f("a.x", "info"), f("b.y", "info")])
    assert {x.rule: x.score for x in v.findings} == {"a.x": 0.0, "b.y": 5.0}
    assert v.risk_score == 5.0


def test_shadow_finding_is_logged_but_never_decides() -> None:
    shadow = f("a.x", "reject").model_copy(update={"shadow": True})
    v = Policy(PolicyConfig()).apply([shadow])
    assert v.outcome is Outcome.approve and v.risk_score == 0
    assert v.findings[0].shadow


def test_scope_overrides_its_campaign_only_and_cites_its_basis() -> None:
    scope = Scope(campaign="c1", basis="活动规则第3条",
                  rules={"a.*": RuleOverride(severity=Severity.flag, score=50)})
    pol = Policy(PolicyConfig(scope=[scope]))
    assert pol.apply([f("a.x", "info")]).outcome is Outcome.approve
    v = pol.apply([f("a.x", "info")], campaigns=frozenset({"c1"}))
    assert (v.outcome, v.findings[0].score) == (Outcome.flag, 50)
    assert v.findings[0].evidence.data["policy"] == {"scope": "campaign:c1",
                                                    "legal_basis": "活动规则第3条"}


def test_per_rule_defaults_are_no_longer_policy() -> None:
    """A rule's severity, score and shadow are declared with the rule, not in policy.toml."""
    with pytest.raises(ValueError, match="rules"):
        PolicyConfig.model_validate({"rules": {"a.x": {"shadow": True}}})


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
