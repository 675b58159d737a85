"""Salary reference data from `rules/salary/`: minimum wages with effective dates, city tiers.

Not a check itself: the salary checks load these through the `PackReader` (so the files are
fingerprinted and bad rows refused with file and line) and look them up purely.

A region's *standard* is the set of tier rows sharing one effective date; the standard in
force on a date is the latest one dated on or before it (a new standard replaces every tier,
so a tier dropped by the new standard does not linger).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifier.pack import PackReader
from verifier.text.normalize import normalize
from verifier.text.places import PROVINCE_SUFFIX

Confidence = Literal["high", "medium", "low", "recalled"]
WEAK: frozenset[str] = frozenset({"low", "recalled"})
"""Confidence labels that must not drive a hard reject alone (DOMAIN.md: confirm first)."""

_CITY_SUFFIX = re.compile(r"(?:市|地区|盟)$")


@lru_cache(maxsize=1024)
def region_name(name: str | None) -> str:
    """`广东省` → `广东`, `广西壮族自治区` → `广西`, `北京市` → `北京` (also traditional forms)."""
    s = normalize(name or "").strip().replace(" ", "")
    return PROVINCE_SUFFIX.sub("", s) if len(s) > 2 else s


@lru_cache(maxsize=1024)
def city_name(name: str | None) -> str:
    """`深圳市` → `深圳`; an empty string when unknown."""
    s = normalize(name or "").strip().replace(" ", "")
    return _CITY_SUFFIX.sub("", s) if len(s) > 2 else s


class WageRow(BaseModel):
    """One row of `rules/salary/min_wage_*.csv`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: Annotated[str, Field(min_length=2)]
    tier: Annotated[int, Field(ge=1, le=6)]
    monthly: Annotated[float, Field(gt=500, lt=10000)]
    hourly: Annotated[float, Field(gt=3, lt=100)] | None = None
    effective_date: date
    confidence: Confidence
    hourly_confidence: Confidence | None = None
    source: str
    note: str = ""

    def evidence(self, file: str) -> dict[str, Any]:
        """The row as evidence: region, tier, amounts, date, confidence, source file."""
        return {
            "region": self.region, "tier": self.tier, "monthly": self.monthly,
            "hourly": self.hourly, "effective_date": self.effective_date.isoformat(),
            "confidence": self.confidence, "hourly_confidence": self.hourly_confidence,
            "file": file, "source": self.source[:200], "note": self.note,
        }


class CityTier(BaseModel):
    """One row of `rules/salary/city_tiers.csv`: which wage tier a city is in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str
    city: str
    tier: Annotated[int, Field(ge=1, le=6)]
    confidence: Confidence
    source: str


@dataclass(frozen=True)
class Standard:
    """The tiers of one region's minimum-wage standard, in force from one date."""

    region: str
    effective_date: date
    tiers: dict[int, WageRow]
    file: str

    def lowest(self) -> WageRow:
        """The tier with the lowest monthly minimum."""
        return min(self.tiers.values(), key=lambda r: r.monthly)

    def highest(self) -> WageRow:
        """The tier with the highest monthly minimum."""
        return max(self.tiers.values(), key=lambda r: r.monthly)


@dataclass(frozen=True)
class WageTable:
    """All minimum-wage standards by region, plus the city → tier map."""

    standards: dict[str, list[Standard]]
    cities: dict[tuple[str, str], CityTier]

    def region_for(self, province: str | None, city: str | None) -> str:
        """The table region of a location (深圳 has its own standard, apart from 广东)."""
        c, p = city_name(city), region_name(province)
        if c in self.standards and (not p or p == "广东" or p == c):
            return c
        return p

    def in_force(self, region: str, day: date) -> Standard | None:
        """The region's standard in force on `day`, or None (none tabulated that early)."""
        best = None
        for std in self.standards.get(region, []):
            if std.effective_date > day:
                continue
            if best is None or std.effective_date > best.effective_date:
                best = std
        return best

    def city_tier(self, region: str, city: str | None) -> CityTier | None:
        """The city's tier in its region, when mapped."""
        return self.cities.get((region, city_name(city)))


def load_wage_table(pack: PackReader, pattern: str = "salary/min_wage_*.csv") -> WageTable:
    """Read every minimum-wage file and the city-tier map; problems recorded with file:line."""
    grouped: dict[tuple[str, date], tuple[str, dict[int, WageRow]]] = {}
    for rel in pack.glob(pattern):
        for line, row in pack.csv_rows(rel, WageRow, key=("region", "tier", "effective_date")):
            key = (row.region, row.effective_date)
            file, tiers = grouped.setdefault(key, (rel, {}))
            if file != rel or row.tier in tiers:
                pack.fail(rel, line, f"standard {row.region} {row.effective_date} also in {file}")
                continue
            tiers[row.tier] = row
    standards: dict[str, list[Standard]] = {}
    for (region, day), (file, tiers) in sorted(grouped.items()):
        ordered = [tiers[t].monthly for t in sorted(tiers)]
        if ordered != sorted(ordered, reverse=True):
            pack.fail(file, 0, f"{region} {day}: tier 1 must be the highest minimum")
        standards.setdefault(region, []).append(Standard(region, day, tiers, file))
    cities: dict[tuple[str, str], CityTier] = {}
    rel = "salary/city_tiers.csv"
    for line, ct in pack.csv_rows(rel, CityTier, key=("region", "city")):
        if ct.region not in standards:
            pack.fail(rel, line, f"region {ct.region!r} has no minimum-wage standard")
        cities[(ct.region, ct.city)] = ct
    return WageTable(standards, cities)
