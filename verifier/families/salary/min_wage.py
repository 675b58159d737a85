"""Minimum wage: pay below the local statutory minimum in force on the posting's date.

Full-time pay is compared as a monthly equivalent (day × 21.75, hour × 174) with the monthly
minimum, part-time hourly pay with the hourly minimum (非全日制); below the floor rejects.
Interns are not in a labour relationship, so for them it only flags. The city picks the
tier; when the city is unknown (or its tier is only recalled) the lowest tier decides a
reject and the highest a flag, and the evidence says which. A wage marked low-confidence or
recalled never rejects alone: the finding is degraded to flag and says so, in the words of
`rules/salary/min_wage.toml`'s `[degraded]`.
"""

from __future__ import annotations

from collections.abc import Callable
from string import Formatter
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, placeholders, says
from verifier.families.salary.tables import WEAK, WageRow, WageTable, load_wage_table
from verifier.models import EmploymentType, Finding, Severity
from verifier.pack import PackReader
from verifier.text.salary_posting import salary_spans, stated_salary


def _fills(*names: str) -> AfterValidator:
    """A reason template that fills at most `names` (text: no number format)."""
    def check(template: str) -> str:
        placeholders(template)  # only plain names
        for _, name, spec, _ in Formatter().parse(template):
            if name is not None and (name not in names or spec):
                allowed = ", ".join("{" + n + "}" for n in names) or "no placeholder"
                raise ValueError(f"{{{name}{':' + spec if spec else ''}}}: "
                                 f"the check fills {allowed}, without a format")
        return template
    return AfterValidator(check)


class DegradedReasons(BaseModel):
    """`[degraded]` of `rules/salary/min_wage.toml`: why a below-minimum finding is not a
    reject, in its `{degraded}` and the evidence's `degraded`; both reasons are required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weak_data: Annotated[str, Field(min_length=1), _fills("confidence")]
    intern: Annotated[str, Field(min_length=1), _fills()]


class ConfidenceWords(BaseModel):
    """`[confidence]` of `rules/salary/min_wage.toml`: how `weak_data`'s `{confidence}` says
    each weak confidence label of a wage row (the row keeps the label itself); both are
    required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: Annotated[str, Field(min_length=1)]
    recalled: Annotated[str, Field(min_length=1)]


class MinWageParams(BaseModel):
    """`rules/salary/min_wage.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intern_severity: Severity = Severity.flag
    degraded: DegradedReasons
    confidence: ConfidenceWords


class MinWageCheck(Check[Context]):
    """Pay below the local minimum wage in force on the posting's date."""

    id = "salary_min_wage"
    version = "1"
    Params = MinWageParams
    params_file = "salary/min_wage.toml"
    emits: ClassVar[Emits] = {"salary.below_min_wage": says(
        "value", "region", "tier", "threshold", "effective", "degraded",
        variants=["monthly", "hourly"])}

    def __init__(self, params: MinWageParams, table: WageTable) -> None:
        super().__init__(params)
        self.table = table

    @classmethod
    def build(cls, pack: PackReader) -> MinWageCheck:
        """Read the params and every minimum-wage table with the city-tier map."""
        params = pack.params(cls.params_file or "", MinWageParams)
        return cls(params, load_wage_table(pack))

    def check(self, ctx: Context) -> list[Finding]:
        """Compare the lowest stated pay with the minimum wage in force."""
        posting = ctx.posting
        sal = stated_salary(posting, ctx)
        loc = posting.location
        if sal is None or sal.status != "ok" or sal.currency != "CNY" or loc is None:
            return []
        if {"negative", "zero"} & set(sal.issues):
            return []  # salary.invalid_range reports those
        day = ctx.now.date()
        region = self.table.region_for(loc.province, loc.city)
        std = self.table.in_force(region, day)
        if std is None:
            return []
        hourly = posting.employment_type == EmploymentType.part_time
        if hourly and sal.unit != "hour":
            return []  # part-time pay is judged by the hourly minimum only
        value = (sal.min if sal.min is not None else sal.max) if hourly else (
            sal.monthly_min if sal.monthly_min is not None else sal.monthly_max)
        amount: Callable[[WageRow], float | None] = (
            (lambda r: r.hourly) if hourly else (lambda r: r.monthly))
        rows = [r for r in std.tiers.values() if amount(r) is not None]
        if value is None or not rows:
            return []
        ct = self.table.city_tier(region, loc.city)
        mapped = std.tiers.get(ct.tier) if ct else None
        mapped = mapped if mapped is not None and amount(mapped) is not None else None
        lowest = min(rows, key=lambda r: amount(r) or 0)
        reject_row = mapped if mapped is not None and ct and ct.confidence not in WEAK else lowest
        flag_row = mapped or max(rows, key=lambda r: amount(r) or 0)
        floor_reject, floor_flag = amount(reject_row) or 0, amount(flag_row) or 0
        if value >= floor_flag and value >= floor_reject:
            return []
        if len(rows) == 1:
            basis = "该地区只有一档标准"
        elif ct is None:
            basis = "城市未知或未分档：拒绝按最低档、提示按最高档"
        elif reject_row is mapped:
            basis = f"按城市{loc.city}所在第{ct.tier}档"
        else:
            basis = f"城市{loc.city}分档（第{ct.tier}档）仅为回忆数据：拒绝按最低档、提示按该档"
        row = reject_row if value < floor_reject else flag_row
        severity = Severity.reject if value < floor_reject else Severity.flag
        degraded: list[str] = []
        confidence = row.hourly_confidence if hourly else row.confidence
        why = self.params.degraded
        if severity is Severity.reject and confidence in WEAK:
            severity = Severity.flag
            degraded.append(why.weak_data.format(
                confidence=getattr(self.params.confidence, confidence)))
        if severity is Severity.reject and posting.employment_type == EmploymentType.internship:
            severity = self.params.intern_severity
            degraded.append(why.intern.format())
        data: dict[str, Any] = {
            "parsed": sal.evidence(), "measure": "hourly" if hourly else "monthly",
            "value": round(value, 2), "threshold": amount(row), "region": region,
            "judged_on": day.isoformat(), "table_row": row.evidence(std.file),
            "tier_basis": basis, "city_tier": ct.model_dump() if ct else None,
        }
        if degraded:
            data["degraded"] = degraded
        return [self.finding(
            "salary.below_min_wage", say="hourly" if hourly else "monthly",
            fill={"value": value, "region": region, "tier": row.tier, "threshold": amount(row),
                  "effective": row.effective_date, "degraded": "；".join(degraded)},
            spans=salary_spans(posting, sal), data=data, severity=severity,
        )]
