"""/metrics of `serve --workers 2`: whichever worker answers, it counts both workers' work."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port
from tests.live import start_server


def healthz_count(text: str) -> float:
    total = 0.0
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == "verifier_http_requests_total" and s.labels["route"] == "/healthz":
                total += s.value
    return total


async def test_metrics_add_up_across_two_workers(tmp_path: Path) -> None:
    server = start_server(free_port(), f"sqlite+aiosqlite:///{tmp_path}/m.db", tmp_path,
                          workers=2)
    try:
        async with aiohttp.ClientSession() as s:
            base = 0.0
            async with s.get(server.url + "/metrics") as r:
                base = healthz_count(await r.text())
            for _ in range(60):  # new connections: the kernel spreads them over both workers
                async with aiohttp.ClientSession() as one, one.get(server.url + "/healthz") as r:
                    assert r.status == 200
            seen = set()
            for _ in range(10):
                async with aiohttp.ClientSession() as one, one.get(server.url + "/metrics") as r:
                    body = await r.text()
                    seen.add(healthz_count(body) - base)
                    assert "verifier_rules_info{" in body
        assert seen == {60.0}  # the same total from either worker, none lost
    finally:
        server.stop()
