"""Content: does the posting carry what the law requires a posting to say?

《人力资源市场暂行条例》 art. 24 requires what an employer publishes to state, truthfully,
the employer, the duties, the work location and the basic pay (the 2025 platform notice
repeats the list). A posting that lacks one of them is not approved without a human look;
an empty or very short description and an impossible headcount are flagged too.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context, RuleSpec
from verifier.models import Finding, Severity

_BASIS = "《人力资源市场暂行条例》第二十四条"


class ContentParams(BaseModel):
    """Thresholds of the content checks (`rules/content/content.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_description_chars: Annotated[int, Field(ge=0, le=10_000)] = 30
    max_headcount: Annotated[int, Field(ge=1)] = 1000


class ContentCheck(Check[Context]):
    """Required elements of a posting (employer, duties, location, basic pay) and headcount."""

    id = "content"
    version = "1"
    Params = ContentParams
    params_file = "content/content.toml"
    rules: ClassVar[dict[str, RuleSpec]] = {
        "content.missing.employer": RuleSpec(
            Severity.flag, "未写明招聘单位名称（暂行条例第24条）。"
        ),
        "content.missing.duties": RuleSpec(
            Severity.flag, "岗位描述为空，未写明工作内容（暂行条例第24条）。"
        ),
        "content.missing.location": RuleSpec(Severity.flag, "未写明工作地点（暂行条例第24条）。"),
        "content.missing.pay": RuleSpec(Severity.flag, "未写明基本劳动报酬（暂行条例第24条）。"),
        "content.description_short": RuleSpec(
            Severity.info, "岗位描述过短，信息不足以判断真实性。", score=25
        ),
        "content.headcount_invalid": RuleSpec(
            Severity.flag, "招聘人数不合理（为零、负数或过大）。"
        ),
    }

    params: ContentParams

    def check(self, ctx: Context) -> list[Finding]:
        """Flag each missing required element, a thin description and odd headcounts."""
        posting = ctx.posting
        out: list[Finding] = []
        p = self.params
        if not posting.enterprise.name.strip():
            out.append(self.finding("content.missing.employer", "未写明招聘单位名称。",
                                    data={"legal_basis": _BASIS}))
        desc = posting.description.strip()
        if not desc:
            out.append(self.finding("content.missing.duties", "岗位描述为空，未写明工作内容。",
                                    data={"legal_basis": _BASIS}))
        elif len(desc) < p.min_description_chars:
            out.append(self.finding(
                "content.description_short",
                f"岗位描述仅{len(desc)}字，少于{p.min_description_chars}字。",
                data={"chars": len(desc), "threshold": p.min_description_chars},
            ))
        loc = posting.location
        if loc is None or not (loc.province.strip() or (loc.city or "").strip()):
            out.append(self.finding("content.missing.location", "未写明工作地点。",
                                    data={"legal_basis": _BASIS}))
        sal = posting.salary
        if sal is None or (not (sal.text or "").strip() and sal.min is None and sal.max is None):
            out.append(self.finding("content.missing.pay", "未写明基本劳动报酬。",
                                    data={"legal_basis": _BASIS}))
        hc = posting.headcount
        if hc is not None and (hc <= 0 or hc > p.max_headcount):
            out.append(self.finding(
                "content.headcount_invalid",
                f"招聘人数{hc}不合理（应在1至{p.max_headcount}之间）。",
                data={"headcount": hc, "min": 1, "max": p.max_headcount},
            ))
        return out
