"""Implausibly high pay: far above the market for the level, or "月入过万" for unskilled work.

Entry-level postings (应届/校招/no experience asked) are compared with plausible monthly
bands by education and city tier (`rules/salary/bands.csv`, from 2022 graduate pay surveys);
specialist titles (algorithm, quant, chip ...) get the higher ceiling. Internships are
compared with day/hour-rate bands (`intern_bands.csv`), lower for unskilled work (打字, 点赞,
客服 ...). Promises such as 月入过万 / 日入过千 with no skill asked are flagged too.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context, RuleSpec
from verifier.families.salary.tables import city_name, region_name
from verifier.models import EmploymentType, Finding, Posting, Severity, Span
from verifier.pack import PackReader
from verifier.text.salary import SalaryParse
from verifier.text.salary_posting import salary_spans, stated_salary


class MarketParams(BaseModel):
    """`rules/salary/market.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_level: list[str] = Field(default_factory=lambda: ["应届", "无经验", "不限", "在校"])
    specialist_titles: list[str] = Field(default_factory=list)
    unskilled_titles: list[str] = Field(default_factory=list)
    promises: list[str] = Field(default_factory=list)
    education_order: list[str] = Field(default_factory=lambda: ["博士", "硕士", "本科", "大专"])
    education_aliases: dict[str, str] = Field(default_factory=dict)


class Band(BaseModel):
    """One row of `bands.csv`: plausible monthly pay for an education and city tier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    education: str
    market_tier: Annotated[int, Field(ge=1, le=3)]
    median: float
    flag_above: float
    flag_above_specialist: float
    source: str


class InternBand(BaseModel):
    """One row of `intern_bands.csv`: the highest plausible intern day and hour rates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str
    keywords: str = ""
    day_max: Annotated[float, Field(gt=0)]
    hour_max: Annotated[float, Field(gt=0)]
    source: str


class MarketTier(BaseModel):
    """One row of `market_tiers.csv`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    city: str
    market_tier: Annotated[int, Field(ge=1, le=3)]
    source: str


def _any_of(words: list[str]) -> re.Pattern[str]:
    """A search that succeeds exactly when `any(w in text for w in words)` does."""
    return re.compile("|".join(map(re.escape, words)) if words else r"(?!x)x")


class MarketCheck(Check[Context]):
    """Pay far above the market for the level, or income promises for unskilled work."""

    id = "salary_market"
    version = "1"
    Params = MarketParams
    params_file = "salary/market.toml"
    rules: ClassVar[dict[str, RuleSpec]] = {
        "salary.implausible_high": RuleSpec(
            Severity.flag,
            "薪资远高于同学历、同城市层级的市场水平，或对无技能要求的工作承诺高收入。",
        ),
    }

    def __init__(self, params: MarketParams, bands: list[Band], interns: list[InternBand],
                 tiers: dict[str, int]) -> None:
        super().__init__(params)
        self.bands = {(b.education, b.market_tier): b for b in bands}
        self.interns = interns
        self.tiers = tiers
        self._promise = re.compile("|".join(map(re.escape, params.promises)) or r"(?!x)x")
        # "Does the text contain any of these words" as one search each.
        self._unskilled = _any_of(params.unskilled_titles)
        self._entry = _any_of(params.entry_level)

    @classmethod
    def load(cls, pack: PackReader) -> MarketCheck:
        """Read the params and the band tables."""
        params = pack.params(cls.params_file or "", MarketParams)
        bands = [b for _, b in pack.csv_rows("salary/bands.csv", Band,
                                             key=("education", "market_tier"))]
        interns = [b for _, b in pack.csv_rows("salary/intern_bands.csv", InternBand,
                                               key=("category",))]
        tiers = {t.city: t.market_tier
                 for _, t in pack.csv_rows("salary/market_tiers.csv", MarketTier, key=("city",))}
        return cls(params, bands, interns, tiers)

    def check(self, ctx: Context) -> list[Finding]:
        """Compare the top of the stated pay with the plausible band."""
        posting = ctx.posting
        out: list[Finding] = []
        sal = stated_salary(posting, ctx)
        title = ctx.text.view("title").norm
        unskilled = self._unskilled.search(title) is not None
        ok = sal is not None and sal.status == "ok" and sal.currency == "CNY"
        if ok and sal is not None:
            if posting.employment_type == EmploymentType.internship:
                out.extend(self._intern(posting, sal, title))
            elif self._entry_level(posting):
                out.extend(self._graduate(posting, sal, title))
        asks_skill = bool(posting.education) and not any(
            w in (posting.education or "") for w in ("不限", "无"))
        if unskilled or not asks_skill:
            for fld in ("title", "description"):
                view = ctx.text.view(fld)
                m = self._promise.search(view.norm)
                if m:
                    span = Span(field=fld, start=m.start(), end=m.end(),
                                text=view.original[m.start():m.end()])
                    out.append(self.finding(
                        "salary.implausible_high",
                        f"对无学历或技能要求的岗位承诺“{span.text}”，疑似高薪诱饵。", spans=[span],
                        data={"promise": span.text, "education": posting.education,
                              "unskilled_title": unskilled},
                    ))
                    break
        return out

    def _entry_level(self, posting: Posting) -> bool:
        exp = posting.experience or ""
        return posting.channel == "campus" or bool(posting.campaign) or (
            self._entry.search(exp) is not None)

    def _graduate(self, posting: Posting, sal: SalaryParse, title: str) -> list[Finding]:
        top = sal.monthly_max if sal.monthly_max is not None else sal.monthly_min
        p: MarketParams = self.params
        word = next((e for e in p.education_order if e in (posting.education or "")), "不限")
        edu = p.education_aliases.get(word, word)
        loc = posting.location
        # Municipalities (北京, 上海 ...) are their own city when no city is given.
        city = city_name(loc.city) or region_name(loc.province) if loc else ""
        tier = self.tiers.get(city, 3)
        band = self.bands.get((edu, tier))
        if top is None or band is None:
            return []
        specialist = any(w in title for w in self.params.specialist_titles)
        limit = band.flag_above_specialist if specialist else band.flag_above
        if top <= limit:
            return []
        return [self.finding(
            "salary.implausible_high",
            f"入门级{edu}岗位月薪折算{top:.0f}元，"
            f"远高于{city or '该'}城市层级{tier}的合理上限{limit:.0f}元。",
            spans=salary_spans(posting, sal),
            data=self._data(sal, top, limit, band.model_dump(), specialist=specialist),
        )]

    def _intern(self, posting: Posting, sal: SalaryParse, title: str) -> list[Finding]:
        top = sal.max if sal.max is not None else sal.min
        if top is None or sal.unit not in ("day", "hour"):
            return []
        for band in self.interns:
            words = [w for w in band.keywords.split("|") if w]
            if words and not any(w in title for w in words):
                continue
            limit = band.day_max if sal.unit == "day" else band.hour_max
            if top > limit:
                unit = "日薪" if sal.unit == "day" else "时薪"
                return [self.finding(
                    "salary.implausible_high",
                    f"实习岗位{unit}{top:.0f}元，超过同类工作的合理上限{limit:.0f}元。",
                    spans=salary_spans(posting, sal),
                    data=self._data(sal, top, limit, band.model_dump()),
                )]
            return []
        return []

    @staticmethod
    def _data(sal: SalaryParse, value: float, limit: float, row: dict[str, Any],
              **extra: Any) -> dict[str, Any]:
        return {"parsed": sal.evidence(), "value": round(value, 2), "threshold": limit,
                "table_row": row, **extra}
