"""Enterprise registry tables and repository (SQLAlchemy Core; SQLite and PostgreSQL).

`enterprises` holds one row per enterprise (keyed by USCC, or by legacy 注册号 when it has
no USCC) with the whole `EnterpriseRecord` as JSON; `enterprise_names` holds every name it
answers to (registered name, 曾用名, brand aliases) with the matching keys — normalized full
name and 字号 — computed by `verifier.registry.names` only. Writes take the caller's
connection so an import is one transaction: all rows or none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from verifier.registry.namekeys import name_keys
from verifier.registry.records import EnterpriseRecord

metadata = MetaData()

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uscc", String(18), unique=True),
    Column("regno", String(15), unique=True),
    Column("name", Text, nullable=False),
    Column("name_norm", Text, nullable=False, index=True),
    Column("trade_name", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("status", String(32)),
    Column("updated_at", DateTime(timezone=True)),
)

enterprise_names = Table(
    "enterprise_names",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("enterprise_id", Integer, ForeignKey("enterprises.id", ondelete="CASCADE"),
           nullable=False),
    Column("name_norm", Text, nullable=False),
    Column("trade_name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
)

EPOCH = "registry"
_CHUNK = 500


@dataclass(frozen=True)
class UpsertResult:
    """How many records an upsert inserted and updated."""

    inserted: int
    updated: int


@dataclass(frozen=True)
class SearchHit:
    """One enterprise found by name, with the name it matched and a 0–100 score."""

    record: EnterpriseRecord
    matched_name: str
    kind: str
    score: float


class RegnoConflict(ValueError):
    """A 注册号 that another enterprise (another USCC) already holds: the registry keeps each
    注册号 once, so the write is refused rather than guessed."""

    def __init__(self, regno: str, holder: str) -> None:
        super().__init__(f"注册号 {regno} already belongs to {holder}")
        self.regno = regno
        self.holder = holder


def record_key(rec: EnterpriseRecord) -> str | None:
    """The upsert key: the USCC, else `regno:` + 注册号, else None (not storable)."""
    if rec.uscc:
        return rec.uscc
    if rec.regno:
        return f"regno:{rec.regno}"
    return None


class RegistryRepo:
    """Upsert, get and search enterprises."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def upsert(
        self, records: Sequence[EnterpriseRecord], conn: AsyncConnection | None = None
    ) -> UpsertResult:
        """Insert or replace records by key (last one wins); in `conn`'s transaction if given.
        A record with both codes attaches its USCC to a 注册号-only record of that 注册号;
        a 注册号 held under another USCC (in the table or in `records`) is `RegnoConflict`."""
        if conn is None:
            async with self.engine.begin() as own:
                return await self.upsert(records, own)
        latest: dict[str, EnterpriseRecord] = {}
        for rec in records:
            key = record_key(rec)
            if key is None:
                raise ValueError(f"record {rec.name!r} has neither USCC nor 注册号")
            latest[key] = rec
        items = list(latest.items())
        inserted = updated = 0
        for i in range(0, len(items), _CHUNK):
            ins, upd = await self._chunk(conn, items[i : i + _CHUNK])
            inserted += ins
            updated += upd
        return UpsertResult(inserted, updated)

    async def _chunk(
        self, conn: AsyncConnection, items: list[tuple[str, EnterpriseRecord]]
    ) -> tuple[int, int]:
        usccs = [r.uscc for _, r in items if r.uscc]
        regnos = [r.regno for _, r in items if not r.uscc and r.regno]
        existing: dict[str, int] = {}
        kept_uscc: dict[str, str] = {}
        conds = []
        if usccs:
            conds.append(enterprises.c.uscc.in_(usccs))
        if regnos:
            conds.append(enterprises.c.regno.in_(regnos))
        q = select(enterprises.c.id, enterprises.c.uscc, enterprises.c.regno).where(or_(*conds))
        for row in await conn.execute(q):
            if row.uscc:
                existing[row.uscc] = row.id
            if row.regno:
                existing[f"regno:{row.regno}"] = row.id
                if row.uscc:  # a 注册号-only update must not drop the USCC already known
                    kept_uscc[f"regno:{row.regno}"] = row.uscc
        items = [(k, r.model_copy(update={"uscc": kept_uscc[k]}) if k in kept_uscc else r)
                 for k, r in items]
        await self._regno_holders(conn, items, existing)
        now = datetime.now(UTC)
        rows = {key: _row(rec, now) for key, rec in items}
        new_keys = [k for k, _ in items if k not in existing]
        old_keys = [k for k, _ in items if k in existing]
        ids = dict(existing)
        if new_keys:
            result = await conn.execute(
                insert(enterprises).returning(enterprises.c.id, sort_by_parameter_order=True),
                [rows[k] for k in new_keys],
            )
            ids.update(zip(new_keys, result.scalars().all(), strict=True))
        if old_keys:
            stmt = update(enterprises).where(enterprises.c.id == bindparam("_id"))
            await conn.execute(stmt, [{**rows[k], "_id": existing[k]} for k in old_keys])
            await conn.execute(
                delete(enterprise_names).where(
                    enterprise_names.c.enterprise_id.in_([existing[k] for k in old_keys])
                )
            )
        names = [
            {"enterprise_id": ids[key], "name_norm": norm, "trade_name": trade, "kind": kind}
            for key, rec in items
            for kind, norm, trade in _names(rec)
        ]
        if names:
            await conn.execute(insert(enterprise_names), names)
        return len(new_keys), len(old_keys)

    @staticmethod
    async def _regno_holders(conn: AsyncConnection, items: list[tuple[str, EnterpriseRecord]],
                             existing: dict[str, int]) -> None:
        """Refuse a 注册号 under two keys; let a USCC record take over the 注册号-only row
        of its 注册号 (`existing` gains that row under the record's key)."""
        keyed: dict[str, str] = {}
        for key, rec in items:
            if rec.regno and keyed.setdefault(rec.regno, key) != key:
                raise RegnoConflict(rec.regno, keyed[rec.regno].removeprefix("regno:"))
        both = {rec.regno: (key, rec.uscc) for key, rec in items if rec.uscc and rec.regno}
        if not both:
            return
        rows = await conn.execute(select(enterprises.c.id, enterprises.c.uscc, enterprises.c.regno)
                                  .where(enterprises.c.regno.in_(list(both))))
        for row in rows:
            key, uscc = both[row.regno]
            if row.uscc == uscc:
                continue
            if row.uscc is None and key not in existing:  # the 注册号 record gains its USCC
                existing[key] = row.id
                continue
            raise RegnoConflict(row.regno, row.uscc or f"the 注册号-only record #{row.id}")

    async def get(self, uscc: str) -> EnterpriseRecord | None:
        """The record with this USCC."""
        return await self._one(enterprises.c.uscc == uscc)

    async def get_by_regno(self, regno: str) -> EnterpriseRecord | None:
        """The record with this legacy 注册号."""
        return await self._one(enterprises.c.regno == regno)

    async def _one(self, cond: Any) -> EnterpriseRecord | None:
        async with self.engine.connect() as conn:
            raw = (await conn.execute(select(enterprises.c.record).where(cond))).scalar()
        return None if raw is None else EnterpriseRecord.model_validate_json(raw)

    async def count(self) -> int:
        """Number of enterprises."""
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(enterprises)))
                       .scalar_one())

    async def iter_records(self, batch: int = 5000) -> AsyncIterator[EnterpriseRecord]:
        """Every record, in id order, fetched `batch` at a time."""
        last = 0
        while True:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(
                    select(enterprises.c.id, enterprises.c.record)
                    .where(enterprises.c.id > last).order_by(enterprises.c.id).limit(batch)
                )).all()
            if not rows:
                return
            for row in rows:
                yield EnterpriseRecord.model_validate_json(row.record)
            last = rows[-1].id

    async def search(self, name: str, limit: int = 10) -> list[SearchHit]:
        """Enterprises whose names match `name`: exact normalized name, then 字号 similarity."""
        norm, trade = name_keys(name)
        n = enterprise_names
        cond = n.c.name_norm == norm
        if trade:
            if self.engine.dialect.name == "postgresql":
                cond = or_(cond, n.c.trade_name.op("%")(trade))
            else:
                cond = or_(cond, n.c.trade_name.contains(trade, autoescape=True))
        q = (select(n.c.name_norm, n.c.kind, enterprises.c.record)
             .join(enterprises, enterprises.c.id == n.c.enterprise_id).where(cond).limit(500))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        best: dict[str, SearchHit] = {}
        for row in rows:
            rec = EnterpriseRecord.model_validate_json(row.record)
            score = 100.0 if row.name_norm == norm else float(fuzz.ratio(norm, row.name_norm))
            key = record_key(rec) or rec.name
            if key not in best or best[key].score < score:
                best[key] = SearchHit(rec, row.name_norm, row.kind, score)
        return sorted(best.values(), key=lambda h: -h.score)[:limit]


def _row(rec: EnterpriseRecord, now: datetime) -> dict[str, Any]:
    norm, trade = name_keys(rec.name)
    return {
        "uscc": rec.uscc, "regno": rec.regno, "name": rec.name, "name_norm": norm,
        "trade_name": trade, "record": rec.model_dump_json(exclude_defaults=True),
        "status": rec.status.value, "updated_at": now,
    }


def _names(rec: EnterpriseRecord) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for kind, names in (("name", [rec.name]), ("former", rec.former_names),
                        ("alias", rec.aliases)):
        for name in names:
            norm, trade = name_keys(name)
            if norm and norm not in seen:
                seen.add(norm)
                out.append((kind, norm, trade))
    return out
