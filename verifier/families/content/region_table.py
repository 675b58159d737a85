"""The province adjacency table of `rules/content/region.toml`, validated with file:line.

34 provincial-level divisions, each with its GB/T 2260 code (two digits), full name and the
provinces it borders. `RegionTable.distance(a, b)` classes two places: same_city,
same_province, neighbour or far. The table is refused (every problem with its line) when a
neighbour names a province the table lacks, a pair is listed from one side only, a code
repeats, or a province of `registry/divisions.csv` is missing or named differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifier.models import Severity
from verifier.pack import PackReader, locate
from verifier.registry.uscc import UsccTables
from verifier.text.places import PROVINCE_SUFFIXES

REGION = "content/region.toml"
Distance = Literal["same_city", "same_province", "neighbour", "far"]


class Province(BaseModel):
    """One provincial-level division."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, Field(pattern=r"^\d{2}$")]
    name: Annotated[str, Field(min_length=2)]
    neighbours: list[str] = Field(default_factory=list)


class RegionParams(BaseModel):
    """`rules/content/region.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity_without_branch_data: Severity = Severity.info
    """When the registry records no branches at all, their absence proves nothing (else the
    rule's own severity)."""
    near: Literal["neighbour", "province"] = "neighbour"
    provinces: dict[str, Province] = Field(default_factory=dict)


@dataclass(frozen=True)
class RegionTable:
    """Province codes by name (short and full) and the adjacency between codes."""

    names: dict[str, str] = field(default_factory=dict)  # 北京 / 北京市 -> "11"
    full: dict[str, str] = field(default_factory=dict)  # "11" -> 北京市
    adjacent: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def load(cls, pack: PackReader) -> tuple[RegionParams, RegionTable]:
        """Read and cross-check the table; problems are recorded on `pack` with their line."""
        doc = pack.document(REGION, RegionParams)
        if doc is None:
            return RegionParams.model_construct(), cls()
        params, text = doc
        provs = params.provinces

        def fail(key: str, message: str) -> None:
            pack.fail(REGION, locate(text, ["provinces", key]), message)

        codes: dict[str, str] = {}
        pairs: set[tuple[str, str]] = set()
        for key, p in provs.items():
            if p.code in codes:
                fail(key, f"province {key}: code {p.code} already used by {codes[p.code]}")
            codes.setdefault(p.code, key)
            for n in p.neighbours:
                if n not in provs:
                    fail(key, f"province {key}: unknown neighbour {n!r}")
                elif n == key:
                    fail(key, f"province {key}: lists itself as a neighbour")
                elif key not in provs[n].neighbours:
                    fail(key, f"province {key}: lists {n} but {n} does not list {key}")
                else:
                    pairs.add((p.code, provs[n].code))
        for code, row in UsccTables.from_pack(pack).divisions.items():
            owner = codes.get(code[:2])
            if row.level != "province":
                continue
            if owner is None:
                pack.fail(REGION, locate(text, ["provinces"]),
                          f"province {row.name} ({code[:2]}) of registry/divisions.csv missing")
            elif provs[owner].name != row.name:
                fail(owner, f"province {owner}: name {provs[owner].name} differs from "
                          f"registry/divisions.csv ({row.name})")
        names = {k: p.code for k, p in provs.items()} | {p.name: p.code for p in provs.values()}
        return params, cls(names, {p.code: p.name for p in provs.values()}, frozenset(pairs))

    def province_of(self, name: str | None) -> str | None:
        """The two-digit code of a province name (北京, 北京市, 广西壮族自治区 …), or None."""
        s = (name or "").strip()
        if s in self.names:
            return self.names[s]
        for suffix in PROVINCE_SUFFIXES:
            if s.endswith(suffix) and s[: -len(suffix)] in self.names:
                return self.names[s[: -len(suffix)]]
        return None

    def distance(self, work: str, place: str) -> Distance | None:
        """Class of two division codes (2 to 6 digits); None when either province is unknown."""
        a, b = work[:2], place[:2]
        if a not in self.full or b not in self.full:
            return None
        if a != b:
            return "neighbour" if (a, b) in self.adjacent else "far"
        if len(work) >= 4 and len(place) >= 4 and work[2:4] == place[2:4] != "00":
            return "same_city"
        return "same_province"
