"""`serve --workers N`'s parent: a worker that cannot start stops the service at once; workers
that keep dying are restarted a bounded number of times, then the service exits non-zero."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import sys
import time
from multiprocessing.process import BaseProcess

import pytest

from verifier.failures import EXIT_FATAL_WORKER
from verifier.supervisor import Supervisor


def _exit_with(code: int) -> None:
    sys.exit(code)


def _starter(code: int, started: list[float]) -> object:
    ctx = mp.get_context("fork")

    def start() -> BaseProcess:
        started.append(time.monotonic())
        p = ctx.Process(target=_exit_with, args=(code,))
        p.start()
        return p

    return start


def test_fatal_worker_stops_the_service_without_restarts(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    started: list[float] = []
    sup = Supervisor(_starter(EXIT_FATAL_WORKER, started), 2)  # type: ignore[arg-type]
    assert sup.run() == 1
    assert len(started) == 2  # the two first starts, never a restart
    assert "a worker could not start" in capsys.readouterr().err


def test_dying_workers_are_restarted_within_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    started: list[float] = []
    exited: list[int] = []
    sup = Supervisor(_starter(1, started), 1, max_restarts=3, window_s=60,  # type: ignore[arg-type]
                     on_exit=exited.append)
    t0 = time.monotonic()
    assert sup.run() == 1
    assert len(started) == 4  # the first start and three restarts, then it gives up
    assert len(exited) == 4
    gaps = [b - a for a, b in itertools.pairwise(started)]
    assert gaps[-1] > gaps[0]  # the pause grows
    assert time.monotonic() - t0 < 30
    err = capsys.readouterr().err
    assert "exited 4 times within 60 s" in err and "last exit code 1" in err
