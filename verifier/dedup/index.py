"""The fingerprint index in SQL: one row per (portal, posting_id), one band row per LSH band.

Candidates are the fingerprints sharing at least one band key with the query, found through
the primary key of `fingerprint_bands` (an index range per band, at most `per_band` newest
rows each, never a scan; one query); their similarity is then estimated from the stored signatures.
An upsert replaces the posting's row and bands in one transaction, so a portal retrying the
same posting never adds a second fingerprint. The same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy import (
    create_engine as sa_create_engine,
)
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from verifier.dedup.fingerprint import BANDS, Fingerprint

# Own metadata: these tables are created by migration 0003, not by the spine's metadata.
metadata = MetaData()

fingerprints = Table(
    "fingerprints", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(64), nullable=False),
    Column("posting_id", String(128), nullable=False),
    Column("ref", String(32), nullable=False),
    Column("employer_key", Text, nullable=False),
    Column("uscc", String(40)),
    Column("title_key", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("pay_min", Float),
    Column("pay_max", Float),
    Column("city", Text),
    Column("headcount", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

bands = Table(
    "fingerprint_bands", metadata,
    Column("band_key", BigInteger, primary_key=True),
    Column("fingerprint_id", Integer, ForeignKey("fingerprints.id", ondelete="CASCADE"),
           primary_key=True),
)


# Per band only the newest `per_band` postings: a hot band (a portal's template text shared by
# thousands) costs an index range of `per_band` rows, not the whole band. Plain SQL built once:
# composing 16 subqueries with the expression language per posting costs milliseconds.
# One round trip: the band ranges, counted per posting, best `m` joined to their rows.
_BANDS_SQL = " UNION ALL ".join(
    f"SELECT fingerprint_id FROM (SELECT fingerprint_id FROM fingerprint_bands "
    f"WHERE band_key = :k{i} ORDER BY fingerprint_id DESC LIMIT :n) AS b{i}"
    for i in range(BANDS))
_SIMILAR_QUERY = text(
    "SELECT f.* FROM fingerprints AS f JOIN ("
    f"SELECT fingerprint_id, count(*) AS shared FROM ({_BANDS_SQL}) AS u "
    "GROUP BY fingerprint_id ORDER BY shared DESC, fingerprint_id DESC LIMIT :m"
    ") AS c ON c.fingerprint_id = f.id "
    "WHERE NOT (f.portal = :portal AND f.posting_id = :pid)")


def sqlite_reader(engine: AsyncEngine) -> Engine | None:
    """For SQLite, a synchronous engine on the same file for lookups, or None otherwise.

    The service's SQLite engine opens every transaction with BEGIN IMMEDIATE (serializing
    writers across processes), which makes a read wait for every writer; WAL lets a plain
    connection read a snapshot meanwhile. And one thread hop per lookup (`to_thread`) costs
    far less than aiosqlite's hop per cursor call (~1.8 ms vs ~0.3 ms measured).
    """
    if engine.dialect.name != "sqlite":
        return None
    url = engine.url.set(drivername="sqlite")
    return sa_create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})


@lru_cache(maxsize=65_536)
def opaque_ref(portal: str, posting_id: str) -> str:
    """A stable reference to a posting that reveals neither its portal nor its id."""
    digest = hashlib.sha256(f"{portal}\0{posting_id}".encode()).hexdigest()
    return "fp-" + digest[:20]


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index keeps of one posting: fingerprint plus the fields compared across portals."""

    portal: str
    posting_id: str
    employer_key: str
    title_key: str
    fingerprint: Fingerprint
    uscc: str | None = None
    pay_min: float | None = None
    pay_max: float | None = None
    city: str | None = None
    headcount: int | None = None

    @property
    def ref(self) -> str:
        """This entry's opaque reference."""
        return opaque_ref(self.portal, self.posting_id)

    def row(self, now: datetime) -> dict[str, object]:
        """The `fingerprints` row."""
        return {
            "portal": self.portal, "posting_id": self.posting_id, "ref": self.ref,
            "employer_key": self.employer_key, "uscc": self.uscc, "title_key": self.title_key,
            "signature": self.fingerprint.signature, "size": self.fingerprint.size,
            "pay_min": self.pay_min, "pay_max": self.pay_max, "city": self.city,
            "headcount": self.headcount, "updated_at": now,
        }


class FingerprintIndex:
    """Near-duplicate lookup and idempotent recording over one database."""

    def __init__(self, engine: AsyncEngine, max_candidates: int = 50, per_band: int = 20,
                 reader: Engine | None = None) -> None:
        self.engine = engine
        self.reader = reader
        """Synchronous engine for lookups on SQLite (see `sqlite_reader`), else None."""
        self.max_candidates = max_candidates
        self.per_band = per_band

    async def similar(self, entry: Entry) -> list[tuple[Entry, float]]:
        """Other postings sharing a band with `entry`, with estimated similarity, best first."""
        keys = entry.fingerprint.band_keys()
        if not keys:
            return []
        if len(keys) != BANDS:  # pragma: no cover - every non-empty fingerprint has BANDS keys
            return []
        params: dict[str, object] = {f"k{i}": k for i, k in enumerate(keys)}
        params.update(n=self.per_band, m=self.max_candidates, portal=entry.portal,
                      pid=entry.posting_id)
        if self.reader is not None:
            rows = await asyncio.to_thread(self._read, self.reader, params)
        else:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(_SIMILAR_QUERY, params)).mappings().all()
        out = []
        for r in rows:
            other = Entry(
                portal=r["portal"], posting_id=r["posting_id"], employer_key=r["employer_key"],
                title_key=r["title_key"], fingerprint=Fingerprint(bytes(r["signature"]), r["size"]),
                uscc=r["uscc"], pay_min=r["pay_min"], pay_max=r["pay_max"], city=r["city"],
                headcount=r["headcount"],
            )
            out.append((other, entry.fingerprint.similarity(other.fingerprint)))
        out.sort(key=lambda t: (-t[1], t[0].ref))
        return out

    @staticmethod
    def _read(reader: Engine, params: dict[str, object]) -> Sequence[RowMapping]:
        with reader.connect() as conn:
            return conn.execute(_SIMILAR_QUERY, params).mappings().all()

    async def record(self, entry: Entry, now: datetime) -> None:
        """Insert or replace the entry for (portal, posting_id), bands included."""
        await self.record_many([entry], now)

    async def record_many(self, entries: list[Entry], now: datetime) -> None:
        """Upsert several entries in one transaction: five statements whatever their number."""
        latest = {(e.portal, e.posting_id): e for e in entries}  # last version of each wins
        for attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    await self._upsert_many(conn, list(latest.values()), now)
                return
            except IntegrityError:  # a concurrent first insert of the same posting won
                if attempt == 2:
                    raise

    @staticmethod
    async def _upsert_many(conn: AsyncConnection, entries: list[Entry], now: datetime) -> None:
        keys = [(e.portal, e.posting_id) for e in entries]
        found = await conn.execute(
            select(fingerprints.c.id, fingerprints.c.portal, fingerprints.c.posting_id)
            .where(tuple_(fingerprints.c.portal, fingerprints.c.posting_id).in_(keys))
            # PostgreSQL: lock the rows (in id order: no deadlock between batches) so two
            # instances replacing one posting's bands take turns. SQLite's BEGIN IMMEDIATE
            # already serializes writers.
            .order_by(fingerprints.c.id).with_for_update())
        ids = {(r.portal, r.posting_id): r.id for r in found}
        old = [e for e in entries if (e.portal, e.posting_id) in ids]
        new = [e for e in entries if (e.portal, e.posting_id) not in ids]
        if old:
            await conn.execute(delete(bands).where(
                bands.c.fingerprint_id.in_([ids[(e.portal, e.posting_id)] for e in old])))
            await conn.execute(
                update(fingerprints).where(fingerprints.c.id == bindparam("fid")),
                [{"fid": ids[(e.portal, e.posting_id)], **e.row(now)} for e in old])
        if new:
            got = await conn.execute(
                insert(fingerprints).returning(fingerprints.c.id, fingerprints.c.portal,
                                               fingerprints.c.posting_id),
                [e.row(now) for e in new])
            ids.update({(r.portal, r.posting_id): r.id for r in got})
        rows = [{"band_key": k, "fingerprint_id": ids[(e.portal, e.posting_id)]}
                for e in entries for k in e.fingerprint.band_keys()]
        if rows:
            await conn.execute(insert(bands), rows)

    async def count(self) -> int:
        """How many postings the index holds."""
        async with self.engine.connect() as conn:
            got = await conn.execute(select(func.count()).select_from(fingerprints))
            return int(got.scalar_one())

    async def ready(self) -> bool:
        """Whether the tables exist (migration 0003 applied)."""
        async with self.engine.connect() as conn:
            return bool(await conn.run_sync(
                lambda c: c.dialect.has_table(c, "fingerprint_bands")))
