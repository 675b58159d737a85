"""A test's event loop closes although a task defers its cancellation to a task it starts
while being cancelled (the shape of SQLAlchemy's connection cleanup)."""

from __future__ import annotations

import asyncio
import asyncio.runners
import threading

from tests import loop_teardown


async def _never() -> None:
    await asyncio.get_running_loop().create_future()


async def _deferring(started: asyncio.Event) -> None:
    """Cleanup in a task of its own, waited for through any number of cancellations."""
    try:
        started.set()
        await asyncio.sleep(3600)
    finally:
        inner = asyncio.create_task(_never())
        while True:
            try:
                await asyncio.shield(inner)
            except asyncio.CancelledError:
                if inner.done():
                    raise


def _close_within(cancel_all: object, seconds: float) -> bool:
    """Whether a runner holding a deferring task closes within `seconds`."""
    runner = asyncio.Runner()

    async def start() -> None:
        started = asyncio.Event()
        asyncio.get_running_loop().create_task(_deferring(started))
        await started.wait()

    runner.run(start())
    saved = asyncio.runners._cancel_all_tasks
    asyncio.runners._cancel_all_tasks = cancel_all  # type: ignore[attr-defined]
    try:
        closer = threading.Thread(target=runner.close, daemon=True)
        closer.start()
        closer.join(seconds)
        return not closer.is_alive()
    finally:
        asyncio.runners._cancel_all_tasks = saved  # type: ignore[attr-defined]


def test_the_rounds_close_a_loop_that_one_sweep_leaves_open() -> None:
    assert _close_within(loop_teardown.cancel_in_rounds, 10)
    # asyncio's single sweep never cancels the task started during it (the thread is a
    # daemon, left waiting for ever)
    assert not _close_within(loop_teardown._original, 2)


def test_the_conftest_installs_the_rounds() -> None:
    assert asyncio.runners._cancel_all_tasks is loop_teardown.cancel_in_rounds  # type: ignore[attr-defined]
