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

from verifier.families.base import Check, Context, RuleSpec
from verifier.families.duplicate.fact import DuplicateFact, DuplicateHit, ReadsDuplicates
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
    rules: ClassVar[dict[str, RuleSpec]] = {
        "duplicate.cross_employer": RuleSpec(
            Severity.info, "岗位描述与其他招聘单位已发布的岗位几乎相同（疑似模板诈骗）。",
            score=20),
        "duplicate.inconsistent": RuleSpec(
            Severity.flag, "同一单位的同一岗位在其他平台发布的薪资、地点或人数不一致。", score=30),
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
            f"岗位描述与其他{employers}个招聘单位已发布的岗位几乎相同"
            f"（相似度{hits[0].similarity:.0%}），疑似同一模板批量发布。",
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
                "duplicate.inconsistent",
                f"同一单位的同一岗位在其他平台也有发布，但{what}不一致。",
                severity=None if major else Severity.info, score=None if major else 15,
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
