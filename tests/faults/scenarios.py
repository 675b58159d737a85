"""Fault scenarios against real `verifier serve` processes and own PostgreSQL/Redis.

Each function runs one scenario end to end and raises AssertionError if a promise broke; it
returns figures for a report. The test suite runs them bounded (tests/faults/test_faults.py),
`bench/faults.py` runs them long.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port
from tests.faults.load import (
    LoadResult,
    assert_log_holds,
    corpus,
    kill9,
    run_load,
    send_one,
    worker_pids,
)
from tests.faults.services import OwnPostgres, OwnRedis
from tests.live import ROOT, Server, start_server

KEY = "demo-portal-key"
START_S = 240.0
COUNT_IN_REDIS = {"RATE_LIMIT": "1000000", "RATE_LIMIT_WINDOW_S": "3600"}
"""A limit never reached, whose counters in Redis show that Redis is being used."""
"""How long a server may take to become ready (generous: CI machines are shared)."""


def _serve(db_url: str, tmp: Path, **kw: Any) -> Server:
    return start_server(free_port(), db_url, tmp, timeout=START_S, **kw)


def _make(prefix: str) -> Any:
    base = corpus()

    def make(i: int) -> dict[str, Any]:
        return {**base[i % len(base)], "posting_id": f"{prefix}-{i}"}

    return make


async def _ready(url: str, within_s: float) -> float:
    """Seconds until /readyz answers 200."""
    t0 = time.monotonic()
    async with aiohttp.ClientSession() as s:
        while time.monotonic() - t0 < within_s:
            try:
                async with s.get(url + "/readyz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"not ready within {within_s}s")


def _no_5xx_but_503(result: LoadResult) -> None:
    bad = {k: n for k, n in result.statuses.items()
           if isinstance(k, int) and k >= 500 and k != 503}
    assert not bad, f"server errors: {bad} (all: {dict(result.statuses)})"


async def sigkill_workers(
    db_url: str, tmp: Path, *, before_s: float = 2.0, after_s: float = 1.5,
    concurrency: int = 8,
) -> dict[str, Any]:
    """SIGKILL both workers of `serve --workers 2` under load: every acknowledged decision
    is in the log, the chain verifies, the supervisor's new workers serve again."""
    server = _serve(db_url, tmp, workers=2)
    try:
        stop = asyncio.Event()
        load = asyncio.create_task(run_load(server.url, KEY, _make("kill"), stop=stop,
                                            concurrency=concurrency))
        await asyncio.sleep(before_s)
        old = worker_pids(server.proc.pid)
        assert len(old) == 2, old
        kill9(old)
        killed_at = time.monotonic()
        recovery = await _ready(server.url, START_S)
        await asyncio.sleep(after_s)
        stop.set()
        result = await load
        new = worker_pids(server.proc.pid)
        assert len(new) == 2 and not set(new) & set(old), (old, new)
        acked_before = sum(1 for t in result.ok_times if t < killed_at)
        after_kill = sum(1 for t in result.ok_times if t > killed_at + recovery)
        assert after_kill > 0, "no decision after the restart"
        _no_5xx_but_503(result)
        rows = await assert_log_holds(db_url, result)
        return {"acked": len(result.acked), "logged": rows, "acked_before_kill": acked_before,
                "acked_after_restart": after_kill, "ready_again_s": round(recovery, 2),
                "statuses": dict(result.statuses)}
    finally:
        server.stop()


async def postgres_restart(
    pg: OwnPostgres, tmp: Path, *, before_s: float = 1.5, down_s: float = 2.0,
    after_s: float = 1.5, concurrency: int = 8,
) -> dict[str, Any]:
    """Restart PostgreSQL under load: 503 while down (never 500), 200 again within 5 s of
    its return, every acknowledged decision logged once, the chain verifies."""
    url = pg.create_database(f"restart_{free_port()}")
    server = _serve(url, tmp, workers=2)
    try:
        stop = asyncio.Event()
        load = asyncio.create_task(run_load(server.url, KEY, _make("pg"), stop=stop,
                                            concurrency=concurrency))
        await asyncio.sleep(before_s)
        pg.stop()
        down_at = time.monotonic()
        await asyncio.sleep(down_s)
        pg.start()
        up_at = time.monotonic()
        deadline = up_at + 10
        probe = LoadResult()
        async with aiohttp.ClientSession() as s:  # the first 200 after the database is back
            i = 0
            while time.monotonic() < deadline:
                i += 1
                body = _make("probe")(i)
                if await send_one(s, server.url, KEY, body, probe) == 200:
                    break
                await asyncio.sleep(0.02)
        recovered = (probe.ok_times[0] - up_at) if probe.ok_times else float("inf")
        await asyncio.sleep(after_s)
        stop.set()
        result = await load
        _no_5xx_but_503(result)
        _no_5xx_but_503(probe)
        during = [t for t in result.ok_times if down_at + 0.5 < t < up_at]
        assert not during, f"{len(during)} decisions acknowledged while the database was down"
        assert result.statuses[503] + probe.statuses[503] > 0, "the outage was not seen"
        assert recovered <= 5.0, f"recovered {recovered:.2f}s after the database returned"
        result.acked.update(probe.acked)
        rows = await assert_log_holds(url, result)
        return {"acked": len(result.acked), "logged": rows,
                "status_503": result.statuses[503] + probe.statuses[503],
                "recovered_s": round(recovered, 3), "statuses": dict(result.statuses)}
    finally:
        server.stop()


async def _decide_all(server: Server, postings: list[dict[str, Any]], on: Any = None
                      ) -> dict[str, dict[str, Any]]:
    out = LoadResult()
    async with aiohttp.ClientSession() as s:
        for i, body in enumerate(postings):
            if on is not None:
                on(i)
            status = await send_one(s, server.url, KEY, body, out)
            assert status == 200, (status, body["posting_id"])
    return out.acked


async def redis_stopped(pg: OwnPostgres, tmp: Path, *, rounds: int = 1) -> dict[str, Any]:
    """Stop Redis for the middle third of the corpus: every posting gets the outcome it gets
    with Redis up, nothing is approved with a check that could not run, and Redis is used
    again once it is back."""
    from redis.asyncio import Redis

    postings = corpus() * rounds
    postings = [{**p, "posting_id": f"r{i}-{p['posting_id']}"} for i, p in enumerate(postings)]
    ref_redis = OwnRedis().start()
    flap = OwnRedis().start()
    ref = _serve(pg.create_database(f"rref_{free_port()}"), tmp,
                       redis_url=ref_redis.url, extra_env=COUNT_IN_REDIS)
    try:
        expected = await _decide_all(ref, postings)
    finally:
        ref.stop()
        ref_redis.stop()
    url = pg.create_database(f"rflap_{free_port()}")
    server = _serve(url, tmp, redis_url=flap.url,
                          extra_env=COUNT_IN_REDIS)
    third = len(postings) // 3

    def on(i: int) -> None:
        if i == third:
            flap.stop()
        elif i == 2 * third:
            flap.start()

    try:
        got = await _decide_all(server, postings, on)
        client = Redis.from_url(flap.url)
        try:
            used_again = len(await client.keys("verifier:rl:*"))
        finally:
            await client.aclose()
    finally:
        server.stop()
        flap.stop()
    differ = [pid for pid in expected if expected[pid]["outcome"] != got[pid]["outcome"]]
    assert not differ, f"{len(differ)} outcomes changed: {differ[:5]}"
    unchecked = [pid for pid, d in got.items() if d["outcome"] == "approve"
                 and any(f["rule"] == "engine.check_failed" for f in d["findings"])]
    assert not unchecked, unchecked[:5]
    assert used_again > 0, "Redis not used again after it came back"
    result = LoadResult(acked=got)
    await assert_log_holds(url, result, exact=True)
    return {"postings": len(postings), "outcomes_changed": 0,
            "outcomes": dict(sorted(_count(d["outcome"] for d in got.values()).items()))}


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


def _metric(url: str, name: str, **labels: str) -> float:
    with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
        text = r.read().decode()
    total = 0.0
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


async def broken_rule_pack(db_url: str, tmp: Path, *, serve_s: float = 2.0) -> dict[str, Any]:
    """Swap a broken rule pack in while serving: refused, the old pack stays in force, and
    the refusal shows in /readyz, the log and the metrics."""
    rules = tmp / "rules"
    shutil.copytree(ROOT / "rules", rules)
    server = _serve(db_url, tmp, rules_dir=rules, workers=2)
    try:
        async with aiohttp.ClientSession() as s, s.get(server.url + "/v1/rules", headers={
                "Authorization": f"Bearer {KEY}"}) as r:
            old = (await r.json())["rules_version"]
        stop = asyncio.Event()
        load = asyncio.create_task(run_load(server.url, KEY, _make("pack"), stop=stop,
                                            concurrency=4))
        await asyncio.sleep(serve_s / 2)
        (rules / "policy.toml").write_text("[[[ this is not toml\n")
        server.hup()  # every worker reloads from disk
        async with aiohttp.ClientSession() as s:
            async with s.post(server.url + "/v1/admin/rules/reload",
                              headers={"Authorization": "Bearer demo-admin-key"}) as r:
                assert r.status == 422, r.status
                refusal = await r.json()
            assert old in refusal["detail"]
            await asyncio.sleep(serve_s / 2)
            ready = []
            for _ in range(6):  # fresh connections: both workers answer
                async with aiohttp.ClientSession() as one, one.get(server.url + "/readyz") as r:
                    assert r.status == 200
                    ready.append((await r.json())["rules_reload"])
        stop.set()
        result = await load
        assert all(x["result"] == "refused" and x["rules_version"] == old for x in ready), ready
        assert result.statuses.keys() == {200}, result.statuses
        versions = {d["rules_version"] for d in result.acked.values()}
        assert versions == {old}, versions
        refused = _metric(server.url, "verifier_rules_reloads_total", result="refused")
        in_force = _metric(server.url, "verifier_rules_info", rules_version=old)
        assert refused >= 1 and in_force == 1, (refused, in_force)
        lines = [orjson.loads(x) for x in server.log.read_text().splitlines()
                 if x.startswith("{")]
        logged = [x for x in lines if "rule pack refused" in x.get("event", "")]
        assert logged and all(x["level"] == "error" for x in logged), lines[-5:]
        return {"decisions_during": len(result.acked), "rules_version": old,
                "refusals_logged": len(logged), "refused_metric": refused}
    finally:
        server.stop()
