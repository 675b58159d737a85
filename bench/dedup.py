"""Cost of the `duplicates` provider: µs per `resolve` (fingerprint + band lookup + upsert).

    .venv/bin/python bench/dedup.py [--database-url URL] [--preload 20000] [--n 500]

Fills a fresh index (throw-away SQLite file unless --database-url names an empty database)
with --preload synthetic postings (random sentences from a fixed vocabulary, 40% sharing a
template so bands collide as on a real portal), then times --n resolves of new postings,
the lookup alone (fingerprint + catch-up with SQL + in-memory band lookup, no write) and the
fingerprint alone. Prints p50/p99/mean µs, then how long a new process takes to load the
index from SQL at start and the memory it holds per fingerprint (RSS growth / entries).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)
sys.path.insert(0, str(ROOT))

from bench.keywords import rss_mb  # noqa: E402
from tests.factories import make_posting  # noqa: E402
from verifier.families.duplicate.fingerprint import Fingerprint  # noqa: E402
from verifier.families.duplicate.index import FingerprintIndex, sqlite_reader  # noqa: E402
from verifier.families.duplicate.provider import DuplicatesProvider, entry_of  # noqa: E402
from verifier.pipeline.facts import context, posting_text  # noqa: E402
from verifier.store import migrate  # noqa: E402
from verifier.store.db import create_engine  # noqa: E402
from verifier.store.side_writes import SideWriters  # noqa: E402
from verifier.text.normalize import normalize  # noqa: E402

WORDS = ("负责 客户 开发 维护 销售 业绩 提成 门店 接待 顾客 咨询 整理 资料 仓库 盘点 配送 "
         "系统 代码 测试 部署 文案 策划 活动 推广 品牌 培训 学员 课程 报表 核算 发票 对账").split()
TEMPLATE = ("岗位职责：1、负责公司产品的销售及推广；2、根据市场营销计划，完成部门销售指标；"
            "3、开拓新市场。")


def text(rng: random.Random) -> str:
    """A random description; 40% are the shared template plus a little."""
    body = "，".join("".join(rng.choices(WORDS, k=3)) for _ in range(12))
    return TEMPLATE + body[:20] if rng.random() < 0.4 else body


def pct(xs: list[float], q: float) -> float:
    """The q-quantile."""
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


async def main() -> None:
    """Fill, then time."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url")
    ap.add_argument("--preload", type=int, default=20000)
    ap.add_argument("--n", type=int, default=500)
    a = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(a.database_url or f"sqlite+aiosqlite:///{tmp}/d.db")
        await migrate.upgrade(engine)
        reader = sqlite_reader(engine)
        prov = DuplicatesProvider(FingerprintIndex(engine, reader=reader),
                                  owned=[reader] if reader else [])
        await prov.start()
        t0 = time.perf_counter()
        for i in range(a.preload):
            p = make_posting(posting_id=f"pre-{i}", description=text(rng),
                             enterprise={"name": f"北京测试{i % 3000}科技有限公司"})
            fact = await prov.resolve(context(p, NOW, f"portal-{i % 3}"))
            # What the decision writer does with the fingerprint: commit it (a side write).
            async with engine.begin() as conn:
                await conn.run_sync(SideWriters(prov.side_writers()).write_attached,
                                    prov.side_writes(fact))
        print(f"preload {a.preload}: {time.perf_counter() - t0:.1f}s "
              f"({engine.dialect.name})")
        times, fps, looks, hits = [], [], [], 0
        for i in range(a.n):
            p = make_posting(posting_id=f"new-{i}", description=text(rng),
                             enterprise={"name": f"上海测试{i}贸易有限公司"})
            pt = posting_text(p)
            t1 = time.perf_counter()
            Fingerprint.of(normalize(p.description))
            fps.append((time.perf_counter() - t1) * 1e6)
            t1 = time.perf_counter()
            entry = entry_of(p, pt, "portal-x")
            await prov.lookup.similar(entry, remember=False)
            looks.append((time.perf_counter() - t1) * 1e6)
            t1 = time.perf_counter()
            fact = await prov.resolve(context(p, NOW, "portal-x"))
            times.append((time.perf_counter() - t1) * 1e6)
            hits += len(fact.hits) if fact else 0
        for name, xs in (("resolve", times), ("lookup only", looks), ("fingerprint only", fps)):
            print(f"{name:>17} µs  p50 {pct(xs, .5):8.1f}  p99 {pct(xs, .99):8.1f}"
                  f"  mean {statistics.fmean(xs):8.1f}")
        await prov.close()
        print(f"index size {await prov.index.count()}, mean hits per posting {hits / a.n:.1f}")
        rss0 = rss_mb()
        t0 = time.perf_counter()
        fresh = DuplicatesProvider(FingerprintIndex(engine, reader=reader))
        await fresh.start()  # what a new process does: load the newest rows into memory
        held = len(fresh.lookup.memory)
        print(f"start-up load of {held} fingerprints: {time.perf_counter() - t0:.2f}s, "
              f"memory {(rss_mb() - rss0) * 1e6 / max(held, 1):.0f} bytes per fingerprint")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
