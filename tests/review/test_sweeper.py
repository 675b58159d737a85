"""The lease sweeper: run-out leases return to the queue with one `expired` event each,
however many sweepers (instances), reads and claims run at once (SQLite, then PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from tests.api.conftest import ADMIN, ROOT, make_settings
from tests.review.conftest import flagged, reviewer, service, shift_clock, two_instances, verify
from verifier.api.app import create_app
from verifier.api.routes_review import SWEEPER
from verifier.api.state import RESOURCES
from verifier.review.config import ReviewConfig
from verifier.review.queue import ReviewQueue
from verifier.review.sweeper import LeaseSweeper
from verifier.store.db import create_engine
from verifier.store.tables import review_events, review_items

CFG = ReviewConfig.load(ROOT / "rules")
NOW = datetime.now(UTC)


def _item(i: int, *, status: str = "claimed", lease_min: float = -5.0) -> dict[str, Any]:
    claimed = status == "claimed"
    return {"decision_id": f"i{i:04d}", "decision_seq": i + 1, "portal": "zhaopin",
            "posting_id": f"p{i}", "status": status, "created_at": NOW - timedelta(hours=1),
            "claimed_by": f"审核员{i % 7}" if claimed else None,
            "claimed_at": NOW - timedelta(minutes=20) if claimed else None,
            "lease_until": NOW + timedelta(minutes=lease_min) if claimed else None}


async def _seed(engine: Any, expired: int) -> None:
    rows = [_item(i) for i in range(expired)]
    rows += [_item(expired + i, lease_min=30) for i in range(3)]  # live leases
    rows += [_item(expired + 3 + i, status="pending") for i in range(3)]
    async with engine.begin() as conn:
        await conn.execute(insert(review_items), rows)


async def _expired_events(engine: Any) -> Counter[tuple[str, str]]:
    e = review_events.c
    async with engine.connect() as conn:
        rows = (await conn.execute(select(e.item_id, e.actor).where(e.kind == "expired"))).all()
    return Counter((r.item_id, r.actor) for r in rows)


async def test_concurrent_sweepers_and_reads_record_each_expiry_once(db_url: str,
                                                                      engine: Any) -> None:
    await _seed(engine, 60)
    async with two_instances(engine, db_url, CFG) as (host_a, _host_b, sweepers):
        done = await asyncio.gather(*(s.sweep() for s in sweepers), host_a.expire_leases())
        assert sum(done) == 60
        assert await asyncio.gather(*(s.sweep() for s in sweepers)) == [0, 0, 0]
    events = await _expired_events(engine)
    assert events == Counter({(f"i{i:04d}", f"审核员{i % 7}"): 1 for i in range(60)})
    async with engine.connect() as conn:
        states = Counter((await conn.execute(select(review_items.c.status))).scalars())
    assert states == Counter({"pending": 63, "claimed": 3})


# PostgreSQL only (SKIP LOCKED is its mechanism; SQLite serializes writers, no row locks).
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_row_another_transaction_holds_is_skipped_not_waited_for(
        db_url: str, engine: Any) -> None:
    await _seed(engine, 10)
    # Fail at once instead of waiting, should the sweep ever block on the held rows.
    sweeping = create_engine(db_url, connect_args={"server_settings": {"lock_timeout": "5s"}})
    try:
        async with engine.connect() as holder:
            await holder.execute(text("SELECT 1 FROM review_items WHERE decision_id IN "
                                      "('i0000', 'i0001') FOR UPDATE"))
            first = await LeaseSweeper(ReviewQueue(sweeping, lambda: CFG), 60, batch=3).sweep()
            assert first == 8
            await holder.rollback()
        again = await LeaseSweeper(ReviewQueue(sweeping, lambda: CFG), 60, batch=3).sweep()
        assert again == 2
    finally:
        await sweeping.dispose()
    assert sorted(await _expired_events(engine)) == [(f"i{i:04d}", f"审核员{i % 7}")
                                                     for i in range(10)]


async def test_taking_over_a_run_out_lease_records_the_expiry_itself(client: Any) -> None:
    made = await verify(client, flagged("s-1"))
    wang = await reviewer(client, "王五")
    claimed = await client.post(f"/v1/review/items/{made['decision_id']}/claim", headers=wang)
    assert claimed.status == 200
    shift_clock(client, 11)  # the 10-minute lease ran out; nobody has read the queue
    bulk = await client.post("/v1/review/resolve", headers=ADMIN, json={
        "ids": [made["decision_id"]], "outcome": "approve", "reason": "legit"})
    assert (await bulk.json())["resolved"] == 1
    assert await service(client).expire_leases() == 0  # nothing left to expire
    e = review_events.c
    async with client.app[RESOURCES].engine.connect() as conn:
        kinds = (await conn.execute(select(e.kind, e.actor).where(
            e.item_id == made["decision_id"]).order_by(e.id))).all()
    assert [tuple(k) for k in kinds] == [("claimed", "王五"), ("expired", "王五"),
                                         ("resolved", "demo-admin")]


async def test_the_app_sweeps_without_any_read(aiohttp_client: Any, db_url: str,
                                               redis_url: str | None) -> None:
    client = await aiohttp_client(create_app(make_settings(db_url, redis_url,
                                                           LEASE_SWEEP_S=0.05)))
    made = await verify(client, flagged("s-2"))
    iid = made["decision_id"]
    wang = await reviewer(client, "王五")
    assert (await client.post(f"/v1/review/items/{iid}/claim", headers=wang)).status == 200
    sweeper = client.app[SWEEPER]
    shift_clock(client, 11)
    for _ in range(600):  # the periodic task, not a read, records it
        if sweeper.expired:
            break
        await asyncio.sleep(0.05)
    assert sweeper.expired == 1
    late = await client.post(f"/v1/review/items/{iid}/resolve", headers=wang,
                             json={"outcome": "approve", "reason": "legit"})
    assert late.status == 409 and "Your lease" in (await late.json())["detail"]


async def test_no_sweeper_when_turned_off(aiohttp_client: Any, db_url: str) -> None:
    client = await aiohttp_client(create_app(make_settings(db_url, None, LEASE_SWEEP_S=0)))
    assert SWEEPER not in client.app
