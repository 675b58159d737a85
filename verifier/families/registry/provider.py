"""The `registry` fact provider: resolves a posting's employer through the registry lookup.

Order (DESIGN.md): a valid USCC (or legacy 注册号) decides — found is the record, not found
is "not found" even if the name exists (a borrowed name with an unknown code must not pass
as that company); only without a usable code does the name decide (exact / former / alias,
then fuzzy at or above the match threshold). Name candidates are always attached so the
checks can tell look-alikes and names that belong to another company. The backend is
`verifier.registry.lookup` (memory index or PostgreSQL); registry changes arrive through
the `registry` epoch and refresh the backend without a restart. A resolved record comes with
the places its enterprise is registered: its branches (records whose `branch_of` is its
USCC) and, for a branch, its parent and the parent's other branches, and with its sibling
shells (records sharing its founding date, capital and business scope; the signals family
reads them).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from verifier.families.base import Context
from verifier.families.facts import FactProvider
from verifier.models import EnterpriseSummary, Posting
from verifier.registry.fact import RegistryFact
from verifier.registry.lookup import BRANCH_LIMIT, RegistryLookup, create_lookup
from verifier.registry.match import MATCH_THRESHOLD, Structure, score_structures
from verifier.registry.names import parse_cached
from verifier.registry.records import EnterpriseRecord, PlaceRef
from verifier.registry.uscc import validate_uscc
from verifier.store.registry_repo import EPOCH

if TYPE_CHECKING:
    from verifier.resources import Resources

log = logging.getLogger(__name__)


class RegistryUnavailable(Exception):
    """The registry backend could not be loaded; checks that need it fail closed."""


class RegistryProvider(FactProvider):
    """Resolves the `registry` fact."""

    name = "registry"

    def __init__(self, lookup: RegistryLookup, candidates: int = 3) -> None:
        self.lookup = lookup
        self.candidates = candidates
        self._error: str | None = None
        self.size = 0

    async def start(self) -> None:
        """Load the backend; a failure is kept and reported per posting (fail closed)."""
        try:
            self.size = await self.lookup.load()
            self._error = None
            log.info("registry loaded: %d records", self.size)
        except Exception as exc:  # keep serving; the checks fail closed
            self._error = f"{type(exc).__name__}: {exc}"
            log.warning("registry unavailable: %s", self._error)

    async def on_epoch(self, value: int) -> None:
        """The registry changed somewhere: pick the change up."""
        if self._error is not None or self.size == 0:
            await self.start()
        else:
            await self.lookup.refresh()

    async def resolve(self, ctx: Context) -> RegistryFact | None:
        """Code first, name second; candidates always. None while the registry is empty."""
        if self._error is not None:
            raise RegistryUnavailable(self._error)
        if self.size == 0:
            return None  # no registry data loaded: the checks only validate the code
        fact = await self._resolve(ctx.posting)
        rec = fact.record
        if rec is None:
            return fact
        fact = await self._with_places(fact, rec)
        return replace(fact, siblings=await self.lookup.siblings_of(rec))

    async def _with_places(self, fact: RegistryFact, rec: EnterpriseRecord) -> RegistryFact:
        """Attach the parent (for a branch) and the registered branches of the enterprise."""
        parent: PlaceRef | None = None
        head = rec.branch_of or rec.uscc
        if rec.branch_of:
            up = await self.lookup.by_uscc(rec.branch_of)
            if up is not None:
                parent = PlaceRef(up.uscc, up.name, up.division_code)
        if not head:
            return replace(fact, branch_data=self.lookup.branches_recorded)
        found = await self.lookup.branches_of(head, BRANCH_LIMIT + 1)
        branches = tuple(b for b in found[:BRANCH_LIMIT] if rec.uscc is None or b.uscc != rec.uscc)
        return replace(fact, parent=parent, branches=branches,
                       branches_truncated=len(found) > BRANCH_LIMIT,
                       branch_data=self.lookup.branches_recorded)

    async def _resolve(self, posting: Posting) -> RegistryFact:
        name = posting.enterprise.name
        raw = posting.enterprise.uscc
        chk = validate_uscc(raw) if raw and raw.strip() else None
        cands = tuple(await self.lookup.by_name(name, self.candidates))
        record: EnterpriseRecord | None = None
        match: str | None = None
        if chk is not None and chk.valid and chk.kind in ("uscc", "regno"):
            record = await (self.lookup.by_uscc(chk.code) if chk.kind == "uscc"
                            else self.lookup.by_regno(chk.code))
            match = chk.kind if record is not None else None
            if record is None:
                return RegistryFact(name, chk, None, None, None, {}, cands)
        elif cands and cands[0].is_match:
            record, match = cands[0].record, cands[0].kind
            return RegistryFact(name, chk, record, match, cands[0].score,
                                dict(cands[0].detail), cands)
        if record is None:
            return RegistryFact(name, chk, None, None, None, {}, cands)
        score, detail = name_score(name, record)
        return RegistryFact(name, chk, record, match, score, detail, cands)

    def summary(self, value: Any) -> EnterpriseSummary | None:
        """The matched enterprise for the decision's `enterprise` field."""
        if not isinstance(value, RegistryFact) or value.record is None:
            return None
        rec = value.record
        return EnterpriseSummary(uscc=rec.uscc or rec.regno or "", name=rec.name,
                                 status=rec.status.value, match=value.match, score=value.score)


def name_score(name: str, record: EnterpriseRecord) -> tuple[float, dict[str, Any]]:
    """Best similarity (0–100) of `name` to any of the record's names, with its detail."""
    q = parse_cached(name)
    best: tuple[float, dict[str, Any]] = (0.0, {})
    for kind, names in (("name", [record.name]), ("former", record.former_names),
                        ("alias", record.aliases)):
        for n in names:
            s = parse_cached(n)
            if s.name_norm in (q.name_norm, q.parent_norm):
                return 100.0, {"matched": s.name_norm, "kind": kind,
                               "threshold": MATCH_THRESHOLD}
            score, detail = score_structures(q, Structure.of(s))
            if score > best[0]:
                best = (score, {**detail, "matched": s.name_norm, "kind": kind})
    return best


def create(resources: Resources) -> RegistryProvider:
    """The registry provider over the configured backend, refreshed by the registry epoch."""
    provider = RegistryProvider(create_lookup(resources.settings, resources.engine))
    resources.on_epoch[EPOCH] = provider.on_epoch
    return provider
