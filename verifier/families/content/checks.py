"""Content: does the posting carry what the law requires a posting to say?

《人力资源市场暂行条例》 art. 24 requires what an employer publishes to state, truthfully,
the employer, the duties, the work location and the basic pay (the 2025 platform notice
repeats the list). A posting that lacks one of them is not approved without a human look;
an empty or very short description and an impossible headcount are flagged too.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding


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
    emits: ClassVar[Emits] = {
        "content.missing.employer": says(),
        "content.missing.duties": says(),
        "content.missing.location": says(),
        "content.missing.pay": says(),
        "content.description_short": says("chars", "threshold"),
        "content.headcount_invalid": says("headcount", "min", "max"),
    }

    params: ContentParams

    def check(self, ctx: Context) -> list[Finding]:
        """Flag each missing required element, a thin description and odd headcounts."""
        posting = ctx.posting
        out: list[Finding] = []
        p = self.params
        if not posting.enterprise.name.strip():
            out.append(self.finding("content.missing.employer"))
        desc = posting.description.strip()
        if not desc:
            out.append(self.finding("content.missing.duties"))
        elif len(desc) < p.min_description_chars:
            facts = {"chars": len(desc), "threshold": p.min_description_chars}
            out.append(self.finding("content.description_short", fill=facts, data=facts))
        loc = posting.location
        if loc is None or not (loc.province.strip() or (loc.city or "").strip()):
            out.append(self.finding("content.missing.location"))
        sal = posting.salary
        if sal is None or (not (sal.text or "").strip() and sal.min is None and sal.max is None):
            out.append(self.finding("content.missing.pay"))
        hc = posting.headcount
        if hc is not None and (hc <= 0 or hc > p.max_headcount):
            facts = {"headcount": hc, "min": 1, "max": p.max_headcount}
            out.append(self.finding("content.headcount_invalid", fill=facts, data=facts))
        return out
