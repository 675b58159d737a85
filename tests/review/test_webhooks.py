"""Signed webhooks end to end against a real local receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.review.webhook_kit import FAST, Receiver, decision, outbox, subscribe, until
from verifier.models import Outcome
from verifier.review.webhooks import deliveries, endpoints, signing
from verifier.review.webhooks.dispatcher import DispatchConfig, Dispatcher, backoff
from verifier.review.webhooks.outbox import decision_events
from verifier.store.webhook_tables import webhook_attempts, webhook_outbox
from verifier.store.writer import DecisionWriter


@pytest.fixture
async def writer(engine: AsyncEngine) -> AsyncIterator[DecisionWriter]:
    w = DecisionWriter(engine, max_batch=50, hooks=[decision_events])
    await w.start()
    yield w
    await w.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def _statuses(engine: AsyncEngine) -> Counter[str]:
    return Counter(r.status for r in await outbox(engine))


async def test_events_are_queued_with_their_decisions_for_subscribed_portals(
    engine: AsyncEngine, writer: DecisionWriter, receiver: Receiver
) -> None:
    await subscribe(engine, "zhaopin", receiver.url)
    first = await writer.submit(decision("p1", "a", outcome=Outcome.flag))
    await writer.submit(decision("p2", "b", outcome=Outcome.approve))
    await writer.submit(decision("p3", "c", outcome=Outcome.reject))
    await writer.submit(decision("p9", "x", portal="liepin", outcome=Outcome.flag))  # no endpoint
    second = await writer.submit(decision("p1", "a2", outcome=Outcome.approve))
    await writer.submit(decision("p1", "a2", outcome=Outcome.approve))  # a retry: no event
    rows = await outbox(engine)
    assert [(r.event_type, r.portal) for r in rows] == [
        ("decision.created", "zhaopin"), ("decision.created", "zhaopin"),
        ("decision.superseded", "zhaopin")]
    created = orjson.loads(rows[0].body)
    assert created["id"] == rows[0].event_id and created["type"] == "decision.created"
    assert created["data"]["decision"]["decision_id"] == first.decision_id
    assert created["data"]["decision"]["outcome"] == "flag"
    assert "timings_ms" not in created["data"]["decision"]
    sup = orjson.loads(rows[2].body)["data"]
    assert sup["superseded"] == {"decision_id": first.decision_id, "version": 1,
                                 "outcome": "flag"}
    assert sup["by"] == {"decision_id": second.decision_id, "version": 2, "outcome": "approve"}


async def test_each_event_delivered_signed_despite_failures_and_a_restart(
    engine: AsyncEngine, writer: DecisionWriter, receiver: Receiver
) -> None:
    secret = await subscribe(engine, "zhaopin", receiver.url)
    for i in range(3):
        await writer.submit(decision(f"p{i}", f"c{i}", outcome=Outcome.flag))
    await writer.submit(decision("p0", "c0-new", outcome=Outcome.reject))
    events = {r.event_id for r in await outbox(engine)}
    assert len(events) == 5  # 4 created + 1 superseded
    receiver.fail_first = 3
    first = Dispatcher(engine, DispatchConfig(**{**FAST.__dict__, "backoff_s": 1.0}))
    await first.start()
    await until(lambda: _failed(engine, 3))  # three first attempts failed and were recorded
    await first.close()  # the worker restarts between attempts
    assert (await _statuses(engine))["delivered"] < 5
    second = Dispatcher(engine, FAST)
    await second.start()
    try:
        await until(lambda: _all(engine, "delivered", 5))
    finally:
        await second.close()
    assert set(receiver.ok_ids()) == events
    now = int(time.time())
    for r in receiver.got:
        assert signing.verify(secret, r.headers["X-Verifier-Timestamp"],
                              r.headers["X-Verifier-Signature"], r.body, now=now)
        assert not signing.verify("whsec_wrong", r.headers["X-Verifier-Timestamp"],
                                  r.headers["X-Verifier-Signature"], r.body, now=now)
        body = orjson.loads(r.body)
        assert body["id"] == r.headers["X-Verifier-Event-Id"]
        assert body["type"] == r.headers["X-Verifier-Event-Type"]
    retried = [await deliveries.get_delivery(engine, e) for e in events]
    failed_then_ok = [d for d in retried if d and d["attempts"] > 1]
    assert failed_then_ok, "the failed first attempts were retried"
    for d in failed_then_ok:
        assert d["attempts_log"][0]["status_code"] == 500
        assert d["attempts_log"][-1]["status_code"] == 204


async def test_a_claim_left_by_a_dead_worker_is_sent_after_its_lease(
    engine: AsyncEngine, writer: DecisionWriter, receiver: Receiver
) -> None:
    await subscribe(engine, "zhaopin", receiver.url)
    await writer.submit(decision("p1", outcome=Outcome.flag))
    lease_end = datetime.now(UTC) + timedelta(seconds=0.6)
    async with engine.begin() as conn:  # a worker claimed it, then died
        await conn.execute(update(webhook_outbox).values(claimed_by="dead-worker",
                                                         claimed_until=lease_end))
    d = Dispatcher(engine, FAST)
    await d.start()
    try:
        await until(lambda: _all(engine, "delivered", 1))
    finally:
        await d.close()
    assert datetime.now(UTC) >= lease_end
    assert len(receiver.got) == 1


async def test_dead_letter_after_max_attempts_then_redeliver(
    engine: AsyncEngine, writer: DecisionWriter, receiver: Receiver
) -> None:
    await subscribe(engine, "zhaopin", receiver.url)
    await writer.submit(decision("p1", outcome=Outcome.reject))
    receiver.failing = True
    cfg = DispatchConfig(**{**FAST.__dict__, "max_attempts": 3})
    d = Dispatcher(engine, cfg)
    await d.start()
    try:
        await until(lambda: _all(engine, "dead", 1))
        assert len(receiver.got) == 3
        (row,) = await outbox(engine)
        assert row.attempts == 3 and row.last_status == 500
        page = await deliveries.list_deliveries(engine, status="dead")
        assert [i["event_id"] for i in page["items"]] == [row.event_id]
        assert page["counts"] == {"pending": 0, "delivered": 0, "dead": 1}
        receiver.failing = False
        assert await deliveries.redeliver(engine, portal="zhaopin") == 1
        d.poke()
        await until(lambda: _all(engine, "delivered", 1))
    finally:
        await d.close()
    assert len(receiver.got) == 4
    assert receiver.got[-1].body == receiver.got[0].body  # same event, same bytes
    assert receiver.got[-1].headers["X-Verifier-Event-Id"] == row.event_id


async def test_unreachable_receiver_and_disabled_endpoint_are_failures_not_losses(
    engine: AsyncEngine, writer: DecisionWriter, receiver: Receiver
) -> None:
    await subscribe(engine, "zhaopin", receiver.url)
    await writer.submit(decision("p1", outcome=Outcome.flag))
    await receiver.stop()  # connection refused
    cfg = DispatchConfig(**{**FAST.__dict__, "max_attempts": 2})
    d = Dispatcher(engine, cfg)
    await d.start()
    try:
        await until(lambda: _all(engine, "dead", 1))
    finally:
        await d.close()
    (row,) = await outbox(engine)
    assert row.last_status is None and "Connect" in row.last_error


async def test_two_dispatchers_never_send_one_event_twice(
    engine: AsyncEngine, writer: DecisionWriter, receiver: Receiver
) -> None:
    await subscribe(engine, "zhaopin", receiver.url)
    await writer.submit_many([decision(f"p{i}", outcome=Outcome.flag) for i in range(40)])
    cfg = DispatchConfig(**{**FAST.__dict__, "batch": 5})
    receiver.delay_s = 0.1  # each claims while the other's deliveries are in flight
    a, b = Dispatcher(engine, cfg), Dispatcher(engine, cfg)
    await a.start()
    await b.start()
    try:
        await until(lambda: _all(engine, "delivered", 40))
    finally:
        await a.close()
        await b.close()
    ids = receiver.ok_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    assert a.delivered > 0 and b.delivered > 0


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    cfg = DispatchConfig(backoff_s=10, backoff_max_s=100)
    for attempts, full in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)):
        waits = [backoff(cfg, attempts) for _ in range(200)]
        assert all(full / 2 <= w <= full for w in waits)
        assert max(waits) - min(waits) > full / 10  # jittered, not fixed


async def _failed(engine: AsyncEngine, n: int) -> bool:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(webhook_attempts).where(
            webhook_attempts.c.status_code == 500))).scalar_one()) >= n


async def _all(engine: AsyncEngine, status: str, n: int) -> bool:
    return (await _statuses(engine))[status] == n


async def test_disabled_endpoint_queues_nothing_and_queued_events_dead_letter(
    engine: AsyncEngine, writer: DecisionWriter, receiver: Receiver
) -> None:
    await subscribe(engine, "zhaopin", receiver.url)
    await writer.submit(decision("p1", outcome=Outcome.flag))
    assert await endpoints.disable(engine, "zhaopin")
    await writer.submit(decision("p2", outcome=Outcome.flag))
    assert len(await outbox(engine)) == 1
    d = Dispatcher(engine, FAST)
    await d.start()
    try:
        await until(lambda: _all(engine, "dead", 1))
    finally:
        await d.close()
    (row,) = await outbox(engine)
    assert row.last_error == "the portal has no enabled endpoint" and not receiver.got
