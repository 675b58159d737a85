"""The decision log: group commit, idempotency, versions, hash chain, tamper evidence."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Decision, Finding, Outcome, Severity
from verifier.store import migrate
from verifier.store.chain import verify_chain
from verifier.store.db import create_engine
from verifier.store.side_writes import SideWrite, SideWriter
from verifier.store.tables import decisions, review_items
from verifier.store.writer import DecisionWriter, StoreUnavailable


def decision(posting_id: str, content: str = "c1", portal: str = "p", outcome: Outcome =
             Outcome.approve) -> Decision:
    return Decision(
        decision_id=str(uuid.uuid4()), posting_id=posting_id, portal=portal, outcome=outcome,
        risk_score=0.0 if outcome is Outcome.approve else 30.0,
        findings=[] if outcome is Outcome.approve else [
            Finding(rule="content.missing.pay", severity=Severity.flag, score=30, message="未写明")
        ],
        tags=[], rules_version="r1", content_hash=content * 8, decided_at=datetime.now(UTC),
    )


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(decisions))).scalar_one())


async def test_concurrent_submits_are_grouped_and_chained(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    results = await asyncio.gather(*(writer.submit(decision(f"p{i}")) for i in range(200)))
    assert len({r.decision_id for r in results}) == 200
    assert await count(engine) == 200
    assert writer.batches < 200  # grouped: fewer transactions than decisions
    report = await verify_chain(engine)
    assert report.ok, report
    assert report.rows == 200 and report.head_seq == 200


async def test_retry_returns_stored_decision_and_writes_nothing(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    first = await writer.submit(decision("a"))
    again = await writer.submit(decision("a"))  # new id, same portal/posting/content
    assert again.decision_id == first.decision_id
    assert again.decided_at == first.decided_at
    assert await count(engine) == 1


async def test_a_caller_that_goes_away_leaves_its_decision_logged_and_others_answered(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    gone = asyncio.ensure_future(writer.submit(decision("gone")))
    batch = asyncio.ensure_future(writer.submit_many([decision("b1"), decision("b2")]))
    stays = asyncio.ensure_future(writer.submit(decision("stays")))
    await asyncio.sleep(0)  # all three queued
    gone.cancel()
    batch.cancel()
    assert (await stays).posting_id == "stays"
    for task in (gone, batch):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await count(engine) == 4  # the callers' going away did not unlog theirs
    again = await writer.submit(decision("gone"))  # a retry finds the logged one
    assert again.version == 1 and await count(engine) == 4
    report = await verify_chain(engine)
    assert report.ok, report


async def test_same_posting_twice_in_one_batch_is_written_once(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    a, b = await writer.submit_many([decision("dup"), decision("dup")])
    assert a.decision_id == b.decision_id
    assert await count(engine) == 1


async def test_changed_content_is_a_new_version(engine: AsyncEngine, writer: DecisionWriter
                                                ) -> None:
    v1 = await writer.submit(decision("x", "c1"))
    v2 = await writer.submit(decision("x", "c2"))
    other_portal = await writer.submit(decision("x", "c1", portal="q"))
    assert (v1.version, v2.version, other_portal.version) == (1, 2, 1)
    assert await count(engine) == 3


async def test_flagged_decision_creates_review_item_in_same_transaction(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    d = await writer.submit(decision("f", outcome=Outcome.flag))
    await writer.submit(decision("ok"))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(review_items.c.decision_id, review_items.c.status))).all()
    assert rows == [(d.decision_id, "pending")]


async def test_log_is_append_only(engine: AsyncEngine, writer: DecisionWriter) -> None:
    await writer.submit(decision("a"))
    for sql in ("UPDATE decisions SET outcome = 'reject'", "DELETE FROM decisions"):
        with pytest.raises(Exception, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(sql))
    assert await count(engine) == 1


async def _drop_guard(engine: AsyncEngine) -> None:
    """What an attacker with DBA rights would do first."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("DROP TRIGGER decisions_no_update ON decisions"))
        else:
            await conn.execute(text("DROP TRIGGER decisions_no_update"))
            await conn.execute(text("DROP TRIGGER decisions_no_delete"))


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("UPDATE decisions SET payload = replace(payload, '\"approve\"', '\"reject\"') "
         "WHERE seq = 3", "payload altered"),
        ("UPDATE decisions SET outcome = 'reject' WHERE seq = 3", "column outcome"),
        ("DELETE FROM decisions WHERE seq = 3", "gap in sequence"),
        ("DELETE FROM decisions WHERE seq = 5", "chain head"),
    ],
)
async def test_tampering_is_detected_and_row_named(
    engine: AsyncEngine, writer: DecisionWriter, sql: str, reason: str
) -> None:
    for i in range(5):
        await writer.submit(decision(f"t{i}"))
    assert (await verify_chain(engine)).ok
    await _drop_guard(engine)
    async with engine.begin() as conn:
        await conn.execute(text(sql))
    report = await verify_chain(engine)
    assert not report.ok
    assert reason in (report.reason or "")
    if "seq = 3" in sql:
        assert report.first_bad_seq == (4 if sql.startswith("DELETE") else 3)


async def test_two_writers_on_one_database_keep_one_chain(db_url: str) -> None:
    """Two independent engines (as two processes would have) writing at once."""
    first = create_engine(db_url)
    await migrate.upgrade(first)
    second = create_engine(db_url)
    w1, w2 = DecisionWriter(first, max_batch=20), DecisionWriter(second, max_batch=20)
    await w1.start()
    await w2.start()
    try:
        await asyncio.gather(
            *(w1.submit(decision(f"a{i}", portal="one")) for i in range(150)),
            *(w2.submit(decision(f"b{i}", portal="two")) for i in range(150)),
        )
        report = await verify_chain(first)
        assert report.ok, report
        assert report.rows == 300
    finally:
        await w1.close()
        await w2.close()
        await first.dispose()
        await second.dispose()


async def test_unreachable_database_fails_every_waiting_caller() -> None:
    eng = create_engine("postgresql://postgres@127.0.0.1:1/none")
    w = DecisionWriter(eng)
    await w.start()
    try:
        with pytest.raises(StoreUnavailable):
            await w.submit(decision("z"))
    finally:
        await w.close()
        await eng.dispose()


class Marks(SideWriter):
    """An optional side writer of attached payloads into table `side`; "boom" fails."""

    name = "marks"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.abandoned: list[str] = []

    def write_attached(self, conn: Connection, payloads: list[Any]) -> None:
        self.calls.append(sorted(payloads))
        if "boom" in payloads:
            raise RuntimeError("side write failed")
        conn.execute(text("INSERT INTO side (posting) VALUES (:p)"), [{"p": p} for p in payloads])

    def abandon(self, payloads: list[Any]) -> None:
        self.abandoned.extend(payloads)


def mark(payload: str) -> list[SideWrite]:
    return [SideWrite("marks", payload)]


async def test_a_failed_batch_abandons_its_side_writes() -> None:
    eng = create_engine("postgresql://postgres@127.0.0.1:1/none")
    marks = Marks()
    w = DecisionWriter(eng)
    w.sides.register(marks)
    await w.start()
    try:
        with pytest.raises(StoreUnavailable):
            await w.submit_many([decision("y")], [mark("y")])
        assert marks.abandoned == ["y"]
    finally:
        await w.close()
        await eng.dispose()


@pytest.fixture
async def marks(engine: AsyncEngine, writer: DecisionWriter) -> Marks:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE side (posting TEXT)"))
    m = Marks()
    writer.sides.register(m)
    return m


async def test_side_writes_commit_with_new_decisions_only(
    engine: AsyncEngine, writer: DecisionWriter, marks: Marks
) -> None:
    await writer.submit_many([decision("s1"), decision("s2")], [mark("s1"), mark("s2")])
    await writer.submit_many([decision("s1")], [mark("s1-retry")])  # idempotent: not new
    await writer.submit_many([decision("s3"), decision("s4")], [mark("boom"), mark("s4")])
    async with engine.connect() as conn:
        got = sorted(r[0] for r in await conn.execute(text("SELECT posting FROM side")))
    # One payload failing costs neither the decisions nor the other payload of its batch.
    assert got == ["s1", "s2", "s4"]
    assert marks.abandoned == ["boom"]
    assert await count(engine) == 4


async def test_side_writers_run_once_per_batch(
    engine: AsyncEngine, writer: DecisionWriter, marks: Marks
) -> None:
    await writer.submit_many([decision("g1"), decision("g2"), decision("g1")],
                             [mark("g1"), mark("g2"), mark("g1-again")])
    assert marks.calls == [["g1", "g2"]]  # one call; the in-batch retry of g1 adds nothing


async def test_side_writes_for_an_unregistered_writer_are_refused(writer: DecisionWriter
                                                                  ) -> None:
    with pytest.raises(LookupError, match="nobody"):
        await writer.submit_many([decision("n")], [[SideWrite("nobody", 1)]])
