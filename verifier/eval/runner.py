"""Running labelled postings through the same pipeline the service runs, offline."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from verifier.eval.labels import LabelledPosting
from verifier.eval.metrics import Result
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine
from verifier.settings import Settings

# Clock for postings without submitted_at, so a rerun decides the same way.
DEFAULT_NOW = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)


@asynccontextmanager
async def offline(settings: Settings) -> AsyncIterator[tuple[Engine, str]]:
    """The service's engine with its fact providers when the spine offers it, else bare.

    Yields the engine and a word on how it was built (``offline_engine`` or ``no providers``)
    so reports say whether registry facts took part.
    """
    try:
        module = importlib.import_module("verifier.pipeline.offline")
    except ModuleNotFoundError:
        module = None
    factory: Any = getattr(module, "offline_engine", None) if module else None
    if factory is None:
        yield Engine(Catalog.load(settings.rules_dir), []), "no providers"
        return
    async with factory(settings) as engine:
        yield engine, "offline_engine"


async def run(
    engine: Engine,
    items: list[LabelledPosting],
    on_done: Callable[[Result], None] | None = None,
    now: datetime = DEFAULT_NOW,
) -> list[Result]:
    """Evaluate every posting in order; `on_done` is told after each (progress bars)."""
    out: list[Result] = []
    for item in items:
        ev = await engine.evaluate(item.posting, now=now)
        res = Result(item, ev.outcome, ev.risk_score, ev.findings)
        out.append(res)
        if on_done is not None:
            on_done(res)
    return out
