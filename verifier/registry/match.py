"""Name-match results and the one scoring function both lookup backends use.

API: `NameMatch` (record, kind, score, matched name, branch, detail), `Structure` (parsed
regions / 字号 / industry / form of a stored name), `score_structures(query, stored)`,
`MATCH_THRESHOLD` (score at or above which a fuzzy hit counts as the same company),
`MIN_SCORE` (weaker candidates are dropped).

Score (0–100) = 0.7 · 字号 similarity + 0.2 · industry agreement + 0.1 · form agreement.
A region, industry or form missing from the query is neutral (postings abbreviate); two
different regions, or two unlike industries, cap the score below the threshold (same 字号 in
another city or trade is another company, Art. 17). A region or industry the query adds to a
stored name that has none caps the score at `EMBELLISH_CAP` (a registered name is not
abbreviated by adding words: `迪庆彩虹实业` is not `彩虹集团`), still a look-alike candidate.

Abstention (`settle`): a fuzzy answer is `ambiguous` — never a match — when the query has no
字号, or when two different records reach the threshold within `AMBIGUITY_MARGIN` of each
other (`自来水公司` with its region dropped names no single company).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from verifier.registry.names import ParsedName, regions_compatible
from verifier.registry.records import EnterpriseRecord

MATCH_THRESHOLD = 85.0
MIN_SCORE = 60.0  # weaker fuzzy candidates are not returned at all
_REGION_CAP = 60.0
EMBELLISH_CAP = 80.0  # the query adds a region / industry the stored name lacks
AMBIGUITY_MARGIN = 3.0  # two records this close at the top: the name does not decide
_INDUSTRY_CAP = 80.0  # both industries present and unlike: another company
_INDUSTRY_LIKE = 70.0
_LIMITED = frozenset({"有限公司", "股份有限公司"})


@dataclass(frozen=True, slots=True)
class Structure:
    """Parsed parts of one stored name (registered, former or alias)."""

    regions: tuple[str, ...]
    trade: str
    industry: str
    form: str
    name_norm: str = ""

    @classmethod
    def of(cls, p: ParsedName) -> Structure:
        """From a parsed name."""
        return cls(p.regions, p.trade, p.industry, p.form, p.name_norm)


@dataclass(frozen=True, slots=True)
class NameMatch:
    """One candidate for a name: the record, how it matched, its score and why."""

    record: EnterpriseRecord
    kind: str  # exact | former | alias | fuzzy | fuzzy_former | fuzzy_alias
    score: float
    matched_name: str  # the canonical stored name that matched
    branch: str = ""  # the query's branch suffix when the parent was matched
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def is_match(self) -> bool:
        """Whether the score reaches `MATCH_THRESHOLD`."""
        return self.score >= MATCH_THRESHOLD


def score_structures(q: ParsedName, s: Structure) -> tuple[float, dict[str, Any]]:
    """Score a stored name against a parsed query; returns (score, evidence detail)."""
    trade = fuzz.ratio(q.trade, s.trade)
    if not q.industry or not s.industry or q.industry == s.industry:
        industry = 100.0
    else:
        industry = fuzz.ratio(q.industry, s.industry)
    if not q.form or not s.form or q.form == s.form:
        form = 100.0
    else:
        form = 70.0 if {q.form, s.form} <= _LIMITED else 40.0
    score = 0.7 * trade + 0.2 * industry + 0.1 * form
    if industry < _INDUSTRY_LIKE:
        score = min(score, _INDUSTRY_CAP)
    region_ok = regions_compatible(q.regions, s.regions)
    if not region_ok:
        score = min(score, _REGION_CAP)
    added = [part for part, mine, theirs in (("region", q.regions, s.regions),
                                             ("industry", q.industry, s.industry))
             if mine and not theirs]  # fmt: skip
    if added:
        score = min(score, EMBELLISH_CAP)
    detail = {
        "trade": [q.trade, s.trade, round(trade, 1)],
        "industry": [q.industry, s.industry, round(industry, 1)],
        "form": [q.form, s.form, round(form, 1)],
        "regions": [list(q.regions), list(s.regions), region_ok],
        "added": added,
        "threshold": MATCH_THRESHOLD,
    }
    return round(score, 2), detail


def settle(q: ParsedName, matches: list[NameMatch], limit: int) -> list[NameMatch]:
    """Sort fuzzy candidates; mark them `ambiguous` (capped below the threshold) when the
    name does not single out one record."""
    ranked = sorted(matches, key=lambda m: -m.score)
    above = [m for m in ranked if m.is_match]
    why = ""
    if above and not q.trade:
        why = "no_trade_name"
    elif len(above) > 1 and above[0].score - above[1].score <= AMBIGUITY_MARGIN:
        why = "several_records"
    if not why:
        return ranked[:limit]
    cap = MATCH_THRESHOLD - 0.01
    return [
        NameMatch(m.record, "ambiguous", min(m.score, cap), m.matched_name, m.branch,
                  {**m.detail, "ambiguous": why, "raw_score": m.score})
        for m in ranked[:limit]
    ]  # fmt: skip
