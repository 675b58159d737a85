"""The webhook dispatcher: one task per worker process delivering due outbox rows.

A round claims up to `batch` due rows by setting a claim token and a lease on them in one
statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances never take the same row;
SQLite's write lock serializes the claim, and the UPDATE re-checks the lease). Each claimed
event is POSTed, signed, with a timeout; the outcome is recorded only while the claim is
still ours. A worker that dies mid-delivery leaves its claim to expire, and another worker
(or the restarted one) sends the event again: delivery is at least once, and receivers
deduplicate by event id. A failed attempt is retried after an exponential backoff with
jitter; after `max_attempts` the event becomes a dead letter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from uuid_utils import uuid4

from verifier.review.webhooks import signing
from verifier.store.webhook_tables import webhook_attempts, webhook_endpoints, webhook_outbox

log = logging.getLogger(__name__)
o = webhook_outbox


@dataclass(frozen=True)
class DispatchConfig:
    """How the dispatcher retries and paces itself."""

    max_attempts: int = 8
    timeout_s: float = 10.0
    backoff_s: float = 10.0
    backoff_max_s: float = 3600.0
    lease_s: float = 60.0
    poll_s: float = 1.0
    batch: int = 16


def backoff(cfg: DispatchConfig, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next try after `attempts` failures: exponential, capped, with
    "equal jitter" (half fixed, half random) so retries of many events spread out."""
    delay = float(min(cfg.backoff_max_s, cfg.backoff_s * 2.0 ** max(attempts - 1, 0)))
    jitter: float = (rng or random).uniform(0, delay / 2)
    return delay / 2 + jitter


@dataclass(frozen=True)
class _Claimed:
    id: int
    event_id: str
    portal: str
    event_type: str
    body: str
    attempts: int


@dataclass(frozen=True)
class _Result:
    status: int | None
    error: str | None
    ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Dispatcher:
    """Claims due outbox rows and delivers them; `start`/`close` around the worker's life."""

    def __init__(self, engine: AsyncEngine, cfg: DispatchConfig | None = None) -> None:
        self.engine = engine
        self.cfg = cfg or DispatchConfig()
        self.name = f"{os.getpid()}-{uuid4().hex[:8]}"
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self.delivered = 0
        self.failed = 0

    async def start(self) -> None:
        """Start the delivery loop."""
        if self._task is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.cfg.timeout_s),
                headers={"User-Agent": "PostingVerifier-Webhooks/1"})
            self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    def poke(self) -> None:
        """Look for due events now instead of at the next poll."""
        self._wake.set()

    async def close(self) -> None:
        """Stop; deliveries in flight are abandoned and their claims released, so the next
        worker sends them again."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._release(), 5)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while True:
            try:
                done = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down, say: try again after a pause
                log.exception("webhook dispatch round failed")
                done = 0
            if done == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.cfg.poll_s)

    async def run_once(self) -> int:
        """One round: claim due events, deliver them concurrently; how many were tried."""
        claimed = await self._claim()
        if not claimed:
            return 0
        targets = await self._targets({c.portal for c in claimed})
        await asyncio.gather(*(self._deliver(c, targets.get(c.portal)) for c in claimed))
        return len(claimed)

    async def _claim(self) -> list[_Claimed]:
        now = datetime.now(UTC)
        due = (o.c.status == "pending", o.c.next_attempt_at <= now,
               or_(o.c.claimed_until.is_(None), o.c.claimed_until < now))
        pick = select(o.c.id).where(*due).order_by(o.c.next_attempt_at, o.c.id).limit(
            self.cfg.batch)
        if self.engine.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        # A CTE, evaluated once: as an IN subquery PostgreSQL may re-run it per updated row,
        # and each run, no longer seeing the rows just claimed, would pick `batch` more.
        picked = pick.cte("picked")
        stmt = (update(o).where(o.c.id.in_(select(picked.c.id)), *due)
                .values(claimed_by=self.name,
                        claimed_until=now + timedelta(seconds=self.cfg.lease_s))
                .returning(o.c.id, o.c.event_id, o.c.portal, o.c.event_type, o.c.body,
                           o.c.attempts))
        async with self.engine.begin() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_Claimed(*r) for r in rows]

    async def _targets(self, portals: set[str]) -> dict[str, tuple[str, str]]:
        ep = webhook_endpoints
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(ep.c.portal, ep.c.url, ep.c.secret).where(
                ep.c.portal.in_(sorted(portals)), ep.c.enabled.is_(True)))
            return {r.portal: (r.url, r.secret) for r in rows}

    async def _deliver(self, c: _Claimed, target: tuple[str, str] | None) -> None:
        if target is None:
            await self._record(c, "", _Result(None, "the portal has no enabled endpoint", 0),
                               final=True)
            return
        url, secret = target
        result = await self._post(c, url, secret)
        await self._record(c, url, result)

    async def _post(self, c: _Claimed, url: str, secret: str) -> _Result:
        assert self._session is not None
        body = c.body.encode()
        hdrs = signing.headers(secret, c.event_id, c.event_type, int(time.time()), body)
        started = time.monotonic()
        try:
            async with self._session.post(url, data=body, headers=hdrs,
                                          allow_redirects=False) as resp:
                text = "" if 200 <= resp.status < 300 else (await resp.text())[:300]
                ms = int((time.monotonic() - started) * 1000)
                return _Result(resp.status, f"HTTP {resp.status}: {text}" if text else None, ms)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            ms = int((time.monotonic() - started) * 1000)
            return _Result(None, f"{type(exc).__name__}: {exc}"[:300], ms)

    async def _record(self, c: _Claimed, url: str, r: _Result, *, final: bool = False) -> None:
        now = datetime.now(UTC)
        attempts = c.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "claimed_by": None,
                                  "claimed_until": None, "last_status": r.status,
                                  "last_error": r.error}
        if r.ok:
            values.update(status="delivered", delivered_at=now)
            self.delivered += 1
        elif final or attempts >= self.cfg.max_attempts:
            values.update(status="dead")
            self.failed += 1
        else:
            values.update(next_attempt_at=now + timedelta(seconds=backoff(self.cfg, attempts)))
            self.failed += 1
        async with self.engine.begin() as conn:
            res = await conn.execute(update(o).where(
                o.c.id == c.id, o.c.claimed_by == self.name, o.c.status == "pending"
            ).values(**values))
            if res.rowcount == 0:  # our lease ran out and someone else took the event
                return
            await conn.execute(insert(webhook_attempts).values(
                event_id=c.event_id, attempt=attempts, url=url, at=now,
                status_code=r.status, error=r.error, duration_ms=r.ms))
        if not r.ok:
            log.info("webhook %s to %s failed (try %d): %s", c.event_id, c.portal, attempts,
                     r.error)

    async def _release(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(o).where(o.c.claimed_by == self.name, o.c.status ==
                                               "pending").values(claimed_by=None,
                                                                 claimed_until=None))
