"""Test kit for webhooks: a real local receiver, decisions to log, waiting helpers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import free_port
from verifier.models import Decision, Finding, Outcome, Role, Severity
from verifier.review.webhooks import endpoints
from verifier.review.webhooks.dispatcher import DispatchConfig
from verifier.store.keys import create_key
from verifier.store.webhook_tables import webhook_outbox

FAST = DispatchConfig(max_attempts=5, timeout_s=2.0, backoff_s=0.05, backoff_max_s=0.2,
                      lease_s=5.0, poll_s=0.05, batch=16)


@dataclass
class Received:
    """One request the receiver got, and what it answered."""

    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """An aiohttp server on loopback that answers 500 to its first `fail_first` requests
    (or to all while `failing`), then 204."""

    fail_first: int = 0
    failing: bool = False
    delay_s: float = 0.0
    got: list[Received] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status = 500 if self.failing or len(self.got) < self.fail_first else 204
        self.got.append(Received(dict(request.headers), body, status))
        return web.Response(status=status, text="boom" if status == 500 else None)

    async def start(self) -> str:
        """Serve on a free port; returns the hook URL."""
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/hook"
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def ok_ids(self) -> list[str]:
        """Event ids of the requests answered 2xx."""
        return [r.headers["X-Verifier-Event-Id"] for r in self.got if r.status < 300]


def decision(posting_id: str, content: str = "c1", portal: str = "zhaopin",
             outcome: Outcome = Outcome.flag) -> Decision:
    """A decision as the engine would build it."""
    findings = [] if outcome is Outcome.approve else [Finding(
        rule="content.missing.pay", severity=Severity(outcome.value), score=30,
        message="未写明劳动报酬")]
    return Decision(
        decision_id=str(uuid.uuid4()), posting_id=posting_id, portal=portal, outcome=outcome,
        risk_score=0.0 if outcome is Outcome.approve else 30.0, findings=findings, tags=[],
        rules_version="r1", content_hash=content * 8, decided_at=datetime.now(UTC))


async def subscribe(engine: AsyncEngine, portal: str, url: str) -> str:
    """A portal key and an enabled endpoint for it; returns the signing secret."""
    await create_key(engine, portal, Role.portal)
    _, secret = await endpoints.set_endpoint(engine, portal, url)
    assert secret is not None
    return secret


async def outbox(engine: AsyncEngine) -> list[Any]:
    """Every outbox row, oldest first."""
    async with engine.connect() as conn:
        return list((await conn.execute(
            select(webhook_outbox).order_by(webhook_outbox.c.id))).all())


async def until(pred: Callable[[], Awaitable[bool]], within_s: float = 15.0) -> None:
    """Wait until `pred()` holds (fails the test after `within_s`)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + within_s
    while not await pred():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
