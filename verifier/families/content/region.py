"""The work location against every place the employer is registered.

A company registered in 乌鲁木齐 with no branch anywhere near 上海 advertising a job in 上海
is either recruiting for someone else or not recruiting at all: an enterprise that operates
away from its domicile registers a branch (分公司) there (《市场主体登记管理条例》第二十三条).
Registered places are the employer's own registration, its parent's when it is a branch, and
every registered branch (the `registry` fact carries them). Far = another province that does
not border the work province (table in `rules/content/region.toml`); a same-province or
neighbouring place clears the posting — commuting across 京津冀, 长三角, 广佛–港澳 or 川渝
borders is ordinary. Employers registered with a national authority (区划 10…) are exempt.
"""

from __future__ import annotations

from typing import ClassVar

from verifier.families.base import Check
from verifier.families.content.region_table import Distance, RegionParams, RegionTable
from verifier.families.content.registry import RegistryContext
from verifier.families.rules import Emits, says
from verifier.models import Finding, Location
from verifier.pack import PackReader
from verifier.registry.fact import RegistryFact
from verifier.registry.records import PlaceRef

_EVIDENCE_PLACES = 50
_LISTED = 3  # provinces a message names; more are counted
_NEAR = {"neighbour": ("same_city", "same_province", "neighbour"),
         "province": ("same_city", "same_province")}


class RegionConsistencyCheck(Check[RegistryContext]):
    """Work location far from every place the employer is registered, with no branch near."""

    id = "content_region"
    version = "1"
    Params = RegionParams
    emits: ClassVar[Emits] = {"content.region_mismatch": says(
        "province", "city", "name", "branches", "provinces", "count",
        variants=[f"{kind}_{near}{more}" for kind in ("branches", "no_branches", "no_branch_data")
                  for near in _NEAR for more in ("", "_more")])}
    """One sentence per case: branches or none (known, or unknown: no branch data), what
    counts as near (`near`), and whether the registered provinces are too many to name."""
    params: RegionParams

    def __init__(self, params: RegionParams, table: RegionTable) -> None:
        super().__init__(params)
        self.table = table

    @classmethod
    def build(cls, pack: PackReader) -> RegionConsistencyCheck:
        """Params and the province table (`rules/content/region.toml`)."""
        return cls(*RegionTable.load(pack))

    def check(self, ctx: RegistryContext) -> list[Finding]:
        """One finding when no registered place is in or next to the work province."""
        posting = ctx.posting
        fact = ctx.registry
        loc = posting.location
        work = self._work_code(loc) if loc is not None else None
        if fact is None or fact.record is None or loc is None or work is None:
            return []
        places = fact.places()
        if any(k != "branch" and (p.division_code or "").startswith("10") for k, p in places):
            return []  # registered with a national authority: operates nationwide
        compared = [(k, p, self.table.distance(work, p.division_code or "")) for k, p in places]
        known = [c for c in compared if c[2] is not None]
        if not known or any(d in _NEAR[self.params.near] for _, _, d in known):
            return []
        return [self._finding(loc, work, fact, compared)]

    def _work_code(self, loc: Location) -> str | None:
        code = (loc.division_code or "").strip()
        if code[:2] in self.table.full:
            return code
        return self.table.province_of(loc.province) or self.table.province_of(loc.city)

    def _finding(self, loc: Location, work: str, fact: RegistryFact,
                 compared: list[tuple[str, PlaceRef, Distance | None]]) -> Finding:
        provinces = list(dict.fromkeys(self.table.full[(p.division_code or "")[:2]]
                                       for _, p, d in compared if d is not None))
        branches = sum(1 for k, _, _ in compared if k == "branch")
        kind = "branches" if branches else "no_branches" if fact.branch_data else "no_branch_data"
        more = "_more" if len(provinces) > _LISTED else ""
        rec = fact.record
        fill = {"province": loc.province,
                "city": loc.city if loc.city and loc.city not in loc.province else "",
                "name": rec.name if rec else fact.query_name, "branches": branches,
                "provinces": "、".join(provinces[:_LISTED]), "count": len(provinces)}
        sev = (None if fact.branch_data or branches
               else self.params.severity_without_branch_data)
        return self.finding(
            "content.region_mismatch", say=f"{kind}_{self.params.near}{more}", fill=fill,
            severity=sev,
            data={"work": {"province": loc.province, "city": loc.city,
                           "division_code": loc.division_code, "province_code": work[:2]},
                  "places": [{"kind": k, "uscc": p.uscc, "name": p.name,
                              "division_code": p.division_code, "distance": d}
                             for k, p, d in compared[:_EVIDENCE_PLACES]],
                  "places_total": len(compared), "branches": branches,
                  "branches_truncated": fact.branches_truncated,
                  "branch_data": fact.branch_data, "distance": "far",
                  "threshold": self.params.near, "uscc": rec.uscc if rec else None,
                  "table": "content/region.toml"},
        )
