"""Implausibly high pay: far above the market for the level, or "月入过万" for unskilled work.

Occupation × city tier decides (`rules/salary/occupation_bands.csv`): a posting whose title
(or headline) names a known occupation is flagged only when its top pay is far above that
occupation's band, at any experience level; an income promise (月入过万) at or below the
occupation's typical pay passes. Entry-level postings (应届/校招/experience 不限 or not
stated) are also held to the graduate bands by education and city tier (`bands.csv`, 2022
graduate pay surveys; specialist titles get the higher ceiling), unless the occupation is paid
by output (sales on commission, riders, drivers, trades), whose band replaces them.
Internships are compared with day/hour-rate bands (`intern_bands.csv`), lower for unskilled
work (打字, 点赞, 客服 ...). Promises with no skill asked and no occupation that explains them
are flagged too.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.families.salary.tables import city_name, region_name
from verifier.models import EmploymentType, Finding, Posting, Span
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
    promise_values: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)


class OccupationBand(BaseModel):
    """One row of `occupation_bands.csv`: typical and far-above monthly pay by city tier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    occupation: str
    name: Annotated[str, Field(min_length=1)]
    """What a message calls the occupation (文员类岗位); `occupation` is its code."""
    keywords: Annotated[str, Field(min_length=1)]
    basis: Literal["degree", "output"]
    typical_t1: float
    typical_t2: float
    typical_t3: float
    flag_above_t1: float
    flag_above_t2: float
    flag_above_t3: float
    source: str

    def words(self) -> list[str]:
        """The title keywords."""
        return [w for w in self.keywords.split("|") if w]

    def typical(self, tier: int) -> float:
        """Typical top monthly pay in a city tier."""
        return (self.typical_t1, self.typical_t2, self.typical_t3)[tier - 1]

    def flag_above(self, tier: int) -> float:
        """Monthly pay far above the occupation's market in a city tier."""
        return (self.flag_above_t1, self.flag_above_t2, self.flag_above_t3)[tier - 1]


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
    emits: ClassVar[Emits] = {"salary.implausible_high": says(
        "occupation", "education", "value", "city", "tier", "threshold", "promise",
        variants=["occupation", "occupation_no_city", "graduate", "graduate_no_city",
                  "intern_day", "intern_hour", "promise"])}

    def __init__(self, params: MarketParams, bands: list[Band], interns: list[InternBand],
                 tiers: dict[str, int], occupations: list[OccupationBand] | None = None) -> None:
        super().__init__(params)
        self.bands = {(b.education, b.market_tier): b for b in bands}
        self.occupations = occupations or []
        # Each occupation's title keywords as one search, split and compiled once.
        self._occupation_words = [(o, _any_of(o.words())) for o in self.occupations]
        self.interns = interns
        self.tiers = tiers
        self._promise = re.compile("|".join(map(re.escape, params.promises)) or r"(?!x)x")
        # "Does the text contain any of these words" as one search each.
        self._unskilled = _any_of(params.unskilled_titles)
        self._entry = _any_of(params.entry_level)

    @classmethod
    def build(cls, pack: PackReader) -> MarketCheck:
        """Read the params and the band tables."""
        params = pack.params(cls.params_file or "", MarketParams)
        bands = [b for _, b in pack.csv_rows("salary/bands.csv", Band,
                                             key=("education", "market_tier"))]
        interns = [b for _, b in pack.csv_rows("salary/intern_bands.csv", InternBand,
                                               key=("category",))]
        tiers = {t.city: t.market_tier
                 for _, t in pack.csv_rows("salary/market_tiers.csv", MarketTier, key=("city",))}
        occupations = [o for _, o in pack.csv_rows("salary/occupation_bands.csv", OccupationBand,
                                                   key=("occupation",))]
        return cls(params, bands, interns, tiers, occupations)

    def occupation(self, ctx: Context) -> OccupationBand | None:
        """The occupation the title names, else the description's headline (first line)."""
        title = ctx.text.view("title").norm
        head = ctx.text.view("description").norm[:60]
        for text in (title, head):
            for occ, words in self._occupation_words:
                if words.search(text) is not None:
                    return occ
        return None

    def tier(self, posting: Posting) -> tuple[str, int]:
        """The posting's city and its market tier (3 when unknown)."""
        loc = posting.location
        # Municipalities (北京, 上海 ...) are their own city when no city is given.
        city = city_name(loc.city) or region_name(loc.province) if loc else ""
        return city, self.tiers.get(city, 3)

    def check(self, ctx: Context) -> list[Finding]:
        """Compare the top of the stated pay with the occupation's and the graduates' band."""
        posting = ctx.posting
        out: list[Finding] = []
        sal = stated_salary(posting, ctx)
        title = ctx.text.view("title").norm
        unskilled = self._unskilled.search(title) is not None
        occ = None if unskilled else self.occupation(ctx)
        ok = sal is not None and sal.status == "ok" and sal.currency == "CNY"
        if ok and sal is not None:
            if posting.employment_type == EmploymentType.internship:
                out.extend(self._intern(posting, sal, title))
            else:
                out.extend(self._market(posting, sal, title, occ))
        asks_skill = bool(posting.education) and not any(
            w in (posting.education or "") for w in ("不限", "无"))
        if unskilled or not asks_skill:
            out.extend(self._promise_findings(posting, ctx, occ, unskilled)[:1])
        return out

    def _promise_findings(self, posting: Posting, ctx: Context, occ: OccupationBand | None,
                          unskilled: bool) -> list[Finding]:
        _, tier = self.tier(posting)
        for fld in ("title", "description"):
            view = ctx.text.view(fld)
            for m in self._promise.finditer(view.norm):
                value = self.params.promise_values.get(m.group(0))
                if occ is not None and value is not None and value <= occ.typical(tier):
                    continue  # normal pay for this occupation (月入过万 for a rider)
                span = Span(field=fld, start=m.start(), end=m.end(),
                            text=view.original[m.start():m.end()])
                return [self.finding(
                    "salary.implausible_high", say="promise", fill={"promise": span.text},
                    spans=[span],
                    data={"promise": span.text, "education": posting.education,
                          "unskilled_title": unskilled,
                          "occupation": occ.occupation if occ else None,
                          "occupation_typical": occ.typical(tier) if occ else None},
                )]
        return []

    def _market(self, posting: Posting, sal: SalaryParse, title: str,
                occ: OccupationBand | None) -> list[Finding]:
        top = sal.monthly_max if sal.monthly_max is not None else sal.monthly_min
        if top is None:
            return []
        city, tier = self.tier(posting)
        grad = self._graduate_limit(posting, title, tier) if self._entry_level(posting) else None
        if occ is not None:
            limit = occ.flag_above(tier)
            if grad is not None and occ.basis == "degree" and grad[0] < limit:
                return self._too_high(sal, top, grad, city, tier, posting)
            if top <= limit:
                return []
            return [self.finding(
                "salary.implausible_high", say="occupation" if city else "occupation_no_city",
                fill={"occupation": occ.name, "value": top, "city": city,
                      "tier": tier, "threshold": limit},
                spans=salary_spans(posting, sal),
                data=self._data(sal, top, limit, occ.model_dump(), occupation=occ.occupation,
                                market_tier=tier),
            )]
        if grad is None:
            return []
        return self._too_high(sal, top, grad, city, tier, posting)

    def _graduate_limit(self, posting: Posting, title: str,
                        tier: int) -> tuple[float, Band, str, bool] | None:
        p: MarketParams = self.params
        word = next((e for e in p.education_order if e in (posting.education or "")), "不限")
        edu = p.education_aliases.get(word, word)
        band = self.bands.get((edu, tier))
        if band is None:
            return None
        specialist = any(w in title for w in self.params.specialist_titles)
        return (band.flag_above_specialist if specialist else band.flag_above), band, edu, \
            specialist

    def _too_high(self, sal: SalaryParse, top: float, grad: tuple[float, Band, str, bool],
                  city: str, tier: int, posting: Posting) -> list[Finding]:
        limit, band, edu, specialist = grad
        if top <= limit:
            return []
        return [self.finding(
            "salary.implausible_high", say="graduate" if city else "graduate_no_city",
            fill={"education": edu, "value": top, "city": city, "tier": tier,
                  "threshold": limit},
            spans=salary_spans(posting, sal),
            data=self._data(sal, top, limit, band.model_dump(), specialist=specialist),
        )]

    def _entry_level(self, posting: Posting) -> bool:
        exp = (posting.experience or "").strip()
        return posting.channel == "campus" or bool(posting.campaign) or not exp or (
            self._entry.search(exp) is not None)

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
                return [self.finding(
                    "salary.implausible_high",
                    say="intern_day" if sal.unit == "day" else "intern_hour",
                    fill={"value": top, "threshold": limit}, spans=salary_spans(posting, sal),
                    data=self._data(sal, top, limit, band.model_dump()),
                )]
            return []
        return []

    @staticmethod
    def _data(sal: SalaryParse, value: float, limit: float, row: dict[str, Any],
              **extra: Any) -> dict[str, Any]:
        return {"parsed": sal.evidence(), "value": round(value, 2), "threshold": limit,
                "table_row": row, **extra}
