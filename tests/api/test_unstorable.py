"""What the database cannot store (a NUL character) is refused with 422 naming the field, on
SQLite and PostgreSQL alike, and never costs another request its decision or fingerprint."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from tests.api.conftest import ADMIN, AUDITOR, PORTAL, PORTAL2
from tests.factories import posting_dict
from verifier.api.state import RESOURCES
from verifier.families.duplicate.index import fingerprints
from verifier.store.chain import verify_chain
from verifier.store.tables import decisions

Client = TestClient[Any, Any]
NUL = "\u0000"


async def rows(client: Client, table: Any) -> int:
    async with client.app[RESOURCES].engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def with_nul(field: str) -> dict[str, Any]:
    """The base posting with a NUL character in one (dotted) field."""
    body = posting_dict(contact="电话 010-12345678", campaign="spring", company_profile="简介")
    *parents, leaf = field.split(".")
    node = body
    for p in parents:
        node = node[p]
    node[leaf] = f"{node[leaf]}{NUL}x"
    return body


@pytest.mark.parametrize("field", [
    "posting_id", "title", "description", "enterprise.name", "enterprise.uscc",
    "location.province", "location.city", "salary.text", "education", "contact", "campaign",
    "company_profile",
])
async def test_a_nul_in_any_posting_field_is_422_naming_it(client: Client, field: str) -> None:
    resp = await client.post("/v1/postings/verify", json=with_nul(field), headers=PORTAL)
    assert resp.status == 422, await resp.text()
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["type"] == "nul_character"
    assert await rows(client, decisions) == 0


async def test_a_nul_in_a_batch_names_the_posting_and_field(client: Client) -> None:
    batch = [posting_dict(posting_id=f"b{i}") for i in range(4)]
    batch[2] = {**with_nul("enterprise.uscc"), "posting_id": "b2"}
    resp = await client.post("/v1/postings/verify-batch", json={"postings": batch},
                             headers=PORTAL)
    assert resp.status == 422
    assert [e["field"] for e in (await resp.json())["errors"]] == ["postings.2.enterprise.uscc"]
    assert await rows(client, decisions) == 0


@pytest.mark.parametrize(("path", "headers", "field"), [
    ("/v1/postings/%00/decision", PORTAL, "path.posting_id"),
    ("/v1/postings/a%00b/decision", PORTAL, "path.posting_id"),
    ("/v1/postings/p-1/decision?portal=a%00b", AUDITOR, "query.portal"),
    ("/v1/admin/registry/enterprises/%00", ADMIN, "path.uscc"),
    ("/v1/admin/registry/search?name=%00", ADMIN, "query.name"),
])
async def test_a_nul_in_a_path_or_query_parameter_is_422_naming_it(
    client: Client, path: str, headers: dict[str, str], field: str
) -> None:
    resp = await client.get(path, headers=headers)
    assert resp.status == 422, await resp.text()
    assert resp.content_type == "application/problem+json"
    assert [e["field"] for e in (await resp.json())["errors"]] == [field]


async def test_thirty_bad_among_many_valid_concurrent_requests(client: Client) -> None:
    """Issue 16's figures, scaled to the test: every valid request is decided and logged with
    its fingerprint; only the bad ones are refused."""
    valid = [posting_dict(posting_id=f"v{i}", description=f"第{i}号岗位。" + "负责客户接待。" * 8)
             for i in range(570)]
    bad = [{**with_nul("posting_id" if i % 2 else "enterprise.uscc"), "posting_id":
            f"x{i}{NUL}" if i % 2 else f"x{i}"} for i in range(30)]
    bodies = [(b, PORTAL if i % 2 else PORTAL2) for i, b in enumerate(valid)]
    for i, b in enumerate(bad):
        bodies.insert(i * 19, (b, PORTAL))

    async def send(body: dict[str, Any], headers: dict[str, str]) -> int:
        resp = await client.post("/v1/postings/verify", json=body, headers=headers)
        await resp.read()
        return resp.status

    statuses = await asyncio.gather(*(send(b, h) for b, h in bodies))
    by_id = {b["posting_id"]: s for (b, _), s in zip(bodies, statuses, strict=True)}
    assert [by_id[v["posting_id"]] for v in valid] == [200] * 570
    assert sorted(by_id[b["posting_id"]] for b in bad) == [422] * 30
    assert await rows(client, decisions) == 570
    assert await rows(client, fingerprints) == 570
    report = await verify_chain(client.app[RESOURCES].engine)
    assert report.ok and report.rows == 570, report


REGISTRY_RECORD: dict[str, Any] = {
    "uscc": "914403001922038216", "name": "华为技术有限公司", "status": "active",
    "address": "深圳市龙岗区", "industry": "制造业", "business_scope": "通信设备",
    "capital_raw": "403.4亿元", "staff_range": "10000人以上", "source": "test",
    "former_names": ["深圳市华为技术有限公司", "华为"],
    "recognitions": [{"tier": "zjtx", "batch": "第一批"}],
    "lists": [{"list": "abnormal", "reason": "未按时公示年报"}],
}


@pytest.mark.parametrize(("key", "field"), [
    ("name", "name"), ("address", "address"), ("business_scope", "business_scope"),
    ("capital_raw", "capital"), ("source", "source"), ("former_names.1", "former_names[1]"),
    ("recognitions.0.batch", "recognitions[0].batch"), ("lists.0.reason", "lists[0].reason"),
])
async def test_a_nul_in_a_registry_record_is_422_naming_it(
    client: Client, key: str, field: str
) -> None:
    body = orjson_copy(REGISTRY_RECORD)
    *parents, leaf = key.split(".")
    node: Any = body
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(leaf)] += f"{NUL}x"
    else:
        node[leaf] += f"{NUL}x"
    ok = {**REGISTRY_RECORD, "uscc": "91110000802100433B", "name": "北京首钢股份有限公司"}
    resp = await client.put("/v1/admin/registry/enterprises", json=[ok, body], headers=ADMIN)
    assert resp.status == 422, await resp.text()
    assert resp.content_type == "application/problem+json"
    errors = (await resp.json())["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [
        (f"enterprises[1].{field}", "nul_character")]
    for code in ("914403001922038216", "91110000802100433B"):  # all or nothing
        got = await client.get(f"/v1/admin/registry/enterprises/{code}", headers=ADMIN)
        assert got.status == 404
    resp = await client.put("/v1/admin/registry/enterprises", json=[ok, REGISTRY_RECORD],
                            headers=ADMIN)
    assert resp.status == 200, await resp.text()


def orjson_copy(value: dict[str, Any]) -> dict[str, Any]:
    """A deep copy through JSON."""
    import json

    copied: dict[str, Any] = json.loads(json.dumps(value))
    return copied
