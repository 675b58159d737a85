"""Twenty reviewers on two server processes sharing one PostgreSQL, while a portal keeps
submitting: no item is held by two reviewers at once, none is lost, every resolution is one
entry of the hash chain, and `verifier audit verify` passes."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from tests.conftest import create_pg_database, drop_pg_database, free_port, need, pg_available
from tests.conftest import pg_url as make_pg_url
from tests.live import ROOT, start_server
from tests.review.conftest import flagged
from verifier.models import Decision, Role
from verifier.store.chain import verify_chain
from verifier.store.db import create_engine
from verifier.store.keys import create_key
from verifier.store.tables import decisions, review_events, review_items

PORTAL = {"Authorization": "Bearer demo-portal-key"}
ITEMS = 120
REVIEWERS = 20


async def _submit(s: aiohttp.ClientSession, urls: list[str], ids: list[str]) -> list[str]:
    made = []
    for i, pid in enumerate(ids):
        async with s.post(urls[i % 2] + "/v1/postings/verify", json=flagged(pid),
                          headers=PORTAL) as r:
            assert r.status == 200, await r.text()
            body = await r.json()
            assert body["outcome"] == "flag"
            made.append(body["decision_id"])
    return made


async def _reviewer(s: aiohttp.ClientSession, urls: list[str], key: str, seed: int,
                    log: list[tuple[str, str, str]]) -> None:
    rnd = random.Random(seed)
    headers = {"Authorization": f"Bearer {key}"}
    empty = 0
    for step in range(400):
        url = urls[(seed + step) % 2]
        async with s.post(url + "/v1/review/claim", headers=headers) as r:
            if r.status == 204:
                empty += 1
                if empty >= 3:  # the submitter may still be adding items
                    return
                await asyncio.sleep(0.2)
                continue
            assert r.status == 200, await r.text()
            item = (await r.json())["item"]["id"]
        empty = 0
        log.append(("claimed", item, key))
        url = urls[(seed + step + 1) % 2]  # act through the other instance
        if rnd.random() < 0.15:
            async with s.post(f"{url}/v1/review/items/{item}/release", headers=headers) as r:
                assert r.status == 200, await r.text()
            log.append(("released", item, key))
            continue
        outcome, reason = rnd.choice([("approve", "legit"), ("reject", "content")])
        async with s.post(f"{url}/v1/review/items/{item}/resolve", headers=headers,
                          json={"outcome": outcome, "reason": reason,
                                "note": f"复核{seed}"}) as r:
            assert r.status == 200, await r.text()
        log.append(("resolved", item, key))


@pytest.mark.slow
async def test_twenty_reviewers_two_instances_one_postgres(tmp_path: Path) -> None:
    need("PostgreSQL", pg_available())
    name = await create_pg_database()
    url = make_pg_url(name)
    a = start_server(free_port(), url, tmp_path)
    b = start_server(free_port(), url, tmp_path)
    engine = create_engine(url)
    try:
        keys = [await create_key(engine, f"审核员{i:02d}", Role.reviewer)
                for i in range(REVIEWERS)]
        urls = [a.url, b.url]
        log: list[tuple[str, str, str]] = []
        async with aiohttp.ClientSession() as s:
            first = await _submit(s, urls, [f"race-{i}" for i in range(ITEMS // 2)])
            more = asyncio.create_task(
                _submit(s, urls, [f"race-{i}" for i in range(ITEMS // 2, ITEMS)]))
            await asyncio.gather(*(_reviewer(s, urls, k, i, log)
                                   for i, k in enumerate(keys)))
            made = first + await more
            # Items the submitter added after the reviewers stopped: settle them too.
            await _reviewer(s, urls, keys[0], 99, log)
        await _check(engine, made, log)
        report = await verify_chain(engine)
        assert report.ok, report
        cli = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "verifier", "audit", "verify",
                             "--database-url", url], capture_output=True, text=True,
            cwd=ROOT, timeout=120)
        assert cli.returncode == 0, cli.stderr
        assert f"ok: {ITEMS * 2} decisions" in cli.stdout
    finally:
        a.stop()
        b.stop()
        await engine.dispose()
        await drop_pg_database(name)


async def _check(engine: Any, made: list[str], log: list[tuple[str, str, str]]) -> None:
    resolved = Counter(item for kind, item, _ in log if kind == "resolved")
    assert set(resolved) == set(made), "every item resolved"
    assert max(resolved.values()) == 1, "no item resolved twice"
    async with engine.connect() as conn:
        items = dict((await conn.execute(select(review_items.c.decision_id,
                                                review_items.c.status))).all())
        events = (await conn.execute(select(
            review_events.c.item_id, review_events.c.kind, review_events.c.actor)
            .order_by(review_events.c.id))).all()
        payloads = (await conn.execute(select(decisions.c.payload))).scalars().all()
    assert set(items) == set(made) and set(items.values()) <= {"approved", "rejected"}
    holder: dict[str, str | None] = {}
    for item, kind, actor in events:  # the events never show two holders at once
        if kind == "claimed":
            assert holder.get(item) is None, f"{item} claimed by {actor} while held"
            holder[item] = actor
        elif kind in ("released", "resolved", "expired"):
            assert holder.get(item) == actor, f"{item}: {kind} by {actor}, held by {holder}"
            holder[item] = None
    entries = [Decision.model_validate_json(p) for p in payloads]
    resolutions = [e.resolution for e in entries if e.resolution is not None]
    assert sorted(r.resolves for r in resolutions) == sorted(made)
    assert all(r.reviewer.startswith("审核员") for r in resolutions)
