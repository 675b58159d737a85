"""Campaigns: postings in a named recruitment campaign (e.g. the 2022 SME 100-day campaign).

Campaigns are data (`rules/campaign/campaigns.toml`): id, name, tag, aliases that name it in text,
phases (date windows) and whether it is for new graduates. A posting that names a campaign
(the `campaign` field, or an alias in its title or description) gets the campaign's tag;
one submitted outside every phase is flagged; and a graduate campaign's posting that asks
for years of work experience — which new graduates cannot have — is flagged.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Posting, Span
from verifier.pack import PackReader
from verifier.text.normalize import original_pattern

_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
       "十": 10}
_YEARS = re.compile(
    r"([0-9]+|[一二两三四五六七八九十]+)\s*(?:-|~|至|到)?\s*(?:[0-9]+)?\s*年(?:以上)?(?:及以上)?"
    r"(?:工作|相关|行业|项目)?(?:工作)?经验"
)
_EXP_FIELD = re.compile(r"([0-9]+|[一二两三四五六七八九十]+)\s*(?:-|~|至|到)?\s*(?:[0-9]+)?\s*年")
_NO_EXP = re.compile(r"(不限|无|应届|在校|实习|以下|以内|不要求)")


def _num(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _CN.get(s[1:], 0)
    if "十" in s:
        a, _, b = s.partition("十")
        return _CN.get(a, 1) * 10 + (_CN.get(b, 0) if b else 0)
    return _CN.get(s, 0)


class Phase(BaseModel):
    """One date window of a campaign (inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class Campaign(BaseModel):
    """A recruitment campaign."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    tag: str
    aliases: list[str] = Field(default_factory=list)
    graduates: bool = False
    phase: Annotated[list[Phase], Field(min_length=1)]


class CampaignFile(BaseModel):
    """`rules/campaign/campaigns.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign: list[Campaign] = Field(default_factory=list)


class CampaignCheck(Check[Context]):
    """Campaign tags, phase windows and graduate-fit of campaign postings."""

    id = "campaign"
    version = "1"
    emits: ClassVar[Emits] = {
        "campaign.outside_phase": says("campaign", "day"),
        "campaign.experience_required": says("campaign", "years"),
        "campaign.unknown": says("campaign"),
    }

    def __init__(self, campaigns: list[Campaign]) -> None:
        super().__init__(None)
        self.campaigns = {c.id: c for c in campaigns}
        aliases = sorted({a for c in campaigns for a in c.aliases}, key=len, reverse=True)
        # One search over the original text says whether a field names any alias at all
        # once normalized (most postings name none, and then the field is never
        # normalized); only then is the first alias in campaign order looked for.
        self._any_alias = original_pattern(aliases) if aliases else None

    @classmethod
    def build(cls, pack: PackReader) -> CampaignCheck:
        """Read and validate `campaign/campaigns.toml`; duplicate ids refused with their line."""
        doc = pack.document("campaign/campaigns.toml", CampaignFile)
        if doc is None:
            return cls([])
        got, text = doc
        seen: dict[str, int] = {}
        for c in got.campaign:
            seen[c.id] = seen.get(c.id, 0) + 1
            if seen[c.id] > 1:
                lines = [i for i, ln in enumerate(text.splitlines(), 1)
                         if re.match(rf'\s*id\s*=\s*"{re.escape(c.id)}"', ln)]
                line = lines[seen[c.id] - 1] if len(lines) >= seen[c.id] else 0
                pack.fail("campaign/campaigns.toml", line, f"duplicate campaign id {c.id!r}")
        return cls(got.campaign)

    def _named(self, posting: Posting, ctx: Context) -> tuple[Campaign | None, Span | None]:
        if posting.campaign:
            return self.campaigns.get(posting.campaign), None
        if self._any_alias is None:
            return None, None
        any_alias = self._any_alias
        return ctx.memo("campaign.named", lambda: self._alias_named(ctx, any_alias))

    def _alias_named(
        self, ctx: Context, any_alias: re.Pattern[str]
    ) -> tuple[Campaign | None, Span | None]:
        for fld in ("title", "description"):
            view = ctx.text.view(fld)
            if not any_alias.search(view.original):
                continue
            for c in self.campaigns.values():
                for alias in c.aliases:
                    i = view.norm.find(alias)
                    if i >= 0:
                        return c, Span(field=fld, start=i, end=i + len(alias),
                                       text=view.original[i:i + len(alias)])
        return None, None

    def tags(self, ctx: Context) -> list[str]:
        """The campaign's tag when the posting names a known campaign."""
        posting = ctx.posting
        c, _ = self._named(posting, ctx)
        return [c.tag] if c else []

    def check(self, ctx: Context) -> list[Finding]:
        """Phase window and experience requirement of campaign postings."""
        posting = ctx.posting
        c, span = self._named(posting, ctx)
        if c is None:
            if posting.campaign:
                return [self.finding("campaign.unknown", fill={"campaign": posting.campaign},
                                     data={"campaign": posting.campaign,
                                           "known": sorted(self.campaigns)})]
            return []
        out: list[Finding] = []
        day = ctx.now.date()
        if not any(p.start <= day <= p.end for p in c.phase):
            out.append(self.finding(
                "campaign.outside_phase", fill={"campaign": c.name, "day": day},
                spans=[span] if span else [],
                data={"campaign": c.id, "submitted": day.isoformat(),
                      "phases": [{"name": p.name, "start": p.start.isoformat(),
                                  "end": p.end.isoformat()} for p in c.phase]},
            ))
        if c.graduates:
            years, where = self._experience(posting, ctx)
            if years and where:
                out.append(self.finding(
                    "campaign.experience_required", fill={"campaign": c.name, "years": years},
                    spans=[where], data={"campaign": c.id, "years": years},
                ))
        return out

    @staticmethod
    def _experience(posting: Posting, ctx: Context) -> tuple[int, Span | None]:
        """Years of work experience the posting asks for (0: none) and where.

        The `experience` field first, read as submitted (not normalized), with ASCII digits or
        Chinese numerals (三年, 十二年); nothing when it says 不限, 无, 应届, 在校, 实习, 以下,
        以内 or 不要求. Else the normalized description (…年以上工作经验). The content family's
        campus check reads the same field its own way (`verifier/families/content/
        requirements.py`: normalized, Arabic digits only, fewer words meaning no
        requirement). They stay two parsers: one that accepted both would move decisions (a
        field of ３年以上 would become a finding here; 不要求3年 would lose one there).
        """
        exp = posting.experience or ""
        if exp and not _NO_EXP.search(exp):
            m = _EXP_FIELD.search(exp)
            if m and _num(m.group(1)) >= 1:
                return _num(m.group(1)), Span(field="experience", start=m.start(), end=m.end(),
                                              text=m.group(0))
        view = ctx.text.view("description")
        for m in _YEARS.finditer(view.norm):
            n = _num(m.group(1))
            if n >= 1:
                return n, Span(field="description", start=m.start(), end=m.end(),
                               text=view.original[m.start():m.end()])
        return 0, None
