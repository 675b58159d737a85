"""The parent of `serve --workers N`: starts the workers, forwards signals, restarts a worker
that dies, within bounds.

A worker that cannot start for a reason a restart will not cure (busy port, database
refused, broken rule pack: exit code `EXIT_FATAL_WORKER`, after printing what is wrong)
stops the whole service at once; a worker that keeps dying for other reasons is restarted
with a growing pause, and more than `max_restarts` exits within `window_s` stop it too.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType

from verifier.failures import EXIT_FAILURE, EXIT_FATAL_WORKER

log = logging.getLogger(__name__)


class Supervisor:
    """Keeps N worker processes running; `run()` returns the service's exit code."""

    def __init__(self, start: Callable[[], BaseProcess], workers: int, *,
                 max_restarts: int = 5, window_s: float = 60.0,
                 on_exit: Callable[[int], None] | None = None) -> None:
        self.start = start
        self.workers = workers
        self.max_restarts = max_restarts
        self.window_s = window_s
        self.on_exit = on_exit
        self.procs: list[BaseProcess] = []
        self.stopping = False
        self.restarts: list[float] = []

    def _forward(self, signum: int, _frame: FrameType | None) -> None:
        if signum != signal.SIGHUP:
            self.stopping = True
        for p in self.procs:
            if p.pid and p.is_alive():
                os.kill(p.pid, signum)

    def run(self) -> int:
        """Start the workers and watch them until a signal stops them or they fail."""
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._forward)
        self.procs.extend(self.start() for _ in range(self.workers))
        code = 0
        while not self.stopping:
            time.sleep(0.2)
            for i, p in enumerate(self.procs):
                if self.stopping or p.is_alive():
                    continue
                failed = self._dead(p)
                if failed is not None:
                    code = failed
                    self.stopping = True
                    break
                self.procs[i] = self.start()
        self._stop_all()
        return code

    def _dead(self, p: BaseProcess) -> int | None:
        """Handle one dead worker: None to restart it, else the exit code to stop with."""
        if p.pid and self.on_exit is not None:
            self.on_exit(p.pid)
        if p.exitcode == EXIT_FATAL_WORKER:
            print("error: a worker could not start (reason above); stopping the service",
                  file=sys.stderr, flush=True)
            return EXIT_FAILURE
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < self.window_s] + [now]
        if len(self.restarts) > self.max_restarts:
            print(f"error: workers exited {len(self.restarts)} times within "
                  f"{self.window_s:.0f} s (last exit code {p.exitcode}); stopping the service",
                  "  see the log above for why they die", sep="\n", file=sys.stderr, flush=True)
            return EXIT_FAILURE
        pause = min(0.5 * 2 ** (len(self.restarts) - 1), 10.0)
        log.warning("worker %s exited with %s; restarting in %.1f s", p.pid, p.exitcode, pause)
        time.sleep(pause)
        return None

    def _stop_all(self) -> None:
        for p in self.procs:
            if p.pid and p.is_alive():
                os.kill(p.pid, signal.SIGTERM)
        for p in self.procs:
            p.join(timeout=15)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
