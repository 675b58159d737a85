"""Load benchmark: several portals, single and batch calls, corpus postings, against
`serve --workers 2` on PostgreSQL + Redis with a 100,000-record registry.

    .venv/bin/python bench/load.py [--seconds 60] [--portals 4] [--concurrency 32]

Starts its own PostgreSQL (initdb) and Redis on spare ports, generates and imports the
registry (verifier/registry/generate.py, plus the corpus registry so corpus postings find
their employers), creates one portal key per portal, then runs
  1. a closed loop for `--seconds`: the maximum throughput;
  2. an open loop at half that request rate for `--seconds` (requests are sent on schedule
     whether or not earlier ones returned; latency counts from the scheduled time, so a
     stall is not hidden by the client waiting);
and prints throughput, p50/p95/p99 and errors of each, then checks that the decision log
holds exactly the decisions whose 200 the client received (and that the chain verifies).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.faults.load import corpus, logged  # noqa: E402
from tests.faults.services import OwnPostgres, OwnRedis  # noqa: E402
from verifier.store.chain import verify_chain  # noqa: E402
from verifier.store.db import create_engine  # noqa: E402

VERIFIER = [sys.executable, "-m", "verifier"]
BATCH_SHARE = 0.2
BATCH_SIZE = 10


@dataclass
class Run:
    """What one load phase saw."""

    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int | str] = field(default_factory=Counter)
    decisions: int = 0
    requests: int = 0
    seconds: float = 0.0
    acked: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Throughput, latency percentiles (ms), errors."""
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else 0.0

        errors = {str(k): v for k, v in self.statuses.items() if k != 200}
        return {"phase": self.name, "seconds": round(self.seconds, 1),
                "requests_per_s": round(self.requests / self.seconds, 1),
                "decisions_per_s": round(self.decisions / self.seconds, 1),
                "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
                "requests": self.requests, "decisions": self.decisions, "errors": errors}


class Workload:
    """Corpus postings with fresh ids, as single or batch calls of several portals."""

    def __init__(self, keys: list[str], seed: int = 1) -> None:
        self.keys = keys
        self.postings = corpus()
        self.rng = random.Random(seed)
        self.n = 0

    def next(self) -> tuple[str, str, dict[str, Any]]:
        """(key, path, body) of the next call."""
        key = self.keys[self.n % len(self.keys)]
        count = BATCH_SIZE if self.rng.random() < BATCH_SHARE else 1
        items = []
        for _ in range(count):
            self.n += 1
            p = self.rng.choice(self.postings)
            items.append({**p, "posting_id": f"L{self.n}-{p['posting_id']}"[:128]})
        if count == 1:
            return key, "/v1/postings/verify", items[0]
        return key, "/v1/postings/verify-batch", {"postings": items}


async def call(s: aiohttp.ClientSession, url: str, work: Workload, run: Run,
               started: float | None = None) -> None:
    """One call; latency from `started` (the scheduled time) or from now."""
    key, path, body = work.next()
    t0 = started if started is not None else time.monotonic()
    try:
        async with s.post(url + path, json=body, headers={"Authorization": f"Bearer {key}"},
                          timeout=aiohttp.ClientTimeout(total=60)) as r:
            data = await r.json(content_type=None)
            status: int | str = r.status
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        status, data = type(exc).__name__, None
    run.latencies.append(time.monotonic() - t0)
    run.statuses[status] += 1
    run.requests += 1
    if status == 200 and isinstance(data, dict):
        got = data["decisions"] if "decisions" in data else [data]
        run.decisions += len(got)
        run.acked.extend(d["decision_id"] for d in got)


async def closed_loop(url: str, work: Workload, seconds: float, concurrency: int) -> Run:
    """`concurrency` clients, each sending its next call when the last one returned."""
    run = Run("closed loop (maximum)")
    end = time.monotonic() + seconds

    async def client(s: aiohttp.ClientSession) -> None:
        while time.monotonic() < end:
            await call(s, url, work, run)

    t0 = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        await asyncio.gather(*(client(s) for _ in range(concurrency)))
    run.seconds = time.monotonic() - t0
    return run


async def open_loop(url: str, work: Workload, seconds: float, rate: float) -> Run:
    """Calls started at a fixed rate regardless of answers (no coordinated omission)."""
    run = Run(f"open loop at {rate:.0f} requests/s")
    tasks: list[asyncio.Task[None]] = []
    t0 = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:
        i = 0
        while True:
            due = t0 + i / rate
            if due - t0 >= seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(call(s, url, work, run, started=due)))
            i += 1
        await asyncio.gather(*tasks)
    run.seconds = seconds
    return run


def _cli(*args: str, env: dict[str, str]) -> str:
    out = subprocess.run([*VERIFIER, *args], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def _ready(url: str, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError("server not ready")


async def check_log(db_url: str, acked: list[str]) -> dict[str, Any]:
    """The log holds exactly the acknowledged decisions, and its chain verifies."""
    rows = {r[2] for r in await logged(db_url)}
    engine = create_engine(db_url)
    try:
        report = await verify_chain(engine)
    finally:
        await engine.dispose()
    missing = set(acked) - rows
    extra = rows - set(acked)
    return {"acked": len(acked), "logged": len(rows), "missing": len(missing),
            "not_acked_but_logged": len(extra), "chain_ok": report.ok,
            "exact": not missing and not extra and len(acked) == len(set(acked))}


async def phases(url: str, keys: list[str], args: argparse.Namespace) -> list[Run]:
    """The closed loop, then the open loop at half its request rate."""
    work = Workload(keys)
    runs = [await closed_loop(url, work, args.seconds, args.concurrency)]
    rate = runs[0].requests / runs[0].seconds / 2
    runs.append(await open_loop(url, work, args.seconds, rate))
    return runs


def main(args: argparse.Namespace) -> int:
    """Set up, load, report, check."""
    pg = OwnPostgres().init()
    redis = OwnRedis().start()
    server: subprocess.Popen[bytes] | None = None
    tmp = Path(tempfile.mkdtemp(prefix="verifier-load-"))
    try:
        db_url = pg.create_database("load")
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis.url,
               "RULES_DIR": str(ROOT / "rules"), "LOG_LEVEL": "WARNING", "RATE_LIMIT": "0"}
        t = time.monotonic()
        _cli("db", "upgrade", env=env)
        _cli("registry", "generate", str(args.registry), "-o", str(tmp / "reg.jsonl"), env=env)
        for f in (tmp / "reg.jsonl", ROOT / "fixtures" / "corpus" / "registry.jsonl"):
            _cli("registry", "import", str(f), "--format", "jsonl", "--skip-bad", env=env)
        keys = [_cli("keys", "create", "--role", "portal", "--name", f"portal-{i}", env=env)
                .splitlines()[-1].strip() for i in range(args.portals)]
        print(f"setup: registry of {args.registry:,} records imported, {len(keys)} portals "
              f"({time.monotonic() - t:.0f} s)", flush=True)
        port = free_port()
        with (tmp / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [*VERIFIER, "serve", "--workers", "2", "--port", str(port)],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        _ready(url, 600)
        runs = asyncio.run(phases(url, keys, args))
        for r in runs:
            s = r.summary()
            print(f"{s['phase']:<32} {s['requests_per_s']:>8} req/s {s['decisions_per_s']:>8} "
                  f"decisions/s  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  p99 "
                  f"{s['p99_ms']} ms  errors {s['errors'] or 0}", flush=True)
        server.terminate()
        server.wait(60)
        server = None
        check = asyncio.run(check_log(db_url, [d for r in runs for d in r.acked]))
        print("log check:", json.dumps(check), flush=True)
        print(json.dumps({"runs": [r.summary() for r in runs], "log": check,
                          "registry": args.registry, "portals": args.portals,
                          "concurrency": args.concurrency, "cpus": os.cpu_count()}))
        return 0 if check["exact"] and check["chain_ok"] else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(60)
        redis.stop()
        pg.destroy()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--portals", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--registry", type=int, default=100_000)
    sys.exit(main(ap.parse_args()))
