"""Why postings were held: legal holds, false holds by acting rule, per-rule precision.

A posting labelled *real* (expected ``approve``) that the engine holds (flag or reject) is a
**legal hold** when every acting rule is a ground national law prohibits in postings
(`LEGAL_RULES`: sex, marriage/childbirth, ethnicity, religion, disability, hepatitis-B,
rural/hukou/region origin, pay below the minimum wage); a **registry hold** when the acting
rules are those and the registry's word that the employer may not hire at all (注销, 吊销,
撤销, 清算, 严重违法失信名单: `REGISTRY_BARRED`), which a posting's label cannot overrule;
otherwise it is a **false hold**. A rejected real posting that is a false hold is a **false
reject**.

The *acting* rules of a held posting are the decisive findings that made the outcome: the
reject-severity ones for a reject, the flag-severity ones (combinations included) for a
flag, and ``policy.risk_score`` when only the summed score crossed the threshold.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from verifier.eval.metrics import Result, rule_family
from verifier.models import Outcome, Severity

# Rules whose hold is the law at work (issue 14's definition of a legal hold).
LEGAL_RULES = frozenset({
    "keywords.discrimination.sex", "keywords.discrimination.marriage",
    "keywords.discrimination.ethnicity", "keywords.discrimination.religion",
    "keywords.discrimination.disability", "keywords.discrimination.hbv",
    "keywords.discrimination.rural", "keywords.discrimination.hukou",
    "keywords.discrimination.region", "salary.below_min_wage",
})
# The registry says the employer may not hire: not a false alarm whatever the label says.
REGISTRY_BARRED = frozenset({
    "registry.status.deregistered", "registry.status.revoked", "registry.status.cancelled",
    "registry.status.liquidating", "registry.list.serious_violation",
})
SCORE_RULE = "policy.risk_score"


def acting_rules(res: Result) -> list[str]:
    """The rules that made a hold: reject findings for a reject, flag ones for a flag."""
    if res.outcome is Outcome.approve:
        return []
    want = Severity.reject if res.outcome is Outcome.reject else Severity.flag
    acting = sorted({f.rule for f in res.findings if not f.shadow and f.severity is want})
    return acting or [SCORE_RULE]


def is_legal(rules: list[str]) -> bool:
    """Whether every acting rule is a ground the law prohibits."""
    return bool(rules) and all(r in LEGAL_RULES for r in rules)


def hold_kind(rules: list[str]) -> str:
    """``legal``, ``registry`` or ``false`` for the acting rules of a held real posting."""
    if is_legal(rules):
        return "legal"
    if rules and all(r in LEGAL_RULES or r in REGISTRY_BARRED for r in rules):
        return "registry"
    return "false"


@dataclass
class RuleRow:
    """One rule over a labelled run: where it acted or fired, on real and fake postings."""

    false_holds: int = 0
    false_holds_sole: int = 0
    acted_fake: int = 0
    fired_real: int = 0
    fired_fake: int = 0
    info_real: int = 0
    info_fake: int = 0

    @property
    def precision(self) -> float | None:
        """Share of fakes among the labelled postings on which the rule fired decisively."""
        n = self.fired_real + self.fired_fake
        return self.fired_fake / n if n else None


@dataclass
class HoldReport:
    """Real postings: approved, legal holds, false holds; fakes: held, by family."""

    real: int = 0
    approved: int = 0
    legal_flag: int = 0
    legal_reject: int = 0
    registry_flag: int = 0
    registry_reject: int = 0
    false_flag: int = 0
    false_reject: int = 0
    fakes: int = 0
    fakes_flag: int = 0
    fakes_reject: int = 0
    fakes_by_family: Counter[str] = field(default_factory=Counter)
    rules: dict[str, RuleRow] = field(default_factory=dict)

    @property
    def legal(self) -> int:
        """Real postings held only for grounds the law prohibits."""
        return self.legal_flag + self.legal_reject

    @property
    def registry(self) -> int:
        """Real postings held because the registry bars the employer from hiring."""
        return self.registry_flag + self.registry_reject

    @property
    def false(self) -> int:
        """Real postings held for anything else."""
        return self.false_flag + self.false_reject

    @property
    def fakes_held(self) -> int:
        """Fakes flagged or rejected."""
        return self.fakes_flag + self.fakes_reject

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "real": {"n": self.real, "approved": self.approved,
                     "legal_holds": {"flag": self.legal_flag, "reject": self.legal_reject},
                     "registry_holds": {"flag": self.registry_flag,
                                        "reject": self.registry_reject},
                     "false_holds": {"flag": self.false_flag, "reject": self.false_reject},
                     "false_hold_rate": _ratio(self.false, self.real),
                     "false_reject_rate": _ratio(self.false_reject, self.real)},
            "fake": {"n": self.fakes, "flag": self.fakes_flag, "reject": self.fakes_reject,
                     "held_rate": _ratio(self.fakes_held, self.fakes),
                     "held_by_family": dict(self.fakes_by_family.most_common())},
            "rules": {r: {**row.__dict__, "precision": _ratio(row.fired_fake,
                                                              row.fired_real + row.fired_fake)}
                      for r, row in sorted(self.rules.items())},
        }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def compute_holds(results: list[Result]) -> HoldReport:
    """Split the holds of a labelled run into legal and false ones, per acting rule."""
    rep = HoldReport()
    for res in results:
        fake = res.item.label.outcome.positive
        acting = acting_rules(res)
        _count_rules(rep, res, acting, fake)
        if fake:
            rep.fakes += 1
            rep.fakes_flag += res.outcome is Outcome.flag
            rep.fakes_reject += res.outcome is Outcome.reject
            for fam in sorted({rule_family(r) for r in acting}):
                rep.fakes_by_family[fam] += 1
            continue
        rep.real += 1
        if res.outcome is Outcome.approve:
            rep.approved += 1
        elif (kind := hold_kind(acting)) == "legal":
            rep.legal_flag += res.outcome is Outcome.flag
            rep.legal_reject += res.outcome is Outcome.reject
        elif kind == "registry":
            rep.registry_flag += res.outcome is Outcome.flag
            rep.registry_reject += res.outcome is Outcome.reject
        else:
            rep.false_flag += res.outcome is Outcome.flag
            rep.false_reject += res.outcome is Outcome.reject
    return rep


def _count_rules(rep: HoldReport, res: Result, acting: list[str], fake: bool) -> None:
    for r in acting:
        row = rep.rules.setdefault(r, RuleRow())
        if fake:
            row.acted_fake += 1
        elif hold_kind(acting) == "false":
            row.false_holds += 1
            row.false_holds_sole += len(acting) == 1
    for r in res.fired:
        row = rep.rules.setdefault(r, RuleRow())
        row.fired_fake += fake
        row.fired_real += not fake
    info = {f.rule for f in res.findings if not f.shadow and f.severity is Severity.info}
    for r in info:
        row = rep.rules.setdefault(r, RuleRow())
        row.info_fake += fake
        row.info_real += not fake
