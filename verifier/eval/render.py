"""Rendering an evaluation report as rich tables for the terminal."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from verifier.eval.holds import HoldReport
from verifier.eval.metrics import OUTCOMES, PR, Report, Result


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def confusion_table(report: Report) -> Table:
    """Expected label (rows) against the engine's outcome (columns)."""
    t = Table(title=f"Confusion matrix ({report.total} postings; rows = label, cols = outcome)")
    t.add_column("label \\ outcome")
    for o in OUTCOMES:
        t.add_column(o, justify="right")
    t.add_column("total", justify="right")
    for exp, row in report.confusion.items():
        t.add_row(exp, *(str(row.get(o, 0)) for o in OUTCOMES), str(sum(row.values())))
    return t


def binary_table(report: Report) -> Table:
    """The binary view: positive = not approve (flag and reject both count as caught)."""
    b = report.binary
    acc = (b.tp + report.tn) / report.total if report.total else None
    t = Table(title="Binary view (positive = not approve)")
    for col in ("TP", "FP", "FN", "TN", "precision", "recall", "accuracy"):
        t.add_column(col, justify="right")
    t.add_row(str(b.tp), str(b.fp), str(b.fn), str(report.tn),
              _pct(b.precision), _pct(b.recall), _pct(acc))
    return t


def category_table(report: Report) -> Table:
    """Per label category: outcome agreement, share not approved, detection P/R."""
    t = Table(title="Per category (label category; detection = a decisive rule of it fired)")
    for col in ("category", "n", "outcome agrees", "not approved", "det. precision",
                "det. recall"):
        t.add_column(col, justify="left" if col == "category" else "right")
    for name, row in sorted(report.categories.items(), key=lambda kv: (-kv[1].n, kv[0])):
        d = row.detection
        t.add_row(name, str(row.n), _pct(row.agree / row.n) if row.n else "–",
                  _pct(row.not_approved / row.n) if row.n else "–",
                  _pct(d.precision), _pct(d.recall))
    return t


def family_table(report: Report) -> Table:
    """Per rule family: fired versus expected by the labels' rule prefixes."""
    t = Table(title="Per rule family (fired vs. expected rule prefixes)")
    for col in ("family", "TP", "FP", "FN", "precision", "recall"):
        t.add_column(col, justify="left" if col == "family" else "right")
    items: list[tuple[str, PR]] = sorted(report.families.items())
    for fam, pr in items:
        t.add_row(fam, str(pr.tp), str(pr.fp), str(pr.fn), _pct(pr.precision), _pct(pr.recall))
    return t


def _of(a: int, b: int) -> str:
    return f"{a} ({_pct(a / b)})" if b else str(a)


def holds_table(h: HoldReport) -> Table:
    """Real postings: approved, legal holds, false holds; fakes: held."""
    t = Table(title="Holds of real postings (legal = only grounds national law prohibits or pay "
                    "below the minimum wage; registry = the employer may not hire: 注销, 吊销, "
                    "撤销, 清算, 严重违法失信) and of fakes")
    t.add_column("postings")
    t.add_column("n", justify="right")
    t.add_column("approved", justify="right")
    t.add_column("legal holds (flag/reject)", justify="right")
    t.add_column("registry holds (flag/reject)", justify="right")
    t.add_column("false holds", justify="right")
    t.add_column("false rejects", justify="right")
    t.add_row("real", str(h.real), _of(h.approved, h.real),
              f"{_of(h.legal, h.real)} ({h.legal_flag}/{h.legal_reject})",
              f"{_of(h.registry, h.real)} ({h.registry_flag}/{h.registry_reject})",
              _of(h.false, h.real), _of(h.false_reject, h.real))
    t.add_row("fake", str(h.fakes), _of(h.fakes - h.fakes_held, h.fakes),
              f"held {_of(h.fakes_held, h.fakes)} ({h.fakes_flag}/{h.fakes_reject})",
              "", "", "")
    return t


def rule_table(h: HoldReport, limit: int = 40) -> Table:
    """Per rule: false holds it acted in (alone), fakes it held, decisive firings, precision."""
    t = Table(title="Per rule (false holds of real postings it acted in; decisive firings on "
                    "real/fake; precision = fake share of decisive firings)")
    for col in ("rule", "false holds", "alone", "fakes held", "fired real", "fired fake",
                "precision", "info real", "info fake"):
        t.add_column(col, justify="left" if col == "rule" else "right", no_wrap=col == "rule")
    rows = sorted(h.rules.items(), key=lambda kv: (-kv[1].false_holds, -kv[1].fired_real
                                                    - kv[1].fired_fake, kv[0]))
    for rule, r in rows[:limit]:
        t.add_row(rule, str(r.false_holds), str(r.false_holds_sole), str(r.acted_fake),
                  str(r.fired_real), str(r.fired_fake), _pct(r.precision),
                  str(r.info_real), str(r.info_fake))
    return t


def family_holds_table(h: HoldReport) -> Table:
    """Fakes held, by the family of the acting rules."""
    t = Table(title="Fakes held, by family of the acting rules")
    t.add_column("family")
    t.add_column("fakes held", justify="right")
    for fam, n in h.fakes_by_family.most_common():
        t.add_row(fam, str(n))
    return t


def disagreement_lines(report: Report, show: int) -> list[str]:
    """Readable lines for the first `show` postings that disagree with their label."""
    out: list[str] = []
    for r in report.disagreements[:show]:
        lp = r.item
        out.append(f"[bold]{lp.posting.posting_id}[/bold] ({lp.source}:{lp.line}) "
                   f"{lp.posting.title[:40]}")
        out.append(f"  expected {lp.label.outcome.value} [{lp.label.category}] "
                   f"{lp.label.rules}  got {r.outcome.value} {r.fired}")
        if r.missing:
            out.append(f"  missing rules: {r.missing}")
        for f in _evidence(r):
            out.append(f"  evidence {f}")
        if lp.label.note:
            out.append(f"  note: {lp.label.note}")
    return out


def _evidence(r: Result) -> list[str]:
    got = []
    for f in r.findings:
        if f.evidence.spans:
            got.append(f"{f.rule}: " + "; ".join(repr(s.text) for s in f.evidence.spans[:3]))
    return got[:4]


def render(console: Console, report: Report, show: int, header: list[str],
           holds: HoldReport | None = None) -> None:
    """Print the whole report."""
    for line in header:
        console.print(line, highlight=False)
    console.print(confusion_table(report))
    if holds is not None:
        console.print(holds_table(holds))
        if holds.fakes_by_family:
            console.print(family_holds_table(holds))
        if holds.rules:
            console.print(rule_table(holds))
    console.print(f"Outcome agreement: {_pct(report.agreement)}")
    console.print(binary_table(report))
    console.print(category_table(report))
    if report.families:
        console.print(family_table(report))
    n = len(report.disagreements)
    kinds = Counter("outcome" if not r.agrees else "rules" for r in report.disagreements)
    console.print(f"\nDisagreements: {n} (outcome {kinds['outcome']}, rules only "
                  f"{kinds['rules']}); showing {min(n, show)}")
    for line in disagreement_lines(report, show):
        console.print(line, highlight=False, markup=True)
