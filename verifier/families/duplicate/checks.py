"""Duplicates: the same text under other employers, the same job told differently elsewhere.

Reads the `duplicates` fact (`fact.py`, resolved by `provider.py`): postings already seen
whose description is near-identical to this one. The same description under a different
employer is the mark of a template scam (one text, many shell employers). The same
employer's same title on another portal with different pay, city or headcount means at least
one version is untrue. Another portal's posting appears only as an opaque reference and the
differing values, normalized.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.duplicate.fact import DuplicateFact, DuplicateHit, ReadsDuplicates
from verifier.families.rules import Emits, says
from verifier.models import Finding, Severity

_FIELD_TEXT = {"pay_monthly": "月薪", "city": "工作城市", "headcount": "招聘人数"}


class DuplicateParams(BaseModel):
    """Thresholds (`rules/duplicate/duplicate.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cross_employer_similarity: Annotated[float, Field(gt=0, le=1)] = 0.9
    cross_employer_flag_employers: Annotated[int, Field(ge=1)] = 5
    min_shingles: Annotated[int, Field(ge=0)] = 60
    inconsistent_similarity: Annotated[float, Field(gt=0, le=1)] = 0.6
    pay_tolerance: Annotated[float, Field(ge=0, le=1)] = 0.05
    minor_score: Annotated[float, Field(ge=0, le=100)] = 15
    """`duplicate.inconsistent` on headcount alone: info, with this score."""


def _pay_differs(d: dict[str, Any], tol: float) -> bool:
    for a, b in zip(d["this"], d["other"], strict=True):
        if a is None and b is None:
            continue
        if a is None or b is None or abs(a - b) > tol * max(abs(a), abs(b), 1.0):
            return True
    return False


class DuplicateContext(Context, ReadsDuplicates, Protocol):
    """What the duplicate check reads: the posting and the near-duplicate fact."""


class DuplicateCheck(Check[DuplicateContext]):
    """Near-identical text under another employer; one job with different ctx elsewhere."""

    id = "duplicate"
    version = "1"
    Params = DuplicateParams
    params_file = "duplicate/duplicate.toml"
    emits: ClassVar[Emits] = {
        "duplicate.cross_employer": says("employers", "similarity"),
        "duplicate.inconsistent": says("differences"),
    }

    params: DuplicateParams

    def check(self, ctx: DuplicateContext) -> list[Finding]:
        """Findings from the `duplicates` fact (none when no index is configured)."""
        fact = ctx.duplicates
        if not isinstance(fact, DuplicateFact):
            return []
        return self._cross(fact) + self._inconsistent(fact)

    def _cross(self, fact: DuplicateFact) -> list[Finding]:
        p = self.params
        if fact.shingles < p.min_shingles:
            return []
        hits = [h for h in fact.hits
                if not h.same_employer and h.similarity >= p.cross_employer_similarity]
        if not hits:
            return []
        # Postings of one other employer count once (an employer may repost its own text).
        employers = len({h.ref if h.employer is None else h.employer for h in hits})
        return [self.finding(
            "duplicate.cross_employer",
            fill={"employers": employers, "similarity": hits[0].similarity},
            severity=Severity.flag if employers >= p.cross_employer_flag_employers else None,
            data={"this": fact.ref, "others": [_ref(h) for h in hits[:10]],
                  "other_count": len(hits), "employer_count": employers,
                  "threshold": p.cross_employer_similarity,
                  "flag_from": p.cross_employer_flag_employers, "shingles": fact.shingles,
                  "method": "MinHash(64) over character 4-grams of the normalized description"},
        )]

    def _inconsistent(self, fact: DuplicateFact) -> list[Finding]:
        p = self.params
        out = []
        for h in fact.hits:
            if not (h.same_employer and h.same_title and not h.same_portal
                    and h.similarity >= p.inconsistent_similarity):
                continue
            differs = {k: v for k, v in h.differs.items()
                       if k != "pay_monthly" or _pay_differs(v, p.pay_tolerance)}
            if not differs:
                continue
            what = "、".join(
                f"{_FIELD_TEXT[k]}（本平台{_show(v['this'])}，其他平台{_show(v['other'])}）"
                for k, v in differs.items())
            # Headcount alone often differs by portal defaults: info; pay or city: flag.
            major = "pay_monthly" in differs or "city" in differs
            out.append(self.finding(
                "duplicate.inconsistent", fill={"differences": what},
                severity=None if major else Severity.info,
                score=None if major else p.minor_score,
                data={"this": fact.ref, "other": h.ref, "similarity": h.similarity,
                      "differs": differs, "threshold": p.inconsistent_similarity,
                      "pay_tolerance": p.pay_tolerance},
            ))
            if len(out) >= 3:
                break
        return out


def _ref(h: DuplicateHit) -> dict[str, Any]:
    return {"ref": h.ref, "similarity": h.similarity, "same_portal": h.same_portal}


def _show(v: Any) -> str:
    if isinstance(v, list):
        lo, hi = v
        return f"{lo:.0f}-{hi:.0f}元" if hi is not None and lo is not None else f"{lo or hi}元"
    return str(v)
