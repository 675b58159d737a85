"""Salary notation: unreadable pay, impossible ranges, 面议 instead of basic pay, bait ranges.

Reads the posting's salary once (structured figures, else `salary.text`, parsed by
`verifier.text.salary`). 面议 or no pay at all is flagged from the date a rule requiring basic
pay in every posting is in force (`negotiable_required_from`), info before it. A range whose
top is many times its bottom (8-30K) is a classic bait. Thresholds and the words naming each
problem of a range live in `rules/salary/salary.toml`, the rules (severity, product text,
messages) in `rules/salary/rules.toml`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Severity
from verifier.text.salary_posting import salary_spans, stated_salary

_BY_OUTPUT = re.compile(r"底薪.{0,12}提成|计件|按单计|多劳多得")
Word = Annotated[str, Field(min_length=1)]


class ProblemWords(BaseModel):
    """`[problems]` of `rules/salary/salary.toml`: what `salary.invalid_range` calls each
    problem in its `{problems}` (joined with 、); every problem the check finds is required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reversed: Word
    zero: Word
    negative: Word
    absurd: Word
    absurd_high: Word
    absurd_low: Word


class SalaryParams(BaseModel):
    """`rules/salary/salary.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    problems: ProblemWords

    bait_ratio: Annotated[float, Field(gt=1)] = 2.5
    bait_ratio_commission: Annotated[float, Field(gt=1)] = 4.0
    """For base + commission pay (底薪+提成) the top of the range is variable pay: wider."""
    absurd_monthly_min: Annotated[float, Field(ge=0)] = 100
    absurd_monthly_max: Annotated[float, Field(gt=0)] = 1_000_000
    negotiable_required_from: date | None = None
    """From this date a posting without basic pay breaks a rule in force (the rule's own
    severity): before it, the severity is `negotiable_severity_before`."""
    negotiable_severity_before: Severity = Severity.info
    flag_missing: bool = True


class SalaryCheck(Check[Context]):
    """Salary notation: unparsed, invalid range, negotiable (no basic pay), bait range."""

    id = "salary"
    version = "1"
    Params = SalaryParams
    params_file = "salary/salary.toml"
    emits: ClassVar[Emits] = {
        "salary.unparsed": says("text"),
        "salary.invalid_range": says("problems"),
        "salary.negotiable": says(variants=["negotiable", "missing"]),
        "salary.bait_range": says("ratio", "limit"),
    }

    def check(self, ctx: Context) -> list[Finding]:
        """Judge the notation of the posting's salary."""
        posting = ctx.posting
        p: SalaryParams = self.params
        sal = stated_salary(posting, ctx)
        if sal is None or sal.status in ("empty", "negotiable"):
            if sal is None and not p.flag_missing:
                return []
            spans = salary_spans(posting, sal)
            negotiable = sal is not None and sal.status == "negotiable"
            since = p.negotiable_required_from
            required = since is None or ctx.now.date() >= since
            return [self.finding(
                "salary.negotiable", say="negotiable" if negotiable else "missing", spans=spans,
                severity=None if required else p.negotiable_severity_before,
                data={"parsed": sal.evidence() if sal else None,
                      "required_from": since.isoformat() if since else None},
            )]
        if sal.status == "unread" and "absurd" not in sal.issues:
            return [self.finding("salary.unparsed", fill={"text": sal.text[:50]},
                                 spans=salary_spans(posting, sal),
                                 data={"parsed": sal.evidence()})]
        out: list[Finding] = []
        lo, hi = sal.monthly_min, sal.monthly_max
        figures = [v for v in (lo, hi) if v is not None]
        problems = [i for i in sal.issues if i in ("reversed", "zero", "negative", "absurd")]
        if sal.currency == "CNY" and figures:
            if max(figures) > p.absurd_monthly_max:
                problems.append("absurd_high")
            if min(figures) > 0 and min(figures) < p.absurd_monthly_min:
                problems.append("absurd_low")
        ratio = sal.max / sal.min if (
            sal.min is not None and sal.max is not None and sal.min > 0) else None
        # Pay by output stated in the body (底薪+提成, 按单计酬) widens the range by design.
        commission = sal.commission or _BY_OUTPUT.search(
            ctx.text.view("description").norm) is not None
        limit = p.bait_ratio_commission if commission else p.bait_ratio
        bait = ratio is not None and ratio > limit
        if not problems and not bait:
            return out  # the common case: nothing to report, so no evidence is built
        spans = salary_spans(posting, sal)
        data: dict[str, Any] = {"parsed": sal.evidence()}
        if problems:
            out.append(self.finding(
                "salary.invalid_range",
                fill={"problems": "、".join(getattr(p.problems, i) for i in problems)},
                spans=spans, data={**data, "problems": problems,
                                   "thresholds": {"absurd_monthly_min": p.absurd_monthly_min,
                                                  "absurd_monthly_max": p.absurd_monthly_max}},
            ))
        if bait and ratio is not None:
            out.append(self.finding(
                "salary.bait_range", fill={"ratio": ratio, "limit": limit}, spans=spans,
                data={**data, "ratio": round(ratio, 3), "threshold": limit,
                      "commission": sal.commission},
            ))
        return out

