"""The ceiling: a bare aiohttp endpoint that only parses the same JSON (uvloop, orjson)."""

from __future__ import annotations

import multiprocessing as mp
import signal
import sys

import orjson
from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    """Parse the body, answer a small JSON object."""
    data = orjson.loads(await request.read())
    return web.Response(body=orjson.dumps({"posting_id": data.get("posting_id"), "ok": True}),
                        content_type="application/json")


def _run(port: int) -> None:
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    app = web.Application()
    app.router.add_post("/v1/postings/verify", handle)
    web.run_app(app, host="127.0.0.1", port=port, reuse_port=True, access_log=None, print=None)


if __name__ == "__main__":
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    procs = [mp.get_context("spawn").Process(target=_run, args=(port,)) for _ in range(workers)]
    for p in procs:
        p.start()

    def stop(*_: object) -> None:  # take the workers down with the parent
        for p in procs:
            p.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    for p in procs:
        p.join()
