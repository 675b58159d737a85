"""Hold report of `verifier eval`: legal, registry and false holds, acting rules, precision."""

from __future__ import annotations

from tests.factories import make_posting
from verifier.eval.holds import SCORE_RULE, acting_rules, compute_holds, hold_kind
from verifier.eval.labels import Expected, Label, LabelledPosting
from verifier.eval.metrics import Result
from verifier.models import Finding, Outcome, Severity


def _res(pid: str, expected: str, outcome: str, findings: dict[str, Severity]) -> Result:
    label = Label(outcome=Expected(expected), category="legit" if expected == "approve"
                  else "fake")
    item = LabelledPosting(make_posting(posting_id=pid), label, "x", 1)
    fs = [Finding(rule=r, severity=s, message="m") for r, s in findings.items()]
    return Result(item, Outcome(outcome), 0.0, fs)


F, R, INFO = Severity.flag, Severity.reject, Severity.info


def test_acting_rules_follow_the_outcome() -> None:
    """A reject acts through its reject findings, a flag through its flags, else the score."""
    both = _res("a", "approve", "reject", {"keywords.discrimination.sex": R,
                                           "keywords.discrimination.appearance": F})
    assert acting_rules(both) == ["keywords.discrimination.sex"]
    flag = _res("b", "approve", "flag", {"salary.negotiable": F, "content.x": INFO})
    assert acting_rules(flag) == ["salary.negotiable"]
    assert acting_rules(_res("c", "approve", "flag", {"content.x": INFO})) == [SCORE_RULE]
    assert acting_rules(_res("d", "approve", "approve", {"content.x": INFO})) == []


def test_hold_kinds() -> None:
    """Legal grounds only -> legal; with a registry bar -> registry; anything else -> false."""
    assert hold_kind(["keywords.discrimination.sex", "salary.below_min_wage"]) == "legal"
    assert hold_kind(["registry.status.deregistered", "keywords.discrimination.hbv"]) == \
        "registry"
    assert hold_kind(["keywords.discrimination.sex", "salary.text_mismatch"]) == "false"
    assert hold_kind(["keywords.discrimination.age"]) == "false"


def test_compute_holds_splits_real_and_fake() -> None:
    """Counts per kind, per acting rule (alone or not) and per family of the fakes held."""
    rep = compute_holds([
        _res("r1", "approve", "approve", {"content.x": INFO}),
        _res("r2", "approve", "reject", {"keywords.discrimination.sex": R}),
        _res("r3", "approve", "reject", {"registry.status.deregistered": R}),
        _res("r4", "approve", "flag", {"salary.negotiable": F}),
        _res("r5", "approve", "flag", {"salary.negotiable": F, "salary.text_mismatch": F}),
        _res("r6", "approve", "reject", {"keywords.fee_upfront.deposit": R}),
        _res("f1", "not_approve", "flag", {"salary.negotiable": F, "contact.off_platform": F}),
        _res("f2", "not_approve", "approve", {"content.x": INFO}),
    ])
    assert (rep.real, rep.approved, rep.legal, rep.registry) == (6, 1, 1, 1)
    assert (rep.false_flag, rep.false_reject, rep.false) == (2, 1, 3)
    assert (rep.fakes, rep.fakes_held) == (2, 1)
    assert dict(rep.fakes_by_family) == {"salary": 1, "contact": 1}
    neg = rep.rules["salary.negotiable"]
    assert (neg.false_holds, neg.false_holds_sole, neg.acted_fake) == (2, 1, 1)
    assert (neg.fired_real, neg.fired_fake, neg.precision) == (2, 1, 1 / 3)
    assert rep.rules["content.x"].info_real == 1 and rep.rules["content.x"].info_fake == 1
    assert rep.rules["keywords.discrimination.sex"].false_holds == 0
    data = rep.as_dict()
    assert data["real"]["false_hold_rate"] == round(3 / 6, 4)
    assert data["real"]["false_reject_rate"] == round(1 / 6, 4)
    assert data["fake"]["held_rate"] == 0.5
