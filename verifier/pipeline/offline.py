"""The pipeline outside the server: for `verifier check`, `verifier eval` and benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Posting
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine, Evaluation
from verifier.pipeline.facts import build_providers, side_writers
from verifier.registry import reference
from verifier.resources import Resources
from verifier.settings import Settings
from verifier.store import migrate
from verifier.store.db import create_engine
from verifier.store.side_writes import SideWriters


@asynccontextmanager
async def offline_resources(settings: Settings) -> AsyncIterator[Resources]:
    """Database engine (migrated if empty) and optional Redis, closed on exit; the rule
    pack's registry reference tables installed."""
    reference.use_rules_dir(settings.rules_dir)
    db = create_engine(settings.database_url)
    redis = None
    try:
        if await migrate.current_revision(db) is None:
            await migrate.upgrade(db)
        if settings.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(settings.redis_url)
        yield Resources(settings=settings, engine=db, redis=redis)
    finally:
        if redis is not None:
            await redis.aclose()
        await db.dispose()


class RecordingEngine(Engine):
    """An engine that commits each evaluation's side writes itself (offline tools have no
    decision writer), so offline runs record fingerprints the way the service does."""

    def __init__(self, db: AsyncEngine, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.db = db
        self.sides = SideWriters(side_writers(self.providers))

    async def evaluate(
        self, posting: Posting, now: datetime | None = None, *, portal: str | None = None
    ) -> Evaluation:
        """Evaluate, then commit the side writes in one transaction."""
        ev = await super().evaluate(posting, now, portal=portal)
        if ev.side_writes:
            async with self.db.begin() as conn:
                await conn.run_sync(self.sides.write_attached, ev.side_writes)
        return ev


@asynccontextmanager
async def offline_engine(settings: Settings, *, record: bool = True) -> AsyncIterator[Engine]:
    """An engine with the configured rule pack and every fact provider, ready to evaluate;
    with `record` it commits each evaluation's side writes (fingerprints), else it only
    reads the database."""
    async with offline_resources(settings) as res:
        catalog = Catalog.load(settings.rules_dir)
        providers = build_providers(res)
        try:
            for p in providers:
                await p.start()
            if record:
                yield RecordingEngine(res.engine, catalog, providers,
                                      fact_timeout=settings.fact_timeout_s)
            else:
                yield Engine(catalog, providers, fact_timeout=settings.fact_timeout_s)
        finally:
            for p in providers:
                await p.close()
