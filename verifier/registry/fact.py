"""The `registry` fact: what the registry says about a posting's employer.

Built by `verifier.families.registry.provider` (I/O) and read by the registry and content
checks (pure) through the `ReadsRegistry` slot of their context. Tests build it directly.
"Not found" is a value (`record is None`), never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from verifier.registry.match import NameMatch
from verifier.registry.records import EnterpriseRecord, PlaceRef
from verifier.registry.siblings import Siblings
from verifier.registry.uscc import CodeCheck


class ReadsRegistry(Protocol):
    """Fact slot of a check's context: the registry fact (declare it to read it)."""

    @property
    def registry(self) -> RegistryFact | None:
        """What the registry says about the employer; None when no registry is configured."""


@dataclass(frozen=True)
class RegistryFact:
    """The posting's enterprise as resolved through the registry."""

    query_name: str
    code_check: CodeCheck | None = None
    """Validation of the code the posting gave (None when it gave none)."""
    record: EnterpriseRecord | None = None
    """The enterprise resolved: by USCC / 注册号 first, else the best name match."""
    match: str | None = None
    """How `record` was found: uscc | regno | exact | former | alias | fuzzy ... | None."""
    score: float | None = None
    """0–100 similarity of the posting's name to `record`'s names (100 for an exact name)."""
    name_detail: dict[str, Any] = field(default_factory=dict)
    candidates: tuple[NameMatch, ...] = ()
    """Registry records whose names resemble the posting's name, best first."""
    parent: PlaceRef | None = None
    """The registered parent when `record` is itself a branch (its `branch_of`)."""
    branches: tuple[PlaceRef, ...] = ()
    """Registered branches of the enterprise (of its parent when `record` is a branch,
    `record` itself excluded), at most `BRANCH_LIMIT`."""
    branches_truncated: bool = False
    """Whether the lookup stopped at its limit (more branches are registered)."""
    branch_data: bool = False
    """Whether the registry records branches at all: without any, "no branch" is no evidence."""
    siblings: Siblings | None = None
    """Other registered enterprises with `record`'s founding date, capital and business scope
    (None when the record lacks one of the three or none was looked up)."""

    @property
    def by_code(self) -> bool:
        """Whether the record was found by its code (USCC or 注册号)."""
        return self.match in ("uscc", "regno")

    def evidence(self) -> dict[str, Any]:
        """The record fields a finding shows reviewers."""
        r = self.record
        if r is None:
            return {"record": None}
        return {"record": {
            "uscc": r.uscc, "regno": r.regno, "name": r.name, "status": r.status.value,
            "status_raw": r.status_raw,
            "established": r.established.isoformat() if r.established else None,
            "division_code": r.division_code,
        }, "match": self.match, "score": self.score}

    def places(self) -> list[tuple[str, PlaceRef]]:
        """Every place the employer is registered: (own | parent | branch, place)."""
        r = self.record
        if r is None:
            return []
        out = [("own", PlaceRef(r.uscc, r.name, r.division_code))]
        if self.parent is not None:
            out.append(("parent", self.parent))
        out.extend(("branch", b) for b in self.branches)
        return out

    def candidate_evidence(self, limit: int = 3) -> list[dict[str, Any]]:
        """The best name candidates, briefly."""
        return [{"uscc": c.record.uscc, "name": c.record.name, "kind": c.kind,
                 "score": round(c.score, 1)} for c in self.candidates[:limit]]
