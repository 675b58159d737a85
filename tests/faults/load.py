"""A small async load client and the checks every fault scenario ends with."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from sqlalchemy import select

from verifier.store.chain import verify_chain
from verifier.store.db import create_engine
from verifier.store.tables import decisions

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus" / "postings.jsonl"


def corpus() -> list[dict[str, Any]]:
    """The corpus postings (fixtures/corpus/postings.jsonl), without labels."""
    return [orjson.loads(line)["posting"] for line in CORPUS.read_text().splitlines() if line]


@dataclass
class LoadResult:
    """What the client saw."""

    statuses: Counter[int | str] = field(default_factory=Counter)
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)
    """posting_id -> the decision whose 200 was received."""
    refused: list[str] = field(default_factory=list)
    """posting ids answered with a non-200 status (or not answered)."""
    first_200_after: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    ok_times: list[float] = field(default_factory=list)
    """When (monotonic) each 200 arrived."""


async def send_one(
    s: aiohttp.ClientSession, url: str, key: str, body: dict[str, Any], out: LoadResult
) -> int | str:
    """POST one posting; record what came back."""
    pid = body["posting_id"]
    try:
        async with s.post(url + "/v1/postings/verify", json=body,
                          headers={"Authorization": f"Bearer {key}"},
                          timeout=aiohttp.ClientTimeout(total=30)) as r:
            status: int | str = r.status
            if r.status == 200:
                out.acked[pid] = await r.json()
                out.ok_times.append(time.monotonic())
            else:
                await r.read()
                out.refused.append(pid)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        status = type(exc).__name__
        out.refused.append(pid)
    out.statuses[status] += 1
    return status


async def run_load(
    url: str, key: str, make: Callable[[int], dict[str, Any]], *, stop: asyncio.Event,
    concurrency: int = 8, limit: int | None = None,
) -> LoadResult:
    """Send postings `make(0), make(1), ...` with `concurrency` in flight until `stop` is set
    (or `limit` were sent)."""
    out = LoadResult()
    counter = iter(range(10**9))

    async def worker(s: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            i = next(counter)
            if limit is not None and i >= limit:
                return
            status = await send_one(s, url, key, make(i), out)
            if not isinstance(status, int) or status >= 500:
                await asyncio.sleep(0.02)

    conn = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=conn) as s:
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
    return out


async def logged(db_url: str) -> list[tuple[str, str, str]]:
    """(portal, posting_id, decision_id) of every row of the decision log."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(decisions.c.portal, decisions.c.posting_id, decisions.c.decision_id))
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        await engine.dispose()


async def assert_log_holds(db_url: str, result: LoadResult, *, exact: bool = False) -> int:
    """Every acknowledged decision is in the log, no posting was logged twice, the chain
    verifies; with `exact`, the log holds nothing else. Returns the row count."""
    rows = await logged(db_url)
    ids = {r[2] for r in rows}
    missing = [pid for pid, d in result.acked.items() if d["decision_id"] not in ids]
    assert not missing, f"{len(missing)} acknowledged decisions missing: {missing[:5]}"
    per_posting = Counter((r[0], r[1]) for r in rows)
    twice = [k for k, n in per_posting.items() if n > 1]
    assert not twice, f"postings logged twice: {twice[:5]}"
    if exact:
        assert len(rows) == len(result.acked), (len(rows), len(result.acked))
    engine = create_engine(db_url)
    try:
        report = await verify_chain(engine)
    finally:
        await engine.dispose()
    assert report.ok, report
    assert report.rows == len(rows)
    return len(rows)


def worker_pids(supervisor: int) -> list[int]:
    """The worker processes of a `serve --workers N` supervisor (spawned children, not the
    multiprocessing resource tracker)."""
    out = []
    for task in Path(f"/proc/{supervisor}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"resource_tracker" not in cmd:
                out.append(int(pid))
    return out


def kill9(pids: list[int]) -> None:
    """SIGKILL each pid."""
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
