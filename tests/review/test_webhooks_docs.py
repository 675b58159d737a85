"""docs/webhooks.md: its receiver snippet verifies real deliveries and refuses forgeries."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.review.webhook_kit import FAST, Receiver, decision, subscribe, until
from verifier.models import Outcome
from verifier.review.webhooks.dispatcher import Dispatcher
from verifier.review.webhooks.outbox import decision_events
from verifier.store.writer import DecisionWriter

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def snippet() -> Any:
    """The doc's Python block, executed; returns its `verify_webhook`."""
    (code,) = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    scope: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), scope)
    return scope["verify_webhook"]


@pytest.fixture
async def received(engine: AsyncEngine) -> AsyncIterator[tuple[str, Receiver]]:
    r = Receiver()
    await r.start()
    secret = await subscribe(engine, "zhaopin", r.url)
    w = DecisionWriter(engine, hooks=[decision_events])
    await w.start()
    await w.submit(decision("p1", outcome=Outcome.reject))
    await w.close()
    d = Dispatcher(engine, FAST)
    await d.start()
    try:
        await until(lambda: _has(r))
    finally:
        await d.close()
        await r.stop()
    yield secret, r


async def _has(r: Receiver) -> bool:
    return bool(r.got)


async def test_doc_snippet_verifies_a_delivery_and_refuses_forgeries(
    received: tuple[str, Receiver]
) -> None:
    verify_webhook = snippet()
    secret, r = received
    got = r.got[0]
    assert verify_webhook(secret, got.headers, got.body)
    assert not verify_webhook("whsec_other", got.headers, got.body)
    assert not verify_webhook(secret, got.headers, got.body.replace(b"reject", b"approv"))
    assert not verify_webhook(secret, got.headers, got.body + b" ")
    stale = {**got.headers, "X-Verifier-Timestamp": str(int(time.time()) - 3600)}
    assert not verify_webhook(secret, stale, got.body)  # old timestamp, signature mismatch too
    assert not verify_webhook(secret, {**got.headers, "X-Verifier-Timestamp": "x"}, got.body)
    assert not verify_webhook(secret, {}, got.body)
