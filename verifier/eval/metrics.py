"""Metrics of a labelled run: confusion matrix, binary view, per-category and per-family scores.

- Confusion: expected label (approve / flag / reject / not_approve) against the outcome.
- Binary: "not approve" is the positive class (a fake caught by flag or reject both count).
- Per category: a category is *detected* on a posting when a decisive finding maps to it
  (``keywords.<category>[.<sub>]`` → category, ``contact.*`` → off_platform_contact, other
  rules → their first segment: salary, content, registry ...); it is *relevant* when the
  label's category or one of its expected rules maps to it.
- Per rule family (``keywords.<category>``, otherwise the check: salary, content, contact,
  registry ...): fired versus expected by the label's rule prefixes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from verifier.eval.labels import Expected, LabelledPosting
from verifier.models import Finding, Outcome, Severity

OUTCOMES = [o.value for o in Outcome]
# Label categories that no rule detects (honest postings, binary "fake" labels).
NO_RULE_CATEGORIES = frozenset({"legit", "fake", "real"})


def rule_category(rule: str) -> str:
    """The fraud category (or check family) a rule id belongs to."""
    parts = rule.split(".")
    if parts[0] == "keywords" and len(parts) > 1:
        return parts[1]
    if parts[0] == "contact":
        return "off_platform_contact"
    return parts[0]


def rule_family(rule: str) -> str:
    """The family of a rule id: ``keywords.<category>``, else the check (first segment)."""
    parts = rule.split(".")
    return ".".join(parts[:2]) if parts[0] == "keywords" else parts[0]


def covers(prefix: str, rule: str) -> bool:
    """Whether an expected rule prefix covers a fired rule id."""
    return rule == prefix or rule.startswith(prefix + ".")


@dataclass(frozen=True)
class Result:
    """What the engine decided for one labelled posting."""

    item: LabelledPosting
    outcome: Outcome
    risk_score: float
    findings: list[Finding]

    @property
    def fired(self) -> list[str]:
        """Sorted ids of the decisive findings (not shadow, severity flag or reject)."""
        return sorted({f.rule for f in self.findings
                       if not f.shadow and f.severity is not Severity.info})

    @property
    def all_rules(self) -> list[str]:
        """Sorted ids of every finding, info and shadow ones included."""
        return sorted({f.rule for f in self.findings})

    @property
    def agrees(self) -> bool:
        """Whether the outcome matches the label."""
        return self.item.label.outcome.agrees(self.outcome)

    @property
    def missing(self) -> list[str]:
        """Expected rule prefixes that no decisive finding covers."""
        fired = self.fired
        return [p for p in self.item.label.rules if not any(covers(p, r) for r in fired)]

    @property
    def unexpected(self) -> list[str]:
        """Decisive rules that no expected prefix covers."""
        return [r for r in self.fired if not any(covers(p, r) for p in self.item.label.rules)]

    @property
    def disagrees(self) -> bool:
        """Whether the outcome or an expected rule disagrees with the label."""
        return not self.agrees or bool(self.missing)


@dataclass
class PR:
    """True/false positives and false negatives, with precision and recall."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        """tp / (tp + fp), None when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """tp / (tp + fn), None when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def add(self, relevant: bool, detected: bool) -> None:
        """Count one posting."""
        self.tp += relevant and detected
        self.fp += detected and not relevant
        self.fn += relevant and not detected

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts and ratios."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": _r(self.precision), "recall": _r(self.recall)}


@dataclass
class CategoryRow:
    """Outcome figures for the postings labelled with one category."""

    n: int = 0
    agree: int = 0
    not_approved: int = 0
    detection: PR = field(default_factory=PR)


@dataclass
class Report:
    """Every figure of one labelled run."""

    total: int
    confusion: dict[str, Counter[str]]
    binary: PR
    tn: int
    categories: dict[str, CategoryRow]
    families: dict[str, PR]
    disagreements: list[Result]

    @property
    def agreement(self) -> float:
        """Share of postings whose outcome matches the label."""
        agree = self.total - sum(1 for r in self.disagreements if not r.agrees)
        return agree / self.total if self.total else 0.0

    def as_dict(self, show: int) -> dict[str, Any]:
        """JSON-ready report, with the first `show` disagreements."""
        b = self.binary
        acc = (b.tp + self.tn) / self.total if self.total else None
        return {
            "total": self.total,
            "outcome_agreement": _r(self.agreement),
            "confusion": {k: dict(v) for k, v in self.confusion.items()},
            "binary": {**b.as_dict(), "tn": self.tn, "accuracy": _r(acc), "f1": _r(_f1(b))},
            "categories": {
                c: {"n": row.n, "agree": row.agree, "not_approved": row.not_approved,
                    "detection": row.detection.as_dict()}
                for c, row in sorted(self.categories.items())
            },
            "families": {f: pr.as_dict() for f, pr in sorted(self.families.items())},
            "disagreements": len(self.disagreements),
            "shown": [_disagreement(r) for r in self.disagreements[:show]],
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _f1(pr: PR) -> float | None:
    p, r = pr.precision, pr.recall
    return 2 * p * r / (p + r) if p is not None and r is not None and p + r else None


def _disagreement(r: Result) -> dict[str, Any]:
    lp = r.item
    return {
        "posting_id": lp.posting.posting_id, "where": f"{lp.source}:{lp.line}",
        "title": lp.posting.title, "expected": lp.label.outcome.value, "got": r.outcome.value,
        "category": lp.label.category, "expected_rules": lp.label.rules, "fired": r.fired,
        "missing": r.missing, "unexpected": r.unexpected, "note": lp.label.note,
        "evidence": [f"{f.rule}: " + "; ".join(s.text for s in f.evidence.spans)
                     for f in r.findings if f.evidence.spans][:5],
    }


def compute(results: list[Result]) -> Report:
    """All metrics over the results of one run."""
    confusion: dict[str, Counter[str]] = {}
    binary, tn = PR(), 0
    cats: dict[str, CategoryRow] = {}
    fams: dict[str, PR] = {}
    universe_c = {rule_category(x) for r in results for x in r.fired + r.item.label.rules}
    universe_c |= {r.item.label.category for r in results} - NO_RULE_CATEGORIES
    universe_f = {rule_family(x) for r in results for x in r.fired + r.item.label.rules}
    for res in results:
        label = res.item.label
        confusion.setdefault(label.outcome.value, Counter())[res.outcome.value] += 1
        caught = res.outcome is not Outcome.approve
        binary.add(label.outcome.positive, caught)
        tn += not label.outcome.positive and not caught
        row = cats.setdefault(label.category, CategoryRow())
        row.n += 1
        row.agree += res.agrees
        row.not_approved += caught
        detected = {rule_category(x) for x in res.fired}
        relevant = {rule_category(p) for p in label.rules}
        if label.category not in NO_RULE_CATEGORIES:
            relevant.add(label.category)
        for c in universe_c:
            if c in detected or c in relevant:
                cats.setdefault(c, CategoryRow()).detection.add(c in relevant, c in detected)
        fired_f = {rule_family(x) for x in res.fired}
        for fam in universe_f:
            exp = any(rule_family(p) == fam for p in label.rules)
            if exp or fam in fired_f:
                fams.setdefault(fam, PR()).add(exp, fam in fired_f)
    order = {e.value: i for i, e in enumerate(Expected)}
    confusion = dict(sorted(confusion.items(), key=lambda kv: order[kv[0]]))
    dis = [r for r in results if r.disagrees]
    return Report(len(results), confusion, binary, tn, cats, fams, dis)
