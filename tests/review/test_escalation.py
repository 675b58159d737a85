"""Overdue spot checks: reads and claims rank them as raised in the statements they run
anyway (no extra query, no write), the single item shows the raised priority, and the raise
is written down with one `escalated` event per item however many sweepers, claims and
instances race (SQLite, then PostgreSQL)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.conftest import ROOT
from tests.review.conftest import Client, flagged, service, shift_clock, two_instances, verify
from verifier.api.state import RESOURCES
from verifier.review.config import ReviewConfig, Sampling
from verifier.review.queue import ReviewQueue
from verifier.review.schemas import ClaimRequest, ItemFilter
from verifier.review.sweeper import LeaseSweeper
from verifier.store.db import create_engine
from verifier.store.tables import review_events, review_items

CFG = ReviewConfig.load(ROOT / "rules")
TOP = CFG.sla.priority.sample_overdue
REVIEWER = {"Authorization": "Bearer demo-reviewer-key"}
SALARY = {"text": "8k-12k", "min": 8000, "max": 12000, "unit": "month"}


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements on the review tables run on `engine` inside the block."""
    seen: list[str] = []

    def on(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if "review_" in sql:
            seen.append(" ".join(sql.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", on)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on)


async def _overdue_spot_and_flag(client: Client) -> tuple[str, str]:
    """A spot check past its SLA (on the service's clock) and a fresh flagged item."""
    svc = service(client)
    svc.swap(dataclasses.replace(svc.pack, sla=svc.pack.sla.model_copy(
        update={"sampling": Sampling(share=1.0)})))
    spot = await verify(client, {**flagged("s-old"), "salary": SALARY})
    flag = await verify(client, flagged("f-new"))
    assert (spot["outcome"], flag["outcome"]) == ("approve", "flag")
    shift_clock(client, svc.pack.sla.hours.sample * 60 + 1)
    return spot["decision_id"], flag["decision_id"]


async def _stored(engine: AsyncEngine, item_id: str) -> tuple[float, list[str]]:
    """The item's stored priority and its event kinds, in order."""
    async with engine.connect() as conn:
        prio = (await conn.execute(select(review_items.c.priority).where(
            review_items.c.decision_id == item_id))).scalar_one()
        kinds = (await conn.execute(select(review_events.c.kind).where(
            review_events.c.item_id == item_id).order_by(review_events.c.id))).scalars()
        return prio, list(kinds)


async def test_the_single_item_shows_the_raised_priority_before_any_sweep(
        client: Client) -> None:
    spot, _ = await _overdue_spot_and_flag(client)
    engine = client.app[RESOURCES].engine
    resp = await client.get(f"/v1/review/items/{spot}", headers=REVIEWER)
    assert resp.status == 200
    got = (await resp.json())["item"]
    assert (got["kind"], got["overdue"], got["priority"]) == ("sample", True, TOP)
    assert await _stored(engine, spot) == (CFG.sla.priority.sample, [])  # a read writes none
    await LeaseSweeper(service(client), 60).sweep()
    assert await _stored(engine, spot) == (TOP, ["escalated"])
    again = await (await client.get(f"/v1/review/items/{spot}", headers=REVIEWER)).json()
    assert again["item"]["priority"] == TOP


async def test_listing_and_claims_rank_by_the_raise_without_an_extra_query(
        client: Client) -> None:
    spot, flag = await _overdue_spot_and_flag(client)
    svc = service(client)
    engine = client.app[RESOURCES].engine
    with statements(engine) as listing:
        page = await svc.items(ItemFilter(status="pending"), limit=1)
    assert [(i.id, i.priority) for i in page.items] == [(spot, TOP)]
    # The expiry probe, the page and its two counts: no probe for overdue spot checks, no write.
    assert [s.split()[0] for s in listing] == ["SELECT"] * 4, listing
    rest = await svc.items(ItemFilter(status="pending"), cursor=page.next_cursor)
    assert [i.id for i in rest.items] == [flag]  # the cursor follows the raised order

    with statements(engine) as claiming:
        took = await svc.claim_next("张三", ClaimRequest(kind="flag"))
    assert took is not None and took.item.id == flag
    # The expiry probe, the claim and its event: the overdue spot check costs nothing.
    assert [s.split()[0] for s in claiming] == ["SELECT", "UPDATE", "INSERT"], claiming
    assert await _stored(engine, spot) == (CFG.sla.priority.sample, [])

    took = await svc.claim_next("李四", ClaimRequest())
    assert took is not None and (took.item.id, took.item.priority) == (spot, TOP)
    # The claim that takes it writes the raise down, before its own event; once.
    assert await _stored(engine, spot) == (TOP, ["escalated", "claimed"])
    assert await svc.escalate_overdue() == 0


NOW = datetime.now(UTC)


def _spot(i: int, *, due_min: float = -30.0) -> dict[str, Any]:
    return {"decision_id": f"s{i:04d}", "decision_seq": i + 1, "portal": "zhaopin",
            "posting_id": f"p{i}", "status": "pending", "kind": "sample",
            "severity": "info", "priority": CFG.sla.priority.sample,
            "created_at": NOW - timedelta(days=4), "due_at": NOW + timedelta(minutes=due_min)}


async def _seed(engine: AsyncEngine, overdue: int) -> None:
    rows = [_spot(i) for i in range(overdue)]
    rows += [_spot(overdue + i, due_min=60) for i in range(3)]  # within their SLA
    async with engine.begin() as conn:
        await conn.execute(insert(review_items), rows)


async def _escalations(engine: AsyncEngine) -> Counter[str]:
    e = review_events.c
    async with engine.connect() as conn:
        return Counter((await conn.execute(select(e.item_id).where(
            e.kind == "escalated"))).scalars())


async def test_concurrent_sweepers_and_claims_record_each_raise_once(db_url: str,
                                                                     engine: Any) -> None:
    await _seed(engine, 60)
    async with two_instances(engine, db_url, CFG) as (host_a, host_b, sweepers):
        claims = [host_a.claim_next(f"审核员{i}", ClaimRequest()) for i in range(3)]
        claims += [host_b.claim_next(f"审核员{i}", ClaimRequest()) for i in range(3, 6)]
        got = await asyncio.gather(*(s.sweep() for s in sweepers),
                                   host_a.escalate_overdue(batch=5), *claims)
        taken = [r.item for r in got[4:] if r is not None]
        assert len(taken) == 6 and all(i.priority == TOP for i in taken)
        assert await asyncio.gather(*(s.sweep() for s in sweepers)) == [0, 0, 0]
        assert await host_b.escalate_overdue() == 0
    assert await _escalations(engine) == Counter({f"s{i:04d}": 1 for i in range(60)})
    async with engine.connect() as conn:
        prio = Counter((await conn.execute(select(review_items.c.priority))).scalars())
    assert prio == Counter({TOP: 60, CFG.sla.priority.sample: 3})


# PostgreSQL only (SKIP LOCKED is its mechanism; SQLite serializes writers, no row locks).
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_spot_check_another_transaction_holds_is_skipped_not_waited_for(
        db_url: str, engine: Any) -> None:
    await _seed(engine, 10)
    sweeping = create_engine(db_url, connect_args={"server_settings": {"lock_timeout": "5s"}})
    try:
        queue = ReviewQueue(sweeping, lambda: CFG)
        async with engine.connect() as holder:
            await holder.execute(text("SELECT 1 FROM review_items WHERE decision_id IN "
                                      "('s0000', 's0001') FOR UPDATE"))
            assert await queue.escalate_overdue(batch=3) == 8
            await holder.rollback()
        assert await queue.escalate_overdue(batch=3) == 2
    finally:
        await sweeping.dispose()
    assert await _escalations(engine) == Counter({f"s{i:04d}": 1 for i in range(10)})
