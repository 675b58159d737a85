"""Portal API: verify, batch, read back; every bad input gets a 4xx problem, writes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from tests.api.conftest import ADMIN, AUDITOR, PORTAL, PORTAL2, REVIEWER
from tests.factories import posting_dict
from verifier.api.state import RESOURCES
from verifier.store.tables import decisions

Client = TestClient[Any, Any]


async def logged(client: Client) -> int:
    engine = client.app[RESOURCES].engine
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(decisions))).scalar_one())


async def test_verify_returns_explained_decision(client: Client) -> None:
    resp = await client.post("/v1/postings/verify", json=posting_dict(), headers=PORTAL)
    assert resp.status == 200
    body = await resp.json()
    assert body["posting_id"] == "p-1"
    assert body["portal"] == "demo-portal"
    assert body["outcome"] in ("approve", "flag", "reject")
    assert len(body["rules_version"]) == 16
    assert body["version"] == 1
    assert await logged(client) == 1


async def test_missing_pay_is_flagged_with_chinese_message(client: Client) -> None:
    resp = await client.post("/v1/postings/verify", json=posting_dict(salary=None),
                             headers=PORTAL)
    body = await resp.json()
    assert body["outcome"] == "flag"
    finding = next(f for f in body["findings"] if f["rule"] == "content.missing.pay")
    assert "劳动报酬" in finding["message"]
    assert finding["evidence"]["data"]["legal_basis"].startswith("《人力资源市场暂行条例》")


async def test_retry_is_idempotent_and_changed_content_is_new_version(client: Client) -> None:
    first = await (await client.post("/v1/postings/verify", json=posting_dict(),
                                     headers=PORTAL)).json()
    again = await (await client.post("/v1/postings/verify", json=posting_dict(),
                                     headers=PORTAL)).json()
    assert again["decision_id"] == first["decision_id"]
    assert await logged(client) == 1
    changed = await (await client.post("/v1/postings/verify", json=posting_dict(headcount=5),
                                       headers=PORTAL)).json()
    assert changed["version"] == 2
    assert changed["decision_id"] != first["decision_id"]
    assert await logged(client) == 2
    # Decision ids are UUIDv7: time-ordered, so the later decision's id sorts after.
    ids = [uuid.UUID(d["decision_id"]) for d in (first, changed)]
    assert [i.version for i in ids] == [7, 7]
    assert ids[0] < ids[1]


async def test_batch_in_order(client: Client) -> None:
    batch = {"postings": [posting_dict(posting_id=f"b{i}") for i in range(30)]}
    resp = await client.post("/v1/postings/verify-batch", json=batch, headers=PORTAL)
    assert resp.status == 200
    body = await resp.json()
    assert [d["posting_id"] for d in body["decisions"]] == [f"b{i}" for i in range(30)]
    assert await logged(client) == 30


async def test_read_back_own_decision_only(client: Client) -> None:
    made = await (await client.post("/v1/postings/verify", json=posting_dict(salary=None),
                                    headers=PORTAL)).json()
    resp = await client.get("/v1/postings/p-1/decision", headers=PORTAL)
    assert resp.status == 200
    got = await resp.json()
    assert got["decision_id"] == made["decision_id"]
    assert got["review"]["status"] == "pending" and got["review"]["kind"] == "flag"
    assert got["final_outcome"] is None  # a person has yet to decide
    other = await client.get("/v1/postings/p-1/decision", headers=PORTAL2)
    assert other.status == 404
    assert other.content_type == "application/problem+json"
    sneaky = await client.get("/v1/postings/p-1/decision?portal=demo-portal", headers=PORTAL2)
    assert sneaky.status == 403
    audit = await client.get("/v1/postings/p-1/decision?portal=demo-portal", headers=AUDITOR)
    assert (await audit.json())["decision_id"] == made["decision_id"]


def _big() -> bytes:
    return json.dumps(posting_dict(description="很" * 400_000), ensure_ascii=False).encode()


def _json(**kw: Any) -> bytes:
    return json.dumps(posting_dict(**kw), ensure_ascii=False).encode()


BAD: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("malformed json", b'{"posting_id": "x",', PORTAL, 400, "(body)"),
    ("invalid utf-8", b'{"posting_id": "\xff\xfe"}', PORTAL, 400, "(body)"),
    ("empty body", b"", PORTAL, 400, ""),
    ("not an object", b"[1, 2]", PORTAL, 422, ""),
    ("wrong type", _json(headcount="three"), PORTAL, 422, "headcount"),
    ("wrong nested type", _json(enterprise={"name": 5}), PORTAL, 422, "enterprise.name"),
    ("unknown field", _json(colour="red"), PORTAL, 422, "colour"),
    ("missing field", _json(title=None), PORTAL, 422, "title"),
    ("string over bound", _json(title="长" * 201), PORTAL, 422, "title"),
    ("bad enum", _json(employment_type="gig"), PORTAL, 422, "employment_type"),
    ("naive datetime", _json(submitted_at="2022-04-01T10:00:00"), PORTAL, 422, "submitted_at"),
    ("body over 1 MiB", _big(), PORTAL, 413, ""),
    ("no key", _json(), {}, 401, ""),
    ("wrong key", _json(), {"Authorization": "Bearer nope"}, 401, ""),
    ("wrong scheme", _json(), {"Authorization": "Basic demo-portal-key"}, 401, ""),
    ("wrong role", _json(), REVIEWER, 403, ""),
]


@pytest.mark.parametrize(("case", "body", "headers", "status", "field"), BAD,
                         ids=[b[0] for b in BAD])
async def test_bad_input_gets_problem_and_writes_nothing(
    client: Client, case: str, body: bytes, headers: dict[str, str], status: int, field: str
) -> None:
    resp = await client.post("/v1/postings/verify", data=body,
                             headers={**headers, "Content-Type": "application/json"})
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/problem+json"
    problem = await resp.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if field:
        assert field in [e["field"] for e in problem["errors"]], problem
    assert await logged(client) == 0
    ok = await client.post("/v1/postings/verify", json=posting_dict(), headers=PORTAL)
    assert ok.status == 200  # and the server keeps serving


async def test_batch_over_limit_and_duplicates_refused(client: Client) -> None:
    over = {"postings": [posting_dict(posting_id=f"o{i}") for i in range(501)]}
    resp = await client.post("/v1/postings/verify-batch", json=over, headers=PORTAL)
    assert resp.status == 422
    assert "postings" in [e["field"] for e in (await resp.json())["errors"]]
    dup = {"postings": [posting_dict(), posting_dict(posting_id="q"), posting_dict()]}
    resp = await client.post("/v1/postings/verify-batch", json=dup, headers=PORTAL)
    assert resp.status == 422
    assert [(e["field"], e["type"]) for e in (await resp.json())["errors"]] == [
        ("postings.2.posting_id", "duplicate")]
    bad_item = {"postings": [posting_dict(), posting_dict(posting_id="q", headcount="x")]}
    resp = await client.post("/v1/postings/verify-batch", json=bad_item, headers=PORTAL)
    assert "postings.1.headcount" in [e["field"] for e in (await resp.json())["errors"]]
    assert await logged(client) == 0


async def test_wrong_method_and_unknown_path_are_problems(client: Client) -> None:
    resp = await client.get("/v1/postings/verify", headers=PORTAL)
    assert resp.status == 405 and resp.content_type == "application/problem+json"
    resp = await client.get("/v1/nothing", headers=PORTAL)
    assert resp.status == 404 and resp.content_type == "application/problem+json"


async def test_database_unreachable_is_503_and_nothing_approved(client: Client) -> None:
    from verifier.api.state import WRITER
    from verifier.store.db import create_engine

    writer = client.app[WRITER]
    real = writer.engine
    writer.engine = create_engine("postgresql://postgres@127.0.0.1:1/none")
    try:
        resp = await client.post("/v1/postings/verify", json=posting_dict(), headers=PORTAL)
        assert resp.status == 503
        assert resp.content_type == "application/problem+json"
        assert "outcome" not in await resp.json()
    finally:
        await writer.engine.dispose()
        writer.engine = real
    assert (await client.post("/v1/postings/verify", json=posting_dict(),
                              headers=PORTAL)).status == 200


async def test_admin_without_portal_finds_no_unknown_posting(client: Client) -> None:
    """`?portal=` is optional for admins (the schema says so): an unknown id is a 404."""
    resp = await client.get("/v1/postings/p-1/decision", headers=ADMIN)
    assert resp.status == 404
