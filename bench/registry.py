"""Registry benchmark: `python bench/registry.py [N]` (default 1,000,000 records).

Generates N synthetic records, bulk-loads them into a throwaway PostgreSQL database (COPY,
keys computed with `normalize_name`; schema from the project's Alembic migrations), builds
the in-memory index, then prints import time, index build time, resident memory and lookup
p50/p99 for a USCC hit, an exact-name hit, a fuzzy hit (region dropped and 有限公司 →
股份有限公司) and a miss, for both backends. The database is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import gc
import random
import resource
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime

import asyncpg  # type: ignore[import-untyped]

from verifier.registry.generate import generate
from verifier.registry.index import IndexBuilder
from verifier.registry.lookup import MemoryLookup, PostgresLookup, RegistryLookup
from verifier.registry.names import leading_region, normalize_name
from verifier.registry.records import EnterpriseRecord
from verifier.store.db import create_engine
from verifier.store.migrate import upgrade

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
QUERIES = 500


def rss_mb() -> float:
    """Current resident set size in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def timed(fn: Callable[[str], Awaitable[object]], qs: list[str]) -> tuple[float, float]:
    """p50 and p99 in microseconds."""
    ts = []
    for q in qs:
        t = time.perf_counter()
        await fn(q)
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e6, ts[min(len(ts) - 1, int(len(ts) * 0.99))] * 1e6


def fuzzy_query(name: str) -> str:
    """A same-company spelling that misses every exact key: region dropped, form changed."""
    _, rest = leading_region(name)
    return rest.replace("有限责任公司", "股份有限公司").replace("有限公司", "股份有限公司")


async def report(label: str, lk: RegistryLookup, sample: list[EnterpriseRecord]) -> None:
    """Print the four latency lines for one backend."""
    cases: list[tuple[str, Callable[[str], Awaitable[object]], list[str]]] = [
        ("uscc hit", lk.by_uscc, [r.uscc or "" for r in sample]),
        ("exact name", lk.by_name, [r.name for r in sample]),
        ("fuzzy", lk.by_name, [fuzzy_query(r.name) for r in sample]),
        ("miss", lk.by_name, [f"乙丙丁{i}戊己庚科技有限公司" for i in range(QUERIES)]),
    ]
    for name, fn, qs in cases:
        p50, p99 = await timed(fn, qs)
        print(f"{label:<9} {name:<11} p50 {p50:9.1f} µs   p99 {p99:9.1f} µs", flush=True)
    hits = 0
    for r in sample[:200]:
        ms = await lk.by_name(fuzzy_query(r.name))
        hits += bool(ms) and ms[0].record.uscc == r.uscc
    print(f"{label:<9} fuzzy top-1 correct {hits}/200", flush=True)


def records(n: int) -> Iterator[EnterpriseRecord]:
    """The generated records (deterministic), one at a time."""
    for r in generate(n):
        yield EnterpriseRecord.model_validate(r)


async def copy_all(url: str, n: int) -> None:
    """COPY the records and their names into the tables, 50,000 at a time."""
    conn = await asyncpg.connect(url)
    now = datetime.now(UTC)
    cols = ["id", "uscc", "regno", "name", "name_norm", "trade_name", "record", "status"]
    ncols = ["enterprise_id", "name_norm", "trade_name", "kind"]
    rows: list[tuple[object, ...]] = []
    names: list[tuple[object, ...]] = []
    for i, r in enumerate(records(n), start=1):
        p = normalize_name(r.name)
        js = r.model_dump_json(exclude_defaults=True)
        rows.append((i, r.uscc, r.regno, r.name, p.name_norm, p.trade, js, r.status.value, now))
        names.append((i, p.name_norm, p.trade, "name"))
        for kind, more in (("former", r.former_names), ("alias", r.aliases)):
            for m in more:
                q = normalize_name(m)
                names.append((i, q.name_norm, q.trade, kind))
        if len(rows) >= 50_000 or i == n:
            await conn.copy_records_to_table(
                "enterprises", records=rows, columns=[*cols, "updated_at"]
            )
            await conn.copy_records_to_table("enterprise_names", records=names, columns=ncols)
            rows, names = [], []
    await conn.execute("ANALYZE enterprises; ANALYZE enterprise_names")
    await conn.close()


async def main(n: int) -> None:
    """Run the whole benchmark."""
    db = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{db}"')
    url = ADMIN.rsplit("/", 1)[0] + "/" + db
    engine = create_engine(url)
    try:
        await upgrade(engine)
        t = time.perf_counter()
        await copy_all(url, n)
        took = time.perf_counter() - t
        print(f"import {n} into PostgreSQL (generate + keys + COPY, indexes live): {took:.1f} s")
        base = rss_mb()
        t = time.perf_counter()
        builder = IndexBuilder()
        sample: list[EnterpriseRecord] = []
        pick = set(random.Random(1).sample(range(n), min(n, QUERIES)))
        for i, r in enumerate(records(n)):
            builder.add(r)
            if i in pick:
                sample.append(r)
        index = builder.finish()
        del builder
        took = time.perf_counter() - t
        gc.collect()
        print(f"memory index build (incl. generating): {took:.1f} s; entries {len(index.ent_rec)}")
        print(f"RSS after gc.collect(): {rss_mb():.0f} MB (process before the index: {base:.0f} MB;"
              f" index arrays {index.nbytes() / 2**20:.0f} MB)", flush=True)
        await report("memory", MemoryLookup(None, index), sample)
        await report("postgres", PostgresLookup(engine), sample)
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
