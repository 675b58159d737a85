"""Side writers: one registry, required ones commit with their decision or isolate it,
optional ones lose only their own failing rows."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.store.test_writer import decision
from verifier.models import Outcome
from verifier.store.chain import verify_chain
from verifier.store.review_items import ReviewItems
from verifier.store.side_writes import SideWrite, SideWriter, SideWriters, Written
from verifier.store.tables import decisions, review_items
from verifier.store.writer import DecisionWriter, StoreUnavailable

STORE = Path(__file__).resolve().parents[2] / "verifier" / "store"


class Audit(SideWriter):
    """A required side writer that records every new decision and refuses posting "bad"."""

    name = "audit"
    required = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    def applies(self, batch: Sequence[Written]) -> bool:
        return True

    def write(self, conn: Connection, batch: Sequence[Written]) -> None:
        if any(w.decision.posting_id == "bad" for w in batch):
            raise ValueError("refused")
        self.seen.extend((w.decision.posting_id, w.seq) for w in batch)


async def count(engine: AsyncEngine, table: Any = decisions) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def test_names_are_unique_unless_replaced() -> None:
    sides = SideWriters([ReviewItems()])
    with pytest.raises(ValueError, match="already registered"):
        sides.register(ReviewItems())
    richer = ReviewItems()
    sides.register(richer, replace=True)
    assert sides.get("review_items") is richer
    assert [w.name for w in sides] == ["review_items"]
    with pytest.raises(ValueError, match="no name"):
        sides.register(SideWriter())


async def test_a_required_side_writer_sees_each_new_decision_once(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    audit = Audit()
    writer.sides.register(audit)
    stored = await writer.submit_many([decision("a"), decision("b"), decision("a")])
    await writer.submit(decision("a"))  # a retry: nothing new
    assert sorted(audit.seen) == sorted((d.posting_id, s) for d, s in
                                        zip(stored[:2], (1, 2), strict=True))


async def test_a_failing_required_side_writer_fails_only_its_own_decision(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    audit = Audit()
    writer.sides.register(audit)
    items = [decision(f"ok{i}", outcome=Outcome.flag) for i in range(9)]
    items.insert(4, decision("bad", outcome=Outcome.flag))
    results = await _settled(writer, items)
    failed = [d.posting_id for d, r in zip(items, results, strict=True)
              if isinstance(r, BaseException)]
    assert failed == ["bad"]
    assert all(isinstance(r, StoreUnavailable) for r in results if isinstance(r, BaseException))
    assert await count(engine) == 9
    assert await count(engine, review_items) == 9  # every logged flag has its item
    assert sorted(p for p, _ in audit.seen) == sorted(f"ok{i}" for i in range(9))
    report = await verify_chain(engine)
    assert report.ok and report.rows == 9, report


async def _settled(writer: DecisionWriter, items: list[Any]) -> list[Any]:
    return list(await asyncio.gather(*(writer.submit(d) for d in items),
                                     return_exceptions=True))


async def test_offline_attached_writes_isolate_a_failing_writer(engine: AsyncEngine) -> None:
    class Rows(SideWriter):
        name = "rows"

        def write_attached(self, conn: Connection, payloads: list[Any]) -> None:
            conn.execute(text("INSERT INTO side (v) VALUES (:v)"), [{"v": p} for p in payloads])

    class Broken(SideWriter):
        name = "broken"

        def __init__(self) -> None:
            self.abandoned: list[Any] = []

        def write_attached(self, conn: Connection, payloads: list[Any]) -> None:
            conn.execute(text("INSERT INTO side (v) VALUES ('never')"))
            raise RuntimeError("no")

        def abandon(self, payloads: list[Any]) -> None:
            self.abandoned.extend(payloads)

    broken = Broken()
    sides = SideWriters([Broken(), Rows()])
    sides.register(broken, replace=True)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE side (v TEXT)"))
        await conn.run_sync(sides.write_attached, [SideWrite("broken", 1),
                                                   SideWrite("rows", "x")])
    async with engine.connect() as conn:
        assert [r[0] for r in await conn.execute(text("SELECT v FROM side"))] == ["x"]
    assert broken.abandoned == [1]


def test_store_imports_nothing_from_the_layers_above_it() -> None:
    above = ("verifier.pipeline", "verifier.families", "verifier.api", "verifier.service")
    found = []
    for path in STORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [(path.name, n) for n in names if n.startswith(above)]
    assert found == []
