"""Running the service: one process, or N worker processes sharing one port (SO_REUSEPORT).



"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import sys
import tempfile
from multiprocessing.process import BaseProcess
from pathlib import Path

from aiohttp import web

from verifier.failures import (
    EXIT_FATAL_WORKER,
    OperatorError,
    check_port,
    explain_bind,
    explain_rules,
)
from verifier.settings import Settings

log = logging.getLogger(__name__)


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _run_app(settings: Settings, reuse_port: bool) -> None:
    from verifier.api.app import create_app
    from verifier.obs import logs

    logs.configure(settings.log_level, settings.log_format)
    _use_uvloop()
    try:
        web.run_app(
            create_app(settings), host=settings.host, port=settings.port, reuse_port=reuse_port,
            access_log=(None if settings.log_level.upper() != "DEBUG"
                        else logging.getLogger("access")),
            print=None, handle_signals=True,
        )
    except OSError as exc:  # the app maps its own start-up failures; this is the bind
        err = explain_bind(exc, settings.host, settings.port)
        if err is None:
            raise
        raise err from exc


def _worker(settings: Settings, reuse_port: bool) -> None:
    """A worker process: a start-up failure is printed and ends it with EXIT_FATAL_WORKER."""
    try:
        _run_app(settings, reuse_port)
    except OperatorError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr, flush=True)
        sys.exit(EXIT_FATAL_WORKER)


async def _migrate(settings: Settings) -> None:
    from verifier.pack import RulePackError
    from verifier.pipeline.catalog import Catalog
    from verifier.registry import reference
    from verifier.store.open import open_for_service

    # The rule pack first: a pack that cannot load stops here, before anything listens.
    try:
        reference.use_rules_dir(settings.rules_dir)
        Catalog.load(settings.rules_dir)
    except RulePackError as exc:
        raise explain_rules(exc, settings.rules_dir) from exc
    async with open_for_service(settings.database_url) as engine:
        if settings.demo:  # once, here, rather than racing in every worker
            from verifier.demo import install_demo
            from verifier.resources import Resources

            await install_demo(Resources(settings=settings, engine=engine))


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
    """Serve until interrupted; a start-up failure raises `OperatorError`."""
    check_port(settings.host, settings.port)
    _metrics_dir(settings)
    asyncio.run(_migrate(settings))
    where = f"http://{settings.host}:{settings.port}"
    mode = "demo mode, keys: demo-portal-key, demo-admin-key, ..." if settings.demo else ""
    print(f"Posting Verifier listening on {where} ({settings.workers} worker(s)) {mode}".rstrip(),
          flush=True)
    if settings.workers == 1:
        _run_app(settings, reuse_port=False)
        return
    from verifier.obs.metrics import worker_exited
    from verifier.supervisor import Supervisor

    ctx = mp.get_context("spawn")

    def start() -> BaseProcess:
        p = ctx.Process(target=_worker, args=(settings, True), daemon=False)
        p.start()
        return p

    sys.exit(Supervisor(start, settings.workers, on_exit=worker_exited).run())
