"""Keywords: fraud and discrimination language, evasion-proof and negation-aware.

Phrases of twelve categories (fees and deposits, task brushing, typing/handwork, training
loans, high-pay lures, pyramid schemes, overseas trafficking, false guarantees, ID and bank
card harvesting, off-platform contact, vice, discrimination) are matched over the title and
description after normalization: full-width and traditional forms, inserted spaces and
symbols (先交 押 金, 刷*单), variant spellings (薇信, ＶＸ), Chinese and circled digits and
pinyin. A phrase cancelled by a negation (无需押金, 打击刷单), outside its required context or
inside an allowed sense (投标保证金 in an accounting job) does not count. One finding per
rule, with every matched span, the phrase, the context that raised it and the legal basis.
School-tier limits are rejected on the campus channel and flagged elsewhere.
"""

from __future__ import annotations

from typing import Any, ClassVar

from verifier.families.base import Check, Context
from verifier.families.keywords.loader import load_scanner
from verifier.families.keywords.scan import Match, Scanner
from verifier.families.keywords.schema import KeywordParams
from verifier.families.rules import Emits, says
from verifier.models import SEVERITY_RANK, Finding, Span
from verifier.pack import PackReader

_LISTED = 5  # phrases a message names; more are in the evidence


class KeywordsCheck(Check[Context]):
    """Fraud and discrimination phrases in the title and description."""

    id = "keywords"
    version = "1"
    Params = KeywordParams
    emits: ClassVar[Emits] = {"keywords.*": says("phrases", variants=["all", "more"])}
    """Every rule `rules/keywords/rules.toml` declares; phrases name them. Its message names
    the phrases found (`all`), or the first few of many (`more`)."""

    params: KeywordParams

    def __init__(self, params: KeywordParams, scanner: Scanner):
        super().__init__(params)
        self.scanner = scanner

    @classmethod
    def build(cls, pack: PackReader) -> KeywordsCheck:
        """Read `rules/keywords/*.toml` and build the automaton (once per pack load)."""
        params, scanner = load_scanner(pack, cls.declared(pack))
        return cls(params, scanner)

    def check(self, ctx: Context) -> list[Finding]:
        """One finding per rule with matches, at the highest severity among them."""
        posting = ctx.posting
        channel = (posting.channel or "").strip().lower() or None
        views = [(name, ctx.text.view(name)) for name in self.params.fields]
        title = ctx.text.view("title").norm
        by_rule: dict[str, list[Match]] = {}
        joined = ctx.joined(self.scanner.folder, self.params.fields)
        for m in self.scanner.scan(views, channel, title, joined):
            by_rule.setdefault(m.entry.rule, []).append(m)
        return [self._finding(rule, ms) for rule, ms in sorted(by_rule.items())]

    def _finding(self, rule: str, matches: list[Match]) -> Finding:
        name = self.rules[rule].title
        severity = max((m.severity for m in matches), key=SEVERITY_RANK.__getitem__)
        phrases = list(dict.fromkeys(m.entry.phrase for m in matches))
        shown = matches[: self.params.max_spans]
        data: dict[str, Any] = {
            "category": rule.split(".")[1],
            "title": name,
            "phrases": phrases,
            "count": len(matches),
            "matches": [_describe(m) for m in shown],
        }
        return self.finding(
            rule, say="more" if len(phrases) > _LISTED else "all",
            fill={"phrases": "、".join(f"“{p}”" for p in phrases[:_LISTED])},
            spans=[Span(field=m.field, start=m.start, end=m.end, text=m.text) for m in shown],
            data=data,
            severity=severity,
        )


def _describe(m: Match) -> dict[str, Any]:
    spec = m.entry.spec
    out: dict[str, Any] = {
        "phrase": m.entry.phrase, "matched": m.text, "field": m.field,
        "start": m.start, "end": m.end, "severity": m.severity.value, "via": m.entry.via,
    }
    if m.entry.via != "phrase":
        out["form"] = m.entry.form
    if m.context:
        out["context"] = m.context
    if spec.basis:
        out["legal_basis"] = spec.basis
    if spec.note:
        out["note"] = spec.note
    return out
