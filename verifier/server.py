"""Running the service: one process, or N worker processes sharing one port (SO_REUSEPORT).

The parent migrates the database once, starts the workers, forwards SIGHUP (rule reload)
and SIGTERM/SIGINT to them, and restarts a worker that dies unexpectedly.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType

from aiohttp import web

from verifier.settings import Settings

log = logging.getLogger(__name__)


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _worker(settings: Settings, reuse_port: bool) -> None:
    from verifier.api.app import create_app
    from verifier.obs import logs

    logs.configure(settings.log_level, settings.log_format)
    _use_uvloop()
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, reuse_port=reuse_port,
        access_log=None if settings.log_level.upper() != "DEBUG" else logging.getLogger("access"),
        print=None, handle_signals=True,
    )


async def _migrate(settings: Settings) -> None:
    from verifier.pipeline.catalog import Catalog
    from verifier.registry import reference
    from verifier.store import migrate
    from verifier.store.db import create_engine

    # The rule pack first: a pack that cannot load stops here, before anything listens.
    reference.use_rules_dir(settings.rules_dir)
    Catalog.load(settings.rules_dir)

    engine = create_engine(settings.database_url)
    try:
        if await migrate.current_revision(engine) is None:
            await migrate.upgrade(engine)
        if settings.demo:  # once, here, rather than racing in every worker
            from verifier.demo import install_demo
            from verifier.resources import Resources

            await install_demo(Resources(settings=settings, engine=engine))
    finally:
        await engine.dispose()


def _metrics_dir(settings: Settings) -> None:
    """Several workers: each writes its metric samples to one shared directory, emptied
    here at start (a stale file would add a previous run's counts)."""
    from verifier.obs.metrics import MULTIPROC_ENV, prepare_multiproc_dir

    given = os.environ.get(MULTIPROC_ENV) or settings.metrics_dir
    if given is None and settings.workers == 1:
        return
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="verifier-metrics-"))
    prepare_multiproc_dir(path)
    os.environ[MULTIPROC_ENV] = str(path)


def serve(settings: Settings) -> None:
    """Serve until interrupted."""
    _metrics_dir(settings)
    asyncio.run(_migrate(settings))
    where = f"http://{settings.host}:{settings.port}"
    mode = "demo mode, keys: demo-portal-key, demo-admin-key, ..." if settings.demo else ""
    print(f"Posting Verifier listening on {where} ({settings.workers} worker(s)) {mode}".rstrip(),
          flush=True)
    if settings.workers == 1:
        _worker(settings, reuse_port=False)
        return
    ctx = mp.get_context("spawn")
    procs: list[BaseProcess] = []
    stopping = False

    def start() -> BaseProcess:
        p = ctx.Process(target=_worker, args=(settings, True), daemon=False)
        p.start()
        return p

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if signum != signal.SIGHUP:
            stopping = True
        for p in procs:
            if p.pid and p.is_alive():
                os.kill(p.pid, signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    from verifier.obs.metrics import worker_exited

    procs.extend(start() for _ in range(settings.workers))
    while not stopping:
        time.sleep(0.5)
        for i, p in enumerate(procs):
            if not p.is_alive() and not stopping:
                log.warning("worker %s exited with %s; restarting", p.pid, p.exitcode)
                if p.pid:
                    worker_exited(p.pid)
                time.sleep(1.0)
                procs[i] = start()
    for p in procs:
        p.join(timeout=15)
        if p.is_alive():
            p.kill()
    sys.exit(0)
