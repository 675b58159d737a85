"""Metrics, request ids and access logs through the real app (SQLite; PostgreSQL + Redis)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import PORTAL
from tests.factories import posting_dict
from verifier.api.state import RESOURCES
from verifier.obs import logs
from verifier.store.tables import review_items

Client = TestClient[Any, Any]
DOCS = Path(__file__).resolve().parents[2] / "docs"


async def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, sorted labels)."""
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    out = {}
    for fam in text_string_to_metric_families(await resp.text()):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def sample(data: dict[Any, float], name: str, **labels: str) -> float:
    return data.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above during the test, as the service renders it."""
    buf = io.StringIO()
    logs.route_structlog_to_stdlib()
    h = logs.handler("json", buf)
    root = logging.getLogger()
    level = root.level
    root.addHandler(h)
    root.setLevel(logging.INFO)
    try:
        yield buf
    finally:
        root.removeHandler(h)
        root.setLevel(level)


async def test_request_metrics_use_the_route_pattern(client: Client) -> None:
    before = await scrape(client)
    for pid in ("m-1", "m-2"):
        r = await client.get(f"/v1/postings/{pid}/decision", headers=PORTAL)
        assert r.status == 404
    after = await scrape(client)
    labels = {"method": "GET", "route": "/v1/postings/{posting_id}/decision", "status": "404"}
    got = sample(after, "verifier_http_requests_total", **labels)
    assert got - sample(before, "verifier_http_requests_total", **labels) == 2
    assert not any("m-1" in str(k) for k in after)  # raw paths never become labels
    hist = {"method": "GET", "route": "/v1/postings/{posting_id}/decision"}
    assert sample(after, "verifier_http_request_duration_seconds_count", **hist) >= 2


async def test_decision_outcome_rule_and_family_metrics(client: Client) -> None:
    before = await scrape(client)
    r = await client.post("/v1/postings/verify", json=posting_dict(posting_id="m-d"),
                          headers=PORTAL)
    assert r.status == 200
    decision = await r.json()
    after = await scrape(client)
    outcome = decision["outcome"]
    assert (sample(after, "verifier_decisions_total", outcome=outcome)
            - sample(before, "verifier_decisions_total", outcome=outcome)) == 1
    for f in decision["findings"]:
        labels = {"rule": f["rule"], "severity": f["severity"]}
        assert sample(after, "verifier_findings_total", **labels) >= 1
    assert sample(after, "verifier_check_duration_seconds_count", family="salary") > sample(
        before, "verifier_check_duration_seconds_count", family="salary")
    assert sample(after, "verifier_writer_batch_size_count") > sample(
        before, "verifier_writer_batch_size_count")
    assert sample(after, "verifier_writer_commit_duration_seconds_count", result="ok") > 0
    rules = await (await client.get("/v1/rules", headers=PORTAL)).json()
    assert sample(after, "verifier_rules_info", rules_version=rules["rules_version"]) == 1


async def test_request_id_is_echoed_logged_and_stored(
    client: Client, log_lines: io.StringIO
) -> None:
    r = await client.post("/v1/postings/verify", json=posting_dict(posting_id="rid-1"),
                          headers={**PORTAL, "X-Request-Id": "abc-123.x:y"})
    assert r.status == 200
    assert r.headers["X-Request-Id"] == "abc-123.x:y"
    assert (await r.json())["request_id"] == "abc-123.x:y"
    read = await client.get("/v1/postings/rid-1/decision", headers=PORTAL)
    assert (await read.json())["request_id"] == "abc-123.x:y"
    records = [orjson.loads(line) for line in log_lines.getvalue().splitlines()]
    access = [x for x in records if x.get("logger") == "verifier.access"
              and x.get("request_id") == "abc-123.x:y"]
    assert len(access) == 1
    assert access[0]["status"] == 200 and access[0]["level"] == "info"
    assert access[0]["route"] == "/v1/postings/verify"


@pytest.mark.parametrize("given", ["", "a" * 129, "<script>", "id with space", "é"])
async def test_unusable_request_id_is_replaced(client: Client, given: str) -> None:
    r = await client.get("/healthz", headers={"X-Request-Id": given})
    echoed = r.headers["X-Request-Id"]
    assert echoed != given and len(echoed) == 36  # a fresh UUIDv7


async def test_encoded_newline_in_path_cannot_forge_a_log_line(
    client: Client, log_lines: io.StringIO
) -> None:
    forged = '{"level":"info","event":"forged","status":200}'
    r = await client.get("/v1/postings/x%0a" + forged.replace('"', "%22") + "/decision",
                         headers=PORTAL)
    assert r.status in (404, 422)
    text = log_lines.getvalue()
    lines = text.splitlines()
    assert lines
    for line in lines:  # every line is one whole record: none begins with the forged text
        record = orjson.loads(line)
        assert record.get("event") != "forged"
    access = [orjson.loads(x) for x in lines if '"verifier.access"' in x]
    assert any("\n" in a["path"] for a in access)  # the newline is kept, escaped


async def test_phone_numbers_and_keys_are_masked(log_lines: io.StringIO) -> None:
    logging.getLogger("verifier.test").warning(
        "call 13812345678 or 0755-88889999 with pv_portal_%s and Bearer demo-portal-key",
        "A" * 40)
    line = log_lines.getvalue()
    assert "13812345678" not in line and "138****5678" in line
    assert "88889999" not in line
    assert "A" * 40 not in line and "pv_portal_***" in line
    assert "demo-portal-key" not in line


async def test_dashboard_and_docs_name_only_metrics_that_exist(client: Client) -> None:
    text = await (await client.get("/metrics")).text()
    exposed = set(re.findall(r"^# TYPE (verifier_\w+) ", text, re.M))
    for name in ("grafana-dashboard.json", "operations.md"):
        used = set(re.findall(r"verifier_[a-z_]+", (DOCS / name).read_text()))
        used = {re.sub(r"_(bucket|count|sum)$", "", u) for u in used}
        assert used, name
        assert used <= exposed, (name, sorted(used - exposed))


async def test_review_queue_gauges_count_flagged_decisions(client: Client) -> None:
    flagged = 0
    for i, text in enumerate(["面议", "日结，加微信详谈", "8k-12k"]):
        body = posting_dict(posting_id=f"rq-{i}", salary={"text": text})
        r = await client.post("/v1/postings/verify", json=body, headers=PORTAL)
        assert r.status == 200
        flagged += (await r.json())["outcome"] == "flag"
    assert flagged >= 1
    # An approval is spot-checked when a hash of its (random) decision id falls below the
    # pack's share: count those from the table, so the gauge is compared with every item.
    async with client.app[RESOURCES].engine.connect() as conn:
        spot_checks = (await conn.execute(sa.select(sa.func.count()).select_from(review_items)
                                          .where(review_items.c.kind == "sample"))).scalar_one()
    data = await scrape(client)
    assert sample(data, "verifier_review_queue_depth", status="pending") == flagged + spot_checks
    assert sample(data, "verifier_review_queue_depth", status="claimed") == 0
    assert 0 <= sample(data, "verifier_review_oldest_pending_seconds") < 600


async def test_review_queue_overdue_counts_open_items_past_their_due_time(
    client: Client,
) -> None:
    """Counted in SQL at scrape time: open and past due; not an item due later, not a
    resolved one however late it was."""
    now = datetime.now(UTC)
    items = [  # (id, status, kind, due)
        ("late-pending", "pending", "flag", now - timedelta(hours=2)),
        ("late-claimed-sample", "claimed", "sample", now - timedelta(minutes=1)),
        ("due-later", "pending", "flag", now + timedelta(hours=3)),
        ("late-but-resolved", "approved", "flag", now - timedelta(days=2)),
        ("late-but-superseded", "superseded", "flag", now - timedelta(days=2)),
    ]
    async with client.app[RESOURCES].engine.begin() as conn:
        await conn.execute(review_items.insert(), [
            {"decision_id": i, "decision_seq": n, "portal": "zhaopin", "posting_id": i,
             "status": status, "kind": kind, "created_at": due - timedelta(hours=24),
             "due_at": due} for n, (i, status, kind, due) in enumerate(items, start=1)])
    data = await scrape(client)
    got = {(dict(labels)["status"], dict(labels)["kind"]): value
           for (name, labels), value in data.items()
           if name == "verifier_review_queue_overdue"}
    assert got == {("pending", "flag"): 1, ("pending", "sample"): 0,
                   ("claimed", "flag"): 0, ("claimed", "sample"): 1}
    assert sample(data, "verifier_review_queue_depth", status="pending") == 2
