"""Applicants under 16: child labour (劳动法 Art. 15), a reject whatever else the posting says.

Reads age conditions in the title and description: a range or a floor after 年龄 whose lower
end is under 16 (年龄14-20岁, 年龄15岁以上), or an explicit 16岁以下 / 未满16周岁 that is not
a refusal (不招收未满16周岁 is the law being followed). Bare ranges without 年龄 (照顾1-3岁
宝宝) are about someone else and are not read.
"""

from __future__ import annotations

import re
from typing import ClassVar

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Span

_AGE = r"(?:周岁|岁)"
_LEAD = r"年龄[^\d，。；,;\n]{0,6}"
_RANGE = re.compile(_LEAD + rf"(\d{{1,2}})\s*{_AGE}?\s*[-~—至到]+\s*(\d{{1,2}})\s*{_AGE}")
_FLOOR = re.compile(_LEAD + rf"(\d{{1,2}})\s*{_AGE}\s*(?:以上|及以上)")
_UNDER = re.compile(
    rf"(?:未满|不满|(?<!\d))(1[0-6])\s*{_AGE}\s*(?:以下|以内)?(?:的)?(?:学生|少年|青少年)?")
_REFUSAL = re.compile(r"不招|不收|不得|禁止|严禁|拒绝|谢绝|不录用|不接受|不允许|不予")
MIN_AGE = 16


def _under16(norm: str) -> re.Match[str] | None:
    for pat in (_RANGE, _FLOOR):
        for m in pat.finditer(norm):
            if 5 <= int(m.group(1)) < MIN_AGE:
                return m
    for m in _UNDER.finditer(norm):
        text = m.group(0)
        explicit = text.startswith(("未满", "不满")) or "以下" in text or "以内" in text
        if not explicit:
            continue
        if _REFUSAL.search(norm, max(0, m.start() - 10), m.start()):
            continue
        return m
    return None


class MinorsCheck(Check[Context]):
    """Postings open to applicants under 16."""

    id = "content_minors"
    version = "1"
    emits: ClassVar[Emits] = {"content.under_16": says("text")}

    def check(self, ctx: Context) -> list[Finding]:
        """The first age condition that admits applicants under 16."""
        for fld in ("title", "description"):
            view = ctx.text.view(fld)
            m = _under16(view.norm)
            if m is None:
                continue
            span = Span(field=fld, start=m.start(), end=m.end(),
                        text=view.original[m.start():m.end()])
            return [self.finding("content.under_16", fill={"text": span.text}, spans=[span],
                                 data={"min_age": MIN_AGE})]
        return []
