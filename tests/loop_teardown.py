"""Closing a test's event loop: cancel what is left in rounds, not in one sweep.

`asyncio.Runner.close` cancels the tasks alive at that moment, once, then waits for all of
them. Cleanup that defers a cancellation until it has finished — SQLAlchemy's
`AsyncConnection.__aexit__` runs `close()` in a task of its own and waits for it through
any number of cancellations — starts that task after the sweep, so nobody cancels it; if
it waits on something that will never come (an aiosqlite future whose worker thread has
stopped), the loop never closes and the test runs into pytest-timeout at teardown, after
every assertion passed (CI run of stop 18: the webhook API test on SQLite).

`cancel_in_rounds` cancels whatever is still pending, waits a little, and repeats, so a
task started during the previous round's cancellation is cancelled too. What is still
pending after the rounds has its stack printed to stderr before asyncio's own sweep runs
(and pytest-timeout names the test): a real hang stays visible.
"""

from __future__ import annotations

import asyncio
import asyncio.runners
import sys
from collections.abc import Callable

ROUNDS = 20
ROUND_S = 0.5

_original: Callable[[asyncio.AbstractEventLoop], None] = asyncio.runners._cancel_all_tasks


def cancel_in_rounds(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every pending task of `loop`, round after round, then report what failed."""
    finished: list[asyncio.Task[object]] = []
    for _ in range(ROUNDS):
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if not pending:
            break
        for task in pending:
            task.cancel()
        done, _still = loop.run_until_complete(asyncio.wait(pending, timeout=ROUND_S))
        finished.extend(done)
    for task in finished:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler({
                "message": "unhandled exception during asyncio.run() shutdown",
                "exception": task.exception(), "task": task})
    stuck = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in stuck:
        print(f"task still pending after {ROUNDS} rounds of cancellation: {task!r}",
              file=sys.stderr)
        task.print_stack(file=sys.stderr)
    _original(loop)


def install() -> None:
    """Make every `asyncio.Runner` of this test process close its loop this way."""
    asyncio.runners._cancel_all_tasks = cancel_in_rounds  # type: ignore[attr-defined]
