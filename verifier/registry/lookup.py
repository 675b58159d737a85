"""One registry lookup interface, two backends chosen by `Settings.registry_backend`.

API:
- `RegistryLookup` (abstract): async `by_uscc(code)`, `by_regno(regno)` → record or None;
  `by_name(name, limit=3)` → `list[NameMatch]` (exact canonical name / former name / alias
  first, then the parent of a branch, then fuzzy candidates with their score);
  `branches_of(uscc, limit)` → `list[PlaceRef]` (records whose `branch_of` is that USCC);
  `load()`; `refresh()` (reload when the table changed; returns whether it did).
- `siblings_of(record)` → the record's sibling shells (`Siblings`: other records with its
  founding date, capital and business scope) or None when it lacks one of the three.
- `MemoryLookup`: the in-memory `NameIndex`, loaded from the `enterprises` table (or built
  from records with `MemoryLookup.from_records`), for registries up to a few million.
- `PostgresLookup`: PostgreSQL itself — B-tree on `uscc` and `name_norm`, `pg_trgm`
  similarity (GIN `gin_trgm_ops`) on the normalized 字号, the same scoring in Python;
  branches through the partial expression index on the record's `branch_of` (0005);
  sibling shells through the expression index on its founding date and capital (0011).
- `create_lookup(settings, engine)` picks one.

Both backends compute keys only through `verifier.registry.names.normalize_name`, and both
score candidates with `verifier.registry.match.score_structures`, so they agree.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.registry.index import IndexBuilder, NameIndex
from verifier.registry.match import (
    MATCH_THRESHOLD,
    MIN_SCORE,
    NameMatch,
    Structure,
    score_structures,
    settle,
)
from verifier.registry.names import ParsedName, parse_cached
from verifier.registry.records import EnterpriseRecord, PlaceRef
from verifier.registry.siblings import Siblings, shell_key, siblings_from
from verifier.registry.uscc import normalize_code
from verifier.settings import Settings

PG_FUZZY_LIMIT = 50
BRANCH_LIMIT = 500
"""At most this many branches per parent are returned (a national chain has thousands; the
region check needs places, and 500 cover every province many times over)."""
_KINDS = {"name": "exact", "former": "former", "alias": "alias"}
BRANCH_OF_SQL = "((record::jsonb) ->> 'branch_of')"
"""The indexed expression (migration 0005): written exactly so the planner uses the index."""
ESTABLISHED_SQL = "((record::jsonb) ->> 'established')"
CAPITAL_SQL = "(((record::jsonb) ->> 'capital_cny')::numeric)"
"""The indexed expressions of migration 0011 (sibling shells), written exactly as there."""
SHELL_GROUP_LIMIT = 200
"""Records of one date and capital read per sibling lookup (a batch of shells is a few dozen)."""


class RegistryLookup(ABC):
    """Find registry records by code or by name."""

    @property
    @abstractmethod
    def branches_recorded(self) -> bool:
        """Whether any record names a parent (`branch_of`): only then does "no branch" mean
        something (many registry extracts carry no branch links at all)."""

    @abstractmethod
    async def by_uscc(self, code: str) -> EnterpriseRecord | None:
        """The record with this USCC (input normalized first), or None."""

    @abstractmethod
    async def by_regno(self, regno: str) -> EnterpriseRecord | None:
        """The record with this legacy 15-digit 注册号, or None."""

    @abstractmethod
    async def by_name(self, name: str, limit: int = 3) -> list[NameMatch]:
        """Exact / former / alias hits first, then the branch's parent, then fuzzy."""

    @abstractmethod
    async def branches_of(self, uscc: str, limit: int = BRANCH_LIMIT) -> list[PlaceRef]:
        """Records registered as branches of the enterprise with this USCC, first `limit`."""

    @abstractmethod
    async def siblings_of(self, record: EnterpriseRecord) -> Siblings | None:
        """Other records with the record's founding date, capital and business scope."""

    @abstractmethod
    async def load(self) -> int:
        """Prepare the backend; returns the number of records visible."""

    @abstractmethod
    async def refresh(self) -> bool:
        """Pick up registry changes; True when something was reloaded."""


class MemoryLookup(RegistryLookup):
    """The in-memory index, loaded from the `enterprises` table of `engine`."""

    def __init__(self, engine: AsyncEngine | None, index: NameIndex | None = None) -> None:
        self.engine = engine
        self.index = index or IndexBuilder().finish()
        self._version: tuple[Any, ...] | None = None

    @property
    def branches_recorded(self) -> bool:
        """Whether the index holds any branch."""
        return len(self.index.branches.keys) > 0

    @classmethod
    def from_records(cls, records: Iterable[EnterpriseRecord]) -> MemoryLookup:
        """A lookup over records in memory (no database)."""
        return cls(None, NameIndex.build(records))

    async def by_uscc(self, code: str) -> EnterpriseRecord | None:
        """The record with this USCC, or None."""
        return self.index.by_uscc(normalize_code(code))

    async def by_regno(self, regno: str) -> EnterpriseRecord | None:
        """The record with this 注册号, or None."""
        return self.index.by_regno(normalize_code(regno))

    async def by_name(self, name: str, limit: int = 3) -> list[NameMatch]:
        """See `NameIndex.by_name`."""
        return self.index.by_name(name, limit)

    async def branches_of(self, uscc: str, limit: int = BRANCH_LIMIT) -> list[PlaceRef]:
        """See `NameIndex.branches_of`."""
        return self.index.branches_of(normalize_code(uscc), limit)

    async def siblings_of(self, record: EnterpriseRecord) -> Siblings | None:
        """See `NameIndex.siblings_of` (in memory: no database round trip)."""
        return self.index.siblings_of(record)

    async def _table_version(self) -> tuple[Any, ...]:
        assert self.engine is not None
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(text("SELECT count(*), max(updated_at) FROM enterprises"))
            ).one()
        return tuple(row)

    async def load(self) -> int:
        """(Re)build the index from the table; the old index serves until the swap."""
        if self.engine is None:
            return len(self.index)
        version = await self._table_version()
        builder = IndexBuilder()
        async with self.engine.connect() as conn:
            result = await conn.stream(text("SELECT record FROM enterprises ORDER BY id"))
            async for (raw,) in result:
                builder.add(EnterpriseRecord.model_validate_json(raw))
        self.index = builder.finish()
        self._version = version
        return len(self.index)

    async def refresh(self) -> bool:
        """Reload when the table's row count or latest `updated_at` changed."""
        if self.engine is None or await self._table_version() == self._version:
            return False
        await self.load()
        return True


class PostgresLookup(RegistryLookup):
    """Lookups answered by PostgreSQL: B-tree keys and pg_trgm similarity on the 字号."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._branches_recorded = False

    @property
    def branches_recorded(self) -> bool:
        """As of the last `load` / `refresh` (a registry epoch triggers one)."""
        return self._branches_recorded

    async def _rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def by_uscc(self, code: str) -> EnterpriseRecord | None:
        """The record with this USCC, or None."""
        rows = await self._rows(
            "SELECT record FROM enterprises WHERE uscc = :c", c=normalize_code(code)
        )
        return EnterpriseRecord.model_validate_json(rows[0][0]) if rows else None

    async def by_regno(self, regno: str) -> EnterpriseRecord | None:
        """The record with this 注册号, or None."""
        rows = await self._rows(
            "SELECT record FROM enterprises WHERE regno = :c", c=normalize_code(regno)
        )
        return EnterpriseRecord.model_validate_json(rows[0][0]) if rows else None

    async def branches_of(self, uscc: str, limit: int = BRANCH_LIMIT) -> list[PlaceRef]:
        """One seek in the partial index on the stored record's `branch_of`."""
        rows = await self._rows(
            "SELECT uscc, name, (record::jsonb) ->> 'division_code' FROM enterprises "
            f"WHERE {BRANCH_OF_SQL} = :u ORDER BY id LIMIT :lim",
            u=normalize_code(uscc), lim=limit,
        )
        return [PlaceRef(code, name, division) for code, name, division in rows]

    async def siblings_of(self, record: EnterpriseRecord) -> Siblings | None:
        """One seek in the (date, capital) expression index; the scope is compared here."""
        key = shell_key(record)
        if key is None or record.established is None:
            return None
        sql = f"SELECT record FROM enterprises WHERE {ESTABLISHED_SQL} = :d"
        params: dict[str, Any] = {"d": record.established.isoformat(),
                                  "lim": SHELL_GROUP_LIMIT}
        if record.capital_cny is not None:
            sql += f" AND {CAPITAL_SQL} = CAST(:c AS numeric)"
            params["c"] = repr(record.capital_cny)
        rows = await self._rows(sql + " ORDER BY id LIMIT :lim", **params)
        return siblings_from(record, key,
                             [EnterpriseRecord.model_validate_json(r[0]) for r in rows])

    async def by_name(self, name: str, limit: int = 3) -> list[NameMatch]:
        """Exact keys first (B-tree), then pg_trgm candidates scored like the memory index."""
        q = parse_cached(name)
        out = await self._exact(q.name_norm, "")
        if not out and q.branch:
            out = await self._exact(q.parent_norm, q.branch)
        if out:
            return out[:limit]
        return await self._fuzzy(q, limit)

    async def _exact(self, key: str, branch: str) -> list[NameMatch]:
        rows = await self._rows(
            "SELECT e.id, e.record, 'name' AS kind FROM enterprises e WHERE e.name_norm = :k "
            "UNION ALL SELECT e.id, e.record, n.kind FROM enterprise_names n "
            "JOIN enterprises e ON e.id = n.enterprise_id WHERE n.name_norm = :k",
            k=key,
        )
        out: list[NameMatch] = []
        seen: set[int] = set()
        for rid, raw, kind in sorted(rows, key=lambda r: (r[2] != "name", r[0])):
            if rid in seen:
                continue
            seen.add(rid)
            rec = EnterpriseRecord.model_validate_json(raw)
            detail = {"key": key, "threshold": MATCH_THRESHOLD}
            out.append(NameMatch(rec, _KINDS.get(kind, kind), 100.0, key, branch, detail))
        return out

    async def _fuzzy(self, q: ParsedName, limit: int) -> list[NameMatch]:
        if not q.trade:
            return []
        rows = await self._rows(
            "SELECT e.id, e.record, n.kind, n.name_norm FROM enterprise_names n "
            "JOIN enterprises e ON e.id = n.enterprise_id WHERE n.trade_name % :t "
            "ORDER BY similarity(n.trade_name, :t) DESC, n.id LIMIT :lim",
            t=q.trade,
            lim=PG_FUZZY_LIMIT,
        )
        best: dict[int, tuple[float, Any, str, str, dict[str, Any]]] = {}
        for rid, raw, kind, norm in rows:
            score, detail = score_structures(q, Structure.of(parse_cached(norm)))
            if score >= MIN_SCORE and (rid not in best or best[rid][0] < score):
                best[rid] = (score, raw, kind, norm, detail)
        top = sorted(best.values(), key=lambda v: -v[0])[: max(limit, 2)]
        return settle(q, [
            NameMatch(
                EnterpriseRecord.model_validate_json(raw),
                "fuzzy" if kind == "name" else f"fuzzy_{kind}",
                score,
                norm,
                q.branch,
                detail,
            )
            for score, raw, kind, norm, detail in top
        ], limit)

    async def load(self) -> int:
        """Nothing to build: returns the row count (and notes whether branches are recorded)."""
        rows = await self._rows("SELECT count(*) FROM enterprises")
        await self.refresh()
        return int(rows[0][0])

    async def refresh(self) -> bool:
        """Always current: the database is the index. Re-reads `branches_recorded` only."""
        rows = await self._rows(
            f"SELECT EXISTS (SELECT 1 FROM enterprises WHERE {BRANCH_OF_SQL} IS NOT NULL)")
        self._branches_recorded = bool(rows[0][0])
        return False


def create_lookup(settings: Settings, engine: AsyncEngine) -> RegistryLookup:
    """The backend named by `settings.registry_backend`."""
    if settings.registry_backend == "postgres":
        return PostgresLookup(engine)
    return MemoryLookup(engine)
