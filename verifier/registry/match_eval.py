"""Labelled name-matching evaluation over real registered names.

API: `evaluate(names, sample=2000, seed=0) -> EvalResult`; `read_names(csv_path)`.

The registry is every distinct name of the input file (e.g. the Enterprise-Registration-Data
sample, CC BY-NC-SA 4.0, passed by path — nothing is copied into the repo). For a random
sample of them it derives same-company variants (organizational form changed, region
dropped, region moved into brackets, 市 dropped, full width, traditional characters, branch
suffix, spacing) and different companies that share the 字号 (another city, another
industry) that are not themselves in the registry.

Definitions. A query *abstains* when the lookup answers `ambiguous` (no 字号, or two records
tie at the top: see `verifier.registry.match.settle`); an abstention is not a match. Recall:
among the same-company queries that do not abstain, the share whose source company is the
top match (exact-key ties count) at or above the threshold; `recall_all` counts abstentions
as misses. False match: a different-company query gets any result at or above the threshold
(an abstention is not one). Abstention rates are reported separately for both sets.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import opencc

from verifier.registry.index import NameIndex
from verifier.registry.names import (
    default_name_rules,
    leading_region,
    normalize_name,
)
from verifier.registry.records import EnterpriseRecord

_FULL = {c: chr(ord(c) + 0xFEE0) for c in "()0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


@dataclass
class EvalResult:
    """Counts per variant kind and the failures seen."""

    same: Counter[str] = field(default_factory=Counter)
    same_hit: Counter[str] = field(default_factory=Counter)
    same_strict: Counter[str] = field(default_factory=Counter)
    diff: Counter[str] = field(default_factory=Counter)
    diff_false: Counter[str] = field(default_factory=Counter)
    same_abstain: Counter[str] = field(default_factory=Counter)
    diff_abstain: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    false: list[tuple[str, str, str, float]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of answered (not abstained) same-company variants matched to their company."""
        answered = sum(self.same.values()) - sum(self.same_abstain.values())
        return sum(self.same_hit.values()) / max(1, answered)

    @property
    def recall_all(self) -> float:
        """Share of all same-company variants matched (abstentions count as misses)."""
        return sum(self.same_hit.values()) / max(1, sum(self.same.values()))

    @property
    def same_abstain_rate(self) -> float:
        """Share of same-company variants answered `ambiguous`."""
        return sum(self.same_abstain.values()) / max(1, sum(self.same.values()))

    @property
    def diff_abstain_rate(self) -> float:
        """Share of different-company queries answered `ambiguous`."""
        return sum(self.diff_abstain.values()) / max(1, sum(self.diff.values()))

    @property
    def false_rate(self) -> float:
        """Share of different-company queries matched to some company."""
        return sum(self.diff_false.values()) / max(1, sum(self.diff.values()))


def read_names(path: Path, column: str = "企业名称") -> list[str]:
    """Distinct non-empty names from a CSV column, in file order."""
    with path.open(encoding="utf-8", newline="") as f:
        seen = dict.fromkeys(row[column].strip() for row in csv.DictReader(f) if row[column])
    return [n for n in seen if n]


def same_variants(name: str, conv: opencc.OpenCC) -> dict[str, str]:
    """Same-company spellings of `name`, by kind (only kinds that apply)."""
    p = normalize_name(name)
    region, rest = leading_region(name)
    out: dict[str, str] = {}
    if name.endswith("有限责任公司"):
        out["form"] = name[: -len("有限责任公司")] + "有限公司"
    elif name.endswith("有限公司") and not name.endswith("股份有限公司"):
        out["form"] = name[: -len("有限公司")] + "有限责任公司"
    if region and not p.branch:
        out["region_dropped"] = rest
        form = next((f for f in sorted(default_name_rules().forms, key=len, reverse=True)
                     if rest.endswith(f)), "")  # fmt: skip
        if form and len(rest) > len(form) + 1:
            out["region_bracket"] = f"{rest[: -len(form)]}（{region}）{form}"
    if "市" in region:
        out["shi_dropped"] = region.replace("市", "", 1) + rest
    full = "".join(_FULL.get(c, c) for c in name.replace("(", "（").replace(")", "）"))
    out["full_width"] = full.replace(rest[:2], rest[:1] + "\u3000" + rest[1:2], 1)
    trad = conv.convert(name)
    if trad != name:
        out["traditional"] = trad
    if p.form and not p.branch and "公司" in p.form:
        out["branch"] = name + "上海分公司"
    out["spacing"] = " ".join(name[i : i + 3] for i in range(0, len(name), 3))
    return out


def diff_variants(name: str, rng: random.Random, cities: list[str]) -> dict[str, str]:
    """Different companies sharing the 字号: another city, another industry."""
    p = normalize_name(name)
    if not p.trade or p.branch or len(p.trade) < 2 or not p.regions:
        return {}  # with no region on record, another city is indistinguishable
    out: dict[str, str] = {}
    form = p.form or "有限公司"
    other = next(c for c in rng.sample(cities, 5) if c not in p.regions)
    out["other_city"] = other + p.trade + p.industry + form
    if p.industry:  # with no industry word on record, another industry is indistinguishable
        industries = sorted(default_name_rules().industries)
        pick = [i for i in rng.sample(industries, 8) if i not in p.industry and p.industry not in i]
        out["other_industry"] = "".join(p.regions) + p.trade + pick[0] + form
    return out


def evaluate(names: list[str], sample: int = 2000, seed: int = 0) -> EvalResult:
    """Build an index over `names`, run variants of a sample, count hits and false matches."""
    rng = random.Random(seed)
    index = NameIndex.build(EnterpriseRecord(name=n) for n in names)
    known = {normalize_name(n).name_norm for n in names}
    rules = default_name_rules()
    cities = sorted({t for a, t in rules.regions.items() if a != t and len(t) >= 2})
    conv = opencc.OpenCC("s2t")
    res = EvalResult()
    for name in rng.sample(names, min(sample, len(names))):
        for kind, query in same_variants(name, conv).items():
            res.same[kind] += 1
            matches = index.by_name(query)
            if matches and matches[0].kind == "ambiguous":
                res.same_abstain[kind] += 1
                continue
            top = matches[0].score if matches else 0.0
            tied = [m.record.name for m in matches if m.score == top and m.is_match]
            if name in tied:
                res.same_hit[kind] += 1
                res.same_strict[kind] += tied == [name]
            elif len(res.misses) < 200:
                got = matches[0].record.name if matches else ""
                res.misses.append((kind, query, got))
        for kind, query in diff_variants(name, rng, cities).items():
            if normalize_name(query).name_norm in known:
                continue
            res.diff[kind] += 1
            found = index.by_name(query)
            res.diff_abstain[kind] += bool(found) and found[0].kind == "ambiguous"
            hit = next((m for m in found if m.is_match), None)
            if hit is not None:
                res.diff_false[kind] += 1
                if len(res.false) < 200:
                    res.false.append((kind, query, hit.record.name, hit.score))
    return res
