"""The application factory: wiring only. Resources open and close in `cleanup_ctx`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import pkgutil
import signal
from collections.abc import AsyncIterator

from aiohttp import web

import verifier.api as api_pkg
from verifier.api import routes_meta, routes_postings
from verifier.api.auth import auth_middleware
from verifier.api.errors import error_middleware
from verifier.api.limits import rate_limit_middleware, setup_limiter
from verifier.api.observe import observe_middleware
from verifier.api.params import params_middleware
from verifier.api.reload import RELOAD_STATUS, RULES_EPOCH, ReloadStatus, reload_rules
from verifier.api.state import (
    ENGINE,
    KEYS,
    RESOURCES,
    REVIEW,
    SETTINGS,
    VERIFIER,
    WATCHER,
    WRITER,
)
from verifier.failures import OperatorError, database_errors
from verifier.obs import metrics
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine
from verifier.pipeline.facts import build_providers, side_writers
from verifier.registry import reference
from verifier.resources import Resources
from verifier.review.config import ReviewConfig
from verifier.review.service import ReviewService
from verifier.review.webhooks.outbox import decision_events
from verifier.service import Verifier
from verifier.settings import Settings
from verifier.store.db import create_engine, db_timeouts
from verifier.store.epochs import EpochWatcher
from verifier.store.keys import KEYS_EPOCH, KeyCache
from verifier.store.open import SchemaOutOfDate, prepare_for_service
from verifier.store.writer import DecisionWriter

log = logging.getLogger(__name__)
__all__ = ["SchemaOutOfDate", "create_app"]


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    await asyncio.to_thread(reference.use_rules_dir, settings.rules_dir)
    with database_errors(settings.database_url):
        db = create_engine(settings.database_url, timeouts=db_timeouts(settings))
    try:
        await prepare_for_service(db, settings.database_url)
    except BaseException:
        await db.dispose()
        raise
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        try:
            redis = Redis.from_url(settings.redis_url, socket_timeout=settings.redis_timeout_s,
                                   socket_connect_timeout=settings.redis_timeout_s)
        except ValueError as exc:
            await db.dispose()
            raise OperatorError(f"REDIS_URL is not a Redis URL ({exc})",
                                "use redis://host:6379/0, or unset REDIS_URL") from exc
        try:
            await redis.ping()
        except Exception as exc:  # Redis is optional: degrade, never fail
            log.warning("Redis at %s unreachable (%s): running without it", settings.redis_url, exc)
    app[RESOURCES] = Resources(settings=settings, engine=db, redis=redis)
    app[KEYS] = KeyCache(db)
    app[RESOURCES].on_epoch[KEYS_EPOCH] = app[KEYS].on_epoch  # revocations from anywhere
    await app[KEYS].start()
    setup_limiter(app)
    if settings.demo:
        from verifier.demo import install_demo

        await install_demo(app[RESOURCES])
    yield
    await app[KEYS].close()
    if redis is not None:
        await redis.aclose()
    await db.dispose()


async def _pipeline(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    res = app[RESOURCES]
    catalog = await asyncio.to_thread(Catalog.load, settings.rules_dir)
    if catalog.reference is not None:
        reference.install(catalog.reference)
    review = ReviewService(res.engine,
                           await asyncio.to_thread(ReviewConfig.load, settings.rules_dir))
    providers = build_providers(res)
    for p in providers:
        await p.start()
    engine = Engine(catalog, providers, fact_timeout=settings.fact_timeout_s)
    writer = DecisionWriter(res.engine, max_batch=settings.group_commit_max,
                            linger_ms=settings.group_commit_ms, hooks=[decision_events],
                            review_hook=review.hook)
    for side in side_writers(providers):
        writer.sides.register(side)
    await writer.start()
    app[ENGINE] = engine
    app[WRITER] = writer
    app[REVIEW] = review
    app[VERIFIER] = Verifier(engine, writer, review=review)
    metrics.set_rules_version(catalog.rules_version)
    app[RELOAD_STATUS] = ReloadStatus()

    async def on_epoch(name: str, value: int) -> None:
        if name == RULES_EPOCH:
            await reload_rules(app, announce=False)
        elif name in res.on_epoch:
            await res.on_epoch[name](value)

    watcher = EpochWatcher(res.engine, on_epoch, poll_s=settings.epoch_poll_s, redis=res.redis)
    await watcher.start()
    app[WATCHER] = watcher
    _tune_gc()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(
            signal.SIGHUP, lambda: asyncio.ensure_future(reload_rules(app, announce=False))
        )
    yield
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.remove_signal_handler(signal.SIGHUP)
    await watcher.close()
    await writer.close()
    for p in providers:
        await p.close()


def _tune_gc() -> None:
    """Move what was built at start (rule automata, registry index, duplicate memory) out of
    the cyclic collector's reach, and collect the young generation less often: a request
    allocates thousands of short-lived objects, and with the default threshold (700) the
    collector ran many times per request and full collections walked every long-lived
    object. Reference counting still frees almost everything at once."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _extra_routes(app: web.Application) -> None:
    """Route modules of other families (`verifier/api/routes_*.py` exposing `setup(app)`)."""
    for info in sorted(pkgutil.iter_modules(api_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("routes_") and info.name not in ("routes_meta", "routes_postings"):
            module = importlib.import_module(f"{api_pkg.__name__}.{info.name}")
            setup = getattr(module, "setup", None)
            if callable(setup):
                setup(app)


def create_app(settings: Settings) -> web.Application:
    """The service as an aiohttp application."""
    app = web.Application(
        middlewares=[observe_middleware, error_middleware, params_middleware, auth_middleware,
                     rate_limit_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app.add_routes(routes_meta.routes)
    app.add_routes(routes_postings.routes)
    _extra_routes(app)
    app.cleanup_ctx.append(_resources)
    app.cleanup_ctx.append(_pipeline)
    return app
