"""Pay stated twice that disagrees: structured figures vs `salary.text`, salary vs description.

A posting that lists 8-12K but says 月薪2000 in its description (or whose structured figures
contradict its own salary text) shows a bait figure. Like is compared with like
(`verifier.text.pay_items`): only the description's main figure in the stated salary's unit,
and components (底薪, 绩效 ...) as floors; what managers or experienced staff earn, training
or probation pay and advances are other items. Ranges are compared as monthly equivalents;
they disagree when they do not overlap even after widening both by the tolerance in
`rules/salary/mismatch.toml`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Span
from verifier.text.pay_items import pay_kind
from verifier.text.salary import SalaryParse, iter_pay
from verifier.text.salary_posting import salary_spans, stated_salary, text_parse


class MismatchParams(BaseModel):
    """`rules/salary/mismatch.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tolerance: Annotated[float, Field(ge=0, lt=1)] = 0.25


def _bounds(p: SalaryParse) -> tuple[float, float] | None:
    lo, hi = p.monthly_min, p.monthly_max
    if p.status != "ok" or p.currency != "CNY" or (lo is None and hi is None):
        return None
    if p.base_only or p.commission:
        hi = None  # 底薪 3000 + 提成: the base is a floor, total pay may be anything above
    return (lo if lo is not None else 0.0), (hi if hi is not None else math.inf)


class MismatchCheck(Check[Context]):
    """The structured salary and the pay stated in the text disagree."""

    id = "salary_mismatch"
    version = "1"
    Params = MismatchParams
    params_file = "salary/mismatch.toml"
    emits: ClassVar[Emits] = {
        "salary.text_mismatch": says("text", variants=["salary_text", "description"])}

    def _disagree(self, ra: tuple[float, float], b: SalaryParse) -> bool:
        rb = _bounds(b)
        if rb is None:
            return False
        t: float = self.params.tolerance
        return ra[0] * (1 - t) > rb[1] * (1 + t) or rb[0] * (1 - t) > ra[1] * (1 + t)

    def check(self, ctx: Context) -> list[Finding]:
        """Compare the stated salary with its own text and with the description."""
        posting = ctx.posting
        sal = stated_salary(posting, ctx)
        stated = None if sal is None else _bounds(sal)
        if sal is None or stated is None:
            return []  # no figures to compare: nothing can disagree with them
        own = text_parse(posting)
        if own is not None and own is not sal and self._disagree(stated, own):
            return [self._finding("salary.text", sal, own, salary_spans(posting, own))]
        text = posting.description
        norm = ctx.text.view("description").norm
        # Lazily, over the shared normalized view, up to the main figure.
        for said in iter_pay(text, norm):
            kind = pay_kind(norm, said)
            if kind == "other" or (said.unit != sal.unit and not said.unit_inferred):
                continue
            item = said if kind == "main" else dataclasses.replace(said, base_only=True)
            if self._disagree(stated, item):
                span = Span(field="description", start=said.start, end=said.end,
                            text=text[said.start:said.end])
                return [self._finding("description", sal, said,
                                      [*salary_spans(posting, sal), span],
                                      kind=kind)]
            if kind == "main":
                break  # the text's main figure agrees: later figures are other items
        return []

    def _finding(self, where: str, sal: SalaryParse, other: SalaryParse,
                 spans: list[Span], kind: str = "main") -> Finding:
        return self.finding(
            "salary.text_mismatch", say="salary_text" if where == "salary.text" else "description",
            fill={"text": other.text[:30].strip()}, spans=spans,
            data={"stated": sal.evidence(), "other": other.evidence(), "other_field": where,
                  "other_kind": kind, "threshold": self.params.tolerance},
        )
