"""Profile or description that is mostly recruitment advertising, not substance.

Annotators of real 58同城 postings (ORFD) marked fakes whose 公司介绍 is a sales pitch for
the job — 高薪、晋升、月入过万、欢迎加入 — instead of what the company does, and whose
description lists perks but no duties. Sentences are classed by phrase lists kept as data
(`rules/content/profile.toml`); the finding cites the advertising sentences.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Span
from verifier.text.normalize import TextView, normalize
from verifier.text.occupations import span_of

_SENTENCE = re.compile(r"[^。！？!?；;\n]+")
_NEVER = re.compile(r"(?!x)x")


def _alternation(words: list[str]) -> re.Pattern[str]:
    """One regex over the normalized phrases, longest first (one C-speed scan per sentence)."""
    alts = sorted({normalize(w) for w in words if w}, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in alts)) if alts else _NEVER


class ProfileParams(BaseModel):
    """Phrase lists and thresholds (`rules/content/profile.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ad: list[str] = Field(default_factory=list)
    company: list[str] = Field(default_factory=list)
    duty: list[str] = Field(default_factory=list)
    min_ad_sentences: Annotated[int, Field(ge=1, le=100)] = 3
    min_ad_ratio: Annotated[float, Field(gt=0, le=1)] = 0.6
    max_other_sentences: Annotated[int, Field(ge=0, le=100)] = 0


class ProfileAdCheck(Check[Context]):
    """The company profile or the description is mostly advertising boilerplate."""

    id = "content_profile"
    version = "1"
    Params = ProfileParams
    params_file = "content/profile.toml"
    emits: ClassVar[Emits] = {"content.profile_is_ad": says(
        "sentences", "ad_sentences", "phrases", variants=["company_profile", "description"])}

    def __init__(self, params: ProfileParams) -> None:
        super().__init__(params)
        self._ad = _alternation(params.ad)
        self._company = _alternation(params.company)
        self._duty = _alternation(params.duty)

    params: ProfileParams

    def check(self, ctx: Context) -> list[Finding]:
        """Judge the profile against company words, the description against duty words."""
        out = []
        for fld, other in (("company_profile", self._company), ("description", self._duty)):
            got = self._judge(fld, ctx.text.view(fld), other)
            if got is not None:
                out.append(got)
        return out

    def _judge(self, fld: str, view: TextView, other: re.Pattern[str]) -> Finding | None:
        p = self.params
        ads: list[tuple[Span, list[str]]] = []
        others = total = 0
        for m in _SENTENCE.finditer(view.norm):
            s = m.group(0)
            if len(s.strip()) < 2:
                continue
            total += 1
            words = self._ad.findall(s)
            if words:
                ads.append((span_of(fld, view, m.start(), m.end()), words))
            elif other.search(s):
                others += 1
        if (len(ads) < p.min_ad_sentences or others > p.max_other_sentences
                or len(ads) < p.min_ad_ratio * total):
            return None
        phrases = sorted({w for _, ws in ads for w in ws})
        return self.finding(
            "content.profile_is_ad", say=fld,
            fill={"sentences": total, "ad_sentences": len(ads), "phrases": "、".join(phrases[:6])},
            spans=[s for s, _ in ads[:10]],
            data={"field": fld, "sentences": total, "ad_sentences": len(ads),
                  "other_sentences": others, "phrases": phrases,
                  "min_ad_sentences": p.min_ad_sentences, "min_ad_ratio": p.min_ad_ratio,
                  "max_other_sentences": p.max_other_sentences,
                  "table": "content/profile.toml"},
        )
