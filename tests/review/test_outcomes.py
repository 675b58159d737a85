"""What comes out of the review: stats, the rectification notice, labels for `verifier
eval` (SQLite, then PostgreSQL)."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

from tests.api.conftest import AUDITOR, PORTAL, PORTAL2, REVIEWER
from tests.review.conftest import Client, flagged, reviewer, service, verify
from verifier.api.state import RESOURCES
from verifier.commands.review_labels import export_labels
from verifier.review.config import Sampling


async def settle(client: Client, headers: dict[str, str], outcome: str, reason: str,
                 note: str = "", kind: str = "flag") -> dict[str, Any]:
    claim = await (await client.post("/v1/review/claim", headers=headers,
                                     json={"kind": kind})).json()
    iid = claim["item"]["id"]
    resp = await client.post(f"/v1/review/items/{iid}/resolve", headers=headers,
                             json={"outcome": outcome, "reason": reason, "note": note})
    assert resp.status == 200, await resp.text()
    got: dict[str, Any] = await resp.json()
    return got


async def test_stats_depth_throughput_overturn_and_spot_checks(client: Client) -> None:
    svc = service(client)
    pack = svc.pack
    svc.swap(dataclasses.replace(pack, sla=pack.sla.model_copy(
        update={"sampling": Sampling(share=1.0)})))
    for i in range(4):
        await verify(client, flagged(f"st{i}"))
    approved = await verify(client, {**flagged("ok-1"), "salary": {
        "text": "8k-12k", "min": 8000, "max": 12000, "unit": "month"}})
    assert approved["outcome"] == "approve"
    zhang = await reviewer(client, "张三")
    li = await reviewer(client, "李四")
    await settle(client, zhang, "approve", "false_positive")
    await settle(client, zhang, "reject", "content")
    await settle(client, li, "approve", "legit")
    resp = await client.get("/v1/review/stats", headers=AUDITOR)
    assert resp.status == 200
    stats = await resp.json()
    assert stats["depth"]["total"] == 2 and stats["depth"]["by_portal"] == {"demo-portal": 2}
    assert stats["depth"]["by_kind"] == {"flag": 1, "sample": 1}
    assert stats["age"]["count"] == 2 and stats["age"]["max"] >= 0
    assert stats["throughput"]["张三"]["resolved"] == 2
    assert stats["throughput"]["李四"]["resolved"] == 1
    assert stats["handling"]["count"] == 3
    rule = next(iter(stats["overturn"]))
    assert stats["overturn"][rule]["resolved"] >= 2
    assert stats["spot_checks"]["sampled"] == 1 and stats["spot_checks"]["judged"] == 0
    assert stats["spot_checks"]["share"] is None
    await settle(client, li, "reject", "content", kind="sample")
    spot = (await (await client.get("/v1/review/stats", headers=AUDITOR)).json())[
        "spot_checks"]
    assert (spot["judged"], spot["bad"], spot["share"]) == (1, 1, 1.0)
    assert abs(spot["ci_low"] - 0.2065) < 1e-3 and spot["ci_high"] == 1.0
    bad = await client.get("/v1/review/stats?since=yesterday", headers=REVIEWER)
    assert bad.status == 422 and (await bad.json())["errors"][0]["field"] == "query.since"
    # Valid RFC 3339 times whose UTC lies outside years 1-9999 (PostgreSQL refused them: 500).
    for edge in ("0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"):
        resp = await client.get("/v1/review/stats", params={"since": edge}, headers=REVIEWER)
        assert resp.status == 200, (edge, await resp.text())
    assert (await client.get("/v1/review/stats", headers=PORTAL)).status == 403


async def test_rejection_notice_for_the_employer(client: Client) -> None:
    made = await verify(client, flagged("nt-1"))
    none = await client.get("/v1/postings/nt-1/notice", headers=PORTAL)
    assert none.status == 404  # not refused (yet)
    zhang = await reviewer(client, "张三")
    await settle(client, zhang, "reject", "content", note="请补充薪酬")
    resp = await client.get("/v1/postings/nt-1/notice", headers=PORTAL)
    assert resp.status == 200, await resp.text()
    notice = await resp.json()
    assert notice["decision_id"] == made["decision_id"] and notice["reviewed"] is True
    assert notice["reason"] == "content" and notice["items"]
    text = notice["text"]
    assert text.startswith("# 招聘信息整改通知书")
    assert "人工复核" in text and "请补充薪酬" in text and "信息不完整或与实际不符" in text
    for item in notice["items"]:
        assert item["message"] in text and item["change"] in text
        assert item["legal_basis"] in text
    other = await client.get("/v1/postings/nt-1/notice", headers={
        "Authorization": "Bearer demo-portal2-key"})
    assert other.status == 404
    audit = await client.get("/v1/postings/nt-1/notice?portal=demo-portal", headers=AUDITOR)
    assert audit.status == 200
    # Without ?portal= an auditor reads the one portal's posting of that id ...
    noportal = await client.get("/v1/postings/nt-1/notice", headers=AUDITOR)
    assert noportal.status == 200 and (await noportal.json()) == notice
    empty = await client.get("/v1/postings/nt-1/notice?portal=", headers=AUDITOR)
    assert empty.status == 200
    # ... and is asked to choose once another portal uses the id too.
    again = await client.post("/v1/postings/verify", json=flagged("nt-1"), headers=PORTAL2)
    assert again.status == 200
    ambiguous = await client.get("/v1/postings/nt-1/notice", headers=AUDITOR)
    assert ambiguous.status == 409 and "?portal=" in (await ambiguous.json())["detail"]
    assert (await client.get("/v1/postings/nt-1/notice?portal=demo-portal",
                             headers=AUDITOR)).status == 200


async def test_export_labels_reads_resolutions(client: Client) -> None:
    await verify(client, flagged("ex-1"))
    zhang = await reviewer(client, "张三")
    await settle(client, zhang, "reject", "content")
    out = io.BytesIO()
    count = await export_labels(client.app[RESOURCES].engine, service(client).pack, out)
    # The posting is written only when the log stores it with its decision.
    assert count.written + count.no_posting == 1
    assert out.getvalue().count(b"\n") == count.written
