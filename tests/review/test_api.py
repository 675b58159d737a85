"""The reviewer's path through `/v1/review/*` and what the portal then sees (SQLite, then
PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.api.conftest import PORTAL, REVIEWER
from tests.review.conftest import (
    ADMIN,
    Client,
    flagged,
    reviewer,
    service,
    shift_clock,
    snapshot,
    verify,
)
from verifier.api.state import RESOURCES
from verifier.models import Decision
from verifier.store.chain import verify_chain
from verifier.store.tables import decisions, review_events


async def events_of(client: Client, item_id: str) -> list[tuple[str, str]]:
    engine = client.app[RESOURCES].engine
    async with engine.connect() as conn:
        rows = (await conn.execute(select(review_events.c.kind, review_events.c.actor)
                                   .where(review_events.c.item_id == item_id)
                                   .order_by(review_events.c.id))).all()
    return [(k, a) for k, a in rows]


async def test_flagged_posting_is_queued_claimed_and_rejected(client: Client) -> None:
    made = await verify(client, flagged("f-1"))
    assert made["outcome"] == "flag"
    assert made["review"]["status"] == "pending"  # never `review: null` for a flagged one
    assert made["final_outcome"] is None
    listed = await (await client.get("/v1/review/items", headers=REVIEWER)).json()
    assert listed["counts"]["pending"] == 1 and listed["counts"]["total"] == 1
    item = listed["items"][0]
    assert item["id"] == made["decision_id"] and item["portal"] == "demo-portal"
    assert item["kind"] == "flag" and item["due_at"] and item["rules"]
    assert item["priority"] >= made["risk_score"]

    zhang = await reviewer(client, "张三")
    li = await reviewer(client, "李四")
    got = await client.post("/v1/review/claim", headers=zhang)
    assert got.status == 200
    claim = await got.json()
    assert claim["item"]["id"] == item["id"] and claim["lease"]["holder"] == "张三"
    assert 590 <= claim["lease"]["seconds_left"] <= 600  # the default 10 minutes
    assert (await client.post("/v1/review/claim", headers=li)).status == 204
    before = await snapshot(client)
    stolen = await client.post(f"/v1/review/items/{item['id']}/resolve", headers=li,
                               json={"outcome": "approve", "reason": "legit"})
    assert stolen.status == 409 and "张三" in (await stolen.json())["detail"]
    assert await snapshot(client) == before

    done = await client.post(f"/v1/review/items/{item['id']}/resolve", headers=zhang,
                             json={"outcome": "reject", "reason": "fee", "note": "收押金"})
    assert done.status == 200, await done.text()
    resolved = await done.json()
    assert resolved["status"] == "rejected" and resolved["resolved_by"] == "张三"
    assert resolved["reason_label"] == "向求职者收取费用或押金"
    twice = await client.post(f"/v1/review/items/{item['id']}/resolve", headers=zhang,
                              json={"outcome": "reject", "reason": "fee"})
    assert twice.status == 409

    seen = await (await client.get("/v1/postings/f-1/decision", headers=PORTAL)).json()
    assert seen["decision_id"] == made["decision_id"] and seen["outcome"] == "flag"
    assert seen["final_outcome"] == "reject"
    review = seen["review"]
    assert (review["status"], review["outcome"], review["reason"], review["reviewer"]) == (
        "rejected", "reject", "fee", "张三")
    assert review["resolved_at"] and review["created_at"] and review["note"] == "收押金"
    assert await events_of(client, item["id"]) == [("claimed", "张三"), ("resolved", "张三")]

    engine = client.app[RESOURCES].engine
    report = await verify_chain(engine)
    assert report.ok and report.rows == 2
    async with engine.connect() as conn:
        last = (await conn.execute(select(decisions.c.payload).order_by(
            decisions.c.seq.desc()).limit(1))).scalar_one()
    entry = Decision.model_validate_json(last)
    assert entry.resolution is not None and entry.outcome.value == "reject"
    assert entry.resolution.resolves == made["decision_id"]
    assert (entry.resolution.reviewer, entry.resolution.note) == ("张三", "收押金")
    assert entry.decision_id == resolved["resolution_id"]
    retry = await verify(client, flagged("f-1"))  # a retry shows where the review stands
    assert retry["decision_id"] == made["decision_id"]
    assert retry["review"]["status"] == "rejected"


async def test_claim_order_renew_release_and_lease_expiry(client: Client) -> None:
    low = await verify(client, flagged("low"))
    high = await verify(client, flagged("high", description="日结高薪，无需经验，加微信详谈。"))
    assert high["risk_score"] > low["risk_score"]
    wang = await reviewer(client, "王五")
    first = await (await client.post("/v1/review/claim", headers=wang)).json()
    assert first["item"]["id"] == high["decision_id"]  # highest priority first
    iid = first["item"]["id"]
    renewed = await client.post(f"/v1/review/items/{iid}/renew", headers=wang,
                                json={"lease_minutes": 30})
    assert renewed.status == 200
    assert (await renewed.json())["lease"]["seconds_left"] > 1700
    released = await client.post(f"/v1/review/items/{iid}/release", headers=wang)
    assert released.status == 200 and (await released.json())["status"] == "pending"
    again = await client.post(f"/v1/review/items/{iid}/claim", headers=wang)
    assert again.status == 200
    shift_clock(client, 11)  # the 10-minute lease has run out
    late = await client.post(f"/v1/review/items/{iid}/resolve", headers=wang,
                             json={"outcome": "approve", "reason": "legit"})
    assert late.status == 409 and "expired" in (await late.json())["detail"]
    page = await (await client.get("/v1/review/items?status=pending", headers=REVIEWER)).json()
    assert page["counts"]["pending"] == 2 and page["counts"]["claimed"] == 0
    assert await events_of(client, iid) == [
        ("claimed", "王五"), ("renewed", "王五"), ("released", "王五"), ("claimed", "王五"),
        ("expired", "王五")]
    # The item came back: another reviewer takes it.
    other = await reviewer(client, "赵六")
    took = await (await client.post(f"/v1/review/items/{iid}/claim", headers=other)).json()
    assert took["lease"]["holder"] == "赵六"


async def test_filters_cursor_and_counts(client: Client) -> None:
    for i in range(5):
        await verify(client, flagged(f"q{i}"))
    await verify(client, flagged("other"), headers={"Authorization": "Bearer demo-portal2-key"})
    seen: list[str] = []
    url = "/v1/review/items?limit=2&portal=demo-portal"
    while url:
        page = await (await client.get(url, headers=REVIEWER)).json()
        assert page["counts"]["total"] == 5
        seen += [i["posting_id"] for i in page["items"]]
        url = (f"/v1/review/items?limit=2&portal=demo-portal&cursor={page['next_cursor']}"
               if page["next_cursor"] else "")
    assert sorted(seen) == [f"q{i}" for i in range(5)]
    rule = (await (await client.get("/v1/review/items", headers=REVIEWER)).json())[
        "items"][0]["rules"][0]
    family = rule.split(".")[0]
    by_rule = await (await client.get(f"/v1/review/items?rule={family}",
                                      headers=REVIEWER)).json()
    assert by_rule["counts"]["total"] == 6
    none = await (await client.get("/v1/review/items?rule=nosuchfamily",
                                   headers=REVIEWER)).json()
    assert none["counts"]["total"] == 0
    shift_clock(client, 25 * 60)
    overdue = await (await client.get("/v1/review/items?overdue=true",
                                      headers=REVIEWER)).json()
    assert overdue["counts"]["overdue"] == 6 and len(overdue["items"]) == 6


async def test_notes_and_item_detail(client: Client) -> None:
    made = await verify(client, flagged("n-1"))
    iid = made["decision_id"]
    zhang = await reviewer(client, "张三")
    note = await client.post(f"/v1/review/items/{iid}/notes", headers=zhang,
                             json={"text": "已电话联系企业核实"})
    assert note.status == 201
    detail = await (await client.get(f"/v1/review/items/{iid}", headers=REVIEWER)).json()
    assert detail["notes"][0]["actor"] == "张三"
    assert detail["notes"][0]["data"]["text"] == "已电话联系企业核实"
    assert detail["decision"]["decision_id"] == iid
    assert detail["item"]["status"] == "pending"


async def test_resubmission_supersedes_the_open_item(client: Client) -> None:
    v1 = await verify(client, flagged("r-1"))
    zhang = await reviewer(client, "张三")
    await client.post(f"/v1/review/items/{v1['decision_id']}/claim", headers=zhang)
    await client.post(f"/v1/review/items/{v1['decision_id']}/notes", headers=zhang,
                      json={"text": "薪资未写明"})
    v2 = await verify(client, flagged("r-1", title="Java后端开发工程师"))
    assert v2["version"] == 2 and v2["outcome"] == "flag"
    old = await (await client.get(f"/v1/review/items/{v1['decision_id']}",
                                  headers=REVIEWER)).json()
    assert old["item"]["status"] == "superseded"
    assert old["item"]["superseded_by"] == v2["decision_id"]
    assert [e["kind"] for e in old["events"]] == ["claimed", "note", "superseded"]
    late = await client.post(f"/v1/review/items/{v1['decision_id']}/resolve", headers=zhang,
                             json={"outcome": "approve", "reason": "legit"})
    assert late.status == 409 and "superseded" in (await late.json())["detail"]
    new = await (await client.get(f"/v1/review/items/{v2['decision_id']}",
                                  headers=REVIEWER)).json()
    assert new["item"]["status"] == "pending" and new["item"]["version"] == 2
    assert new["earlier"][0]["version"] == 1
    assert new["earlier"][0]["notes"][0]["data"]["text"] == "薪资未写明"
    page = await (await client.get("/v1/review/items?status=pending",
                                   headers=REVIEWER)).json()
    assert [i["id"] for i in page["items"]] == [v2["decision_id"]]


async def test_bulk_resolve_needs_admin_and_a_bulk_reason(client: Client) -> None:
    made = [await verify(client, flagged(f"b{i}")) for i in range(3)]
    ids = [m["decision_id"] for m in made]
    zhang = await reviewer(client, "张三")
    await client.post(f"/v1/review/items/{ids[0]}/claim", headers=zhang)
    body: dict[str, Any] = {"ids": [*ids, "no-such"], "outcome": "reject", "reason": "spam"}
    assert (await client.post("/v1/review/resolve", json=body, headers=REVIEWER)).status == 403
    before = await snapshot(client)
    wrong = await client.post("/v1/review/resolve", headers=ADMIN,
                              json={**body, "reason": "fee"})
    assert wrong.status == 422
    assert (await wrong.json())["errors"][0]["field"] == "reason"
    assert await snapshot(client) == before
    done = await (await client.post("/v1/review/resolve", json=body, headers=ADMIN)).json()
    assert done["resolved"] == 2 and done["skipped"] == 2
    by = {r["id"]: r for r in done["results"]}
    assert not by[ids[0]]["resolved"] and "张三" in by[ids[0]]["detail"]
    assert not by["no-such"]["resolved"]
    assert by[ids[1]]["resolved"] and by[ids[2]]["resolution_id"]
    report = await verify_chain(client.app[RESOURCES].engine)
    assert report.ok and report.rows == 5


async def test_spot_check_samples_approvals(client: Client) -> None:
    import dataclasses

    from verifier.review.config import Sampling

    svc = service(client)
    pack = svc.pack
    svc.swap(dataclasses.replace(pack, sla=pack.sla.model_copy(
        update={"sampling": Sampling(share=1.0)})))
    ok = await verify(client, {"posting_id": "s-1", **{
        k: v for k, v in flagged("x").items() if k != "posting_id"},
        "salary": {"text": "8k-12k", "min": 8000, "max": 12000, "unit": "month"}})
    assert ok["outcome"] == "approve" and ok["review"] is None
    page = await (await client.get("/v1/review/items?kind=sample", headers=REVIEWER)).json()
    assert [i["id"] for i in page["items"]] == [ok["decision_id"]]
    assert page["items"][0]["kind"] == "sample"


async def test_spot_checks_wait_behind_flags_until_their_sla_runs_out(client: Client) -> None:
    import dataclasses

    from verifier.review.config import Sampling

    svc = service(client)
    pack = svc.pack
    svc.swap(dataclasses.replace(pack, sla=pack.sla.model_copy(
        update={"sampling": Sampling(share=1.0)})))
    spot = await verify(client, {**flagged("s-old"), "salary": {
        "text": "8k-12k", "min": 8000, "max": 12000, "unit": "month"}})
    flag = await verify(client, flagged("f-new"))
    assert (spot["outcome"], flag["outcome"]) == ("approve", "flag")
    items = {i["id"]: i for i in (await (await client.get(
        "/v1/review/items", headers=REVIEWER)).json())["items"]}
    assert 0 < items[spot["decision_id"]]["priority"] == pack.sla.priority.sample
    assert items[spot["decision_id"]]["priority"] < items[flag["decision_id"]]["priority"]

    first = await (await client.post("/v1/review/claim", headers=REVIEWER)).json()
    assert first["item"]["id"] == flag["decision_id"]  # within its SLA: behind the flag
    await client.post(f"/v1/review/items/{flag['decision_id']}/release", headers=REVIEWER)
    shift_clock(client, pack.sla.hours.sample * 60 + 1)  # the spot check is now overdue
    second = await (await client.post("/v1/review/claim", headers=REVIEWER)).json()
    assert second["item"]["id"] == spot["decision_id"]
    assert second["item"]["priority"] == pack.sla.priority.sample_overdue
    assert ("escalated", "system") in await events_of(client, spot["decision_id"])
    assert await svc.escalate_overdue() == 0  # once


async def test_named_reviewer_key_from_the_cli(client: Client, db_url: str) -> None:
    import asyncio

    from click.testing import CliRunner

    from verifier.cli import main

    made = await verify(client, flagged("cli-1"))
    result = await asyncio.to_thread(
        CliRunner().invoke, main,
        ["keys", "create", "--role", "reviewer", "--name", "张三", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    zhang = {"Authorization": f"Bearer {key}"}
    claim = await client.post("/v1/review/claim", headers=zhang)
    assert (await claim.json())["lease"]["holder"] == "张三"
    assert await events_of(client, made["decision_id"]) == [("claimed", "张三")]
