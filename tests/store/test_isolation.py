"""One decision the database refuses never fails the others of its group commit, nor drops
their fingerprints (issue 16's figures), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import make_posting
from tests.store.test_writer import decision
from verifier.families.duplicate.index import fingerprints
from verifier.families.duplicate.lookup import FINGERPRINTS, BandMemory, FingerprintWriter
from verifier.families.duplicate.provider import entry_of
from verifier.models import Decision
from verifier.pipeline.facts import posting_text
from verifier.store.chain import verify_chain
from verifier.store.side_writes import SideWrite
from verifier.store.tables import decisions
from verifier.store.writer import DecisionWriter, StoreUnavailable, UnstorableDecision

SURROGATE = "\ud800"  # neither SQLite's driver nor PostgreSQL's can encode it


@pytest.fixture
async def writer(engine: AsyncEngine) -> AsyncIterator[DecisionWriter]:
    w = DecisionWriter(engine, max_batch=500)
    await w.start()
    yield w
    await w.close()


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def bad_values(engine: AsyncEngine) -> list[str]:
    """Characters this database refuses in a text column."""
    return [SURROGATE, "\x00"] if engine.dialect.name == "postgresql" else [SURROGATE]


async def settle(writer: DecisionWriter, items: list[Decision],
                 sides: list[list[SideWrite]] | None = None) -> list[Any]:
    sides = sides or [[] for _ in items]
    return list(await asyncio.gather(*(writer.submit_many([d], [s])
                                       for d, s in zip(items, sides, strict=True)),
                                     return_exceptions=True))


async def test_thirty_refused_among_1500_valid_fail_alone(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    chars = bad_values(engine)
    items = [decision(f"v{i}", portal=f"portal{i % 3}") for i in range(1500)]
    for i in range(30):  # spread over the batches
        items.insert(i * 51, decision(f"bad{i}{chars[i % len(chars)]}", portal="portal0"))
    results = await settle(writer, items)
    failed = [d.posting_id for d, r in zip(items, results, strict=True)
              if isinstance(r, BaseException)]
    assert len(failed) == 30 and all(p.startswith("bad") for p in failed)
    assert all(isinstance(r, UnstorableDecision) for r in results if isinstance(r, BaseException))
    assert await count(engine, decisions) == 1500
    report = await verify_chain(engine)
    assert report.ok and report.rows == 1500, report
    assert writer.running
    assert (await writer.submit(decision("after"))).version == 1


async def test_refused_fingerprints_cost_no_other_postings_fingerprint(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    memory = BandMemory()
    writer.sides.register(FingerprintWriter(memory))
    chars = bad_values(engine)
    items: list[Decision] = []
    sides: list[list[SideWrite]] = []
    bad: list[str] = []
    for i in range(800):
        uscc = None if i % 27 else f"91110000MA0{chars[i % len(chars)]}"
        p = make_posting(posting_id=f"p{i}", description=f"第{i}号岗位。" + "负责仓库管理。" * 6,
                         enterprise={"name": "北京甲乙信息技术有限公司", "uscc": "X"})
        entry = entry_of(p, posting_text(p), "portal-a")
        if uscc is not None:
            entry = replace(entry, uscc=uscc)
            bad.append(p.posting_id)
        memory.add(entry)
        items.append(decision(p.posting_id, portal="portal-a"))
        sides.append([SideWrite(FINGERPRINTS, (entry, datetime.now(UTC)))])
    results = await settle(writer, items, sides)
    assert not [r for r in results if isinstance(r, BaseException)]
    assert await count(engine, decisions) == 800
    assert await count(engine, fingerprints) == 800 - len(bad)
    # What was not written is forgotten in memory too.
    assert len(memory) == 800 - len(bad)


async def test_a_database_that_is_down_is_not_bisected() -> None:
    from verifier.store.db import create_engine

    eng = create_engine("postgresql://postgres@127.0.0.1:1/none")
    w = DecisionWriter(eng)
    attempts: list[int] = []
    real = w._write

    async def counted(batch: Any) -> Any:
        attempts.append(len(batch))
        return await real(batch)

    w._write = counted  # type: ignore[method-assign]
    await w.start()
    try:
        results = await settle(w, [decision(f"d{i}") for i in range(40)])
        assert all(isinstance(r, StoreUnavailable) and not isinstance(r, UnstorableDecision)
                   for r in results)
        assert sum(attempts) == 40  # each decision tried once: no halves of a failed batch
    finally:
        await w.close()
        await eng.dispose()
