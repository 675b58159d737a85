"""Review tests: an app client (SQLite, then PostgreSQL with Redis), reviewer keys by name,
and helpers to put flagged postings in the queue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from tests.api.conftest import PORTAL, make_settings
from tests.factories import posting_dict
from verifier.api.app import create_app
from verifier.api.state import RESOURCES, REVIEW
from verifier.models import Role
from verifier.review.config import ReviewConfig
from verifier.review.queue import ReviewQueue
from verifier.review.service import ReviewService
from verifier.review.sweeper import LeaseSweeper
from verifier.store.db import create_engine
from verifier.store.keys import create_key
from verifier.store.tables import decisions, review_events, review_items

Client = TestClient[Any, Any]
ADMIN = {"Authorization": "Bearer demo-admin-key"}


@pytest.fixture
async def client(aiohttp_client: Any, db_url: str,
                 redis_url: str | None) -> AsyncIterator[Client]:
    """A test client against the real app and a fresh database."""
    app = create_app(make_settings(db_url, redis_url))
    yield await aiohttp_client(app)


def service(client: Client) -> ReviewService:
    """The app's review service."""
    svc: ReviewService = client.app[REVIEW]
    return svc


async def reviewer(client: Client, name: str) -> dict[str, str]:
    """Headers of a new reviewer key named `name`."""
    key = await create_key(client.app[RESOURCES].engine, name, Role.reviewer)
    return {"Authorization": f"Bearer {key}"}


def flagged(posting_id: str, **kw: Any) -> dict[str, Any]:
    """A posting the rules flag (no pay stated)."""
    return posting_dict(posting_id=posting_id, salary=None, **kw)


async def verify(client: Client, body: dict[str, Any], headers: dict[str, str] = PORTAL
                 ) -> dict[str, Any]:
    """POST a posting; the decision."""
    resp = await client.post("/v1/postings/verify", json=body, headers=headers)
    assert resp.status == 200, await resp.text()
    got: dict[str, Any] = await resp.json()
    return got


async def snapshot(client: Client) -> tuple[Any, ...]:
    """Everything a refused action must leave unchanged: items, event count, log length."""
    engine = client.app[RESOURCES].engine
    async with engine.connect() as conn:
        items = (await conn.execute(select(review_items).order_by(
            review_items.c.decision_id))).all()
        events = (await conn.execute(select(func.count()).select_from(review_events))).scalar()
        logged = (await conn.execute(select(func.count()).select_from(decisions))).scalar()
    return tuple(tuple(r) for r in items), events, logged


def shift_clock(client: Client, minutes: float) -> Callable[[], datetime]:
    """Move the review service's clock forward (leases expire, items fall due)."""
    svc = service(client)
    delta = timedelta(minutes=minutes)
    svc.clock = lambda: datetime.now(UTC) + delta
    return svc.clock


@asynccontextmanager
async def two_instances(engine: Any, db_url: str, cfg: ReviewConfig
                        ) -> AsyncIterator[tuple[ReviewQueue, ReviewQueue, list[LeaseSweeper]]]:
    """Two service instances on one database, each with its own pool of connections (host
    a on `engine`, host b on a second engine), and three lease sweepers among them (one on
    a, two on b, batches of 4, 4 and 7): what concurrency tests race."""
    other = create_engine(db_url)
    try:
        host_a = ReviewQueue(engine, lambda: cfg)
        host_b = ReviewQueue(other, lambda: cfg)
        yield host_a, host_b, [LeaseSweeper(host_a, 60, batch=4),
                               LeaseSweeper(host_b, 60, batch=4),
                               LeaseSweeper(host_b, 60, batch=7)]
    finally:
        await other.dispose()
