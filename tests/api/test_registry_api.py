"""Registry admin API, and a registry change reaching another running instance.

On PostgreSQL the second instance polls only every 30 s, so seeing the change within a few
seconds proves the Redis push; on SQLite (no Redis) the database poll carries it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from tests.api.conftest import ADMIN, PORTAL, REVIEWER, make_settings
from tests.factories import posting_dict
from verifier.api.app import create_app

HUAWEI = "914403001922038216"
RECORD = {"uscc": HUAWEI, "name": "华为技术有限公司", "status_raw": "存续",
          "established": "1987-09-15", "division_code": "440300"}


async def test_upsert_get_search(client: TestClient[Any, Any]) -> None:
    resp = await client.put("/v1/admin/registry/enterprises", json=RECORD, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["inserted"] == 1
    resp = await client.put("/v1/admin/registry/enterprises",
                            json={"enterprises": [RECORD]}, headers=ADMIN)
    assert (await resp.json())["updated"] == 1
    resp = await client.get(f"/v1/admin/registry/enterprises/{HUAWEI}", headers=REVIEWER)
    body = await resp.json()
    assert resp.status == 200 and (body["name"], body["status"]) == ("华为技术有限公司", "active")
    resp = await client.get("/v1/admin/registry/search", params={"name": "华为技术有限公司"},
                            headers=ADMIN)
    results = (await resp.json())["results"]
    assert results[0]["enterprise"]["uscc"] == HUAWEI and results[0]["score"] == 100


async def test_bad_records_write_nothing(client: TestClient[Any, Any]) -> None:
    bad = [RECORD, {"uscc": "914403001922038217", "name": "x"}, {"uscc": HUAWEI},
           {**RECORD, "status_raw": "营业中吧"}]
    resp = await client.put("/v1/admin/registry/enterprises", json=bad, headers=ADMIN)
    assert resp.status == 422
    fields = sorted(e["field"] for e in (await resp.json())["errors"])
    assert fields == ["enterprises[1].uscc", "enterprises[2].name", "enterprises[3].status"]
    resp = await client.get(f"/v1/admin/registry/enterprises/{HUAWEI}", headers=ADMIN)
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"


async def test_a_regno_of_another_enterprise_is_409_naming_it(
    client: TestClient[Any, Any],
) -> None:
    first = {"uscc": "911100000A3X0AHN6J", "regno": "100000000000006", "name": "甲"}
    second = {"uscc": "9111000013B7GUBY2Q", "regno": "100000000000006", "name": "乙"}
    resp = await client.put("/v1/admin/registry/enterprises", json=first, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    resp = await client.put("/v1/admin/registry/enterprises", json=[RECORD, second],
                            headers=ADMIN)
    assert resp.status == 409 and resp.content_type == "application/problem+json"
    body = await resp.json()
    assert [(e["field"], e["type"]) for e in body["errors"]] == [
        ("enterprises[1].regno", "conflict")]
    assert "911100000A3X0AHN6J" in body["detail"]
    for code in (HUAWEI, "9111000013B7GUBY2Q"):  # nothing written
        got = await client.get(f"/v1/admin/registry/enterprises/{code}", headers=ADMIN)
        assert got.status == 404


async def test_json_records_read_as_json(client: TestClient[Any, Any]) -> None:
    """The vendor-file placeholders ("N/A", "-") are text in a JSON record, null or an empty
    string is a missing value, and 120.0 is a whole number (JSON Schema's `integer`)."""
    body = {**RECORD, "name": "N/A", "address": "-", "industry": "", "business_scope": None,
            "staff": 120.0}
    huge = {**RECORD, "uscc": "91110000802100433B", "staff": 10**30}  # not a head count
    resp = await client.put("/v1/admin/registry/enterprises", json=huge, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    got = await client.get("/v1/admin/registry/enterprises/91110000802100433B", headers=ADMIN)
    assert got.status == 200 and "staff" not in await got.json()  # was a 500 on reading
    resp = await client.put("/v1/admin/registry/enterprises", json=body, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    got = await (await client.get(f"/v1/admin/registry/enterprises/{HUAWEI}",
                                  headers=ADMIN)).json()
    assert (got["name"], got["address"], got["staff"]) == ("N/A", "-", 120)
    assert "industry" not in got and "business_scope" not in got


async def test_roles(client: TestClient[Any, Any]) -> None:
    resp = await client.put("/v1/admin/registry/enterprises", json=RECORD, headers=PORTAL)
    assert resp.status == 403
    for query, field in (({"name": " \n"}, "query.name"),
                         ({"name": "华为", "limit": "ten"}, "query.limit")):
        resp = await client.get("/v1/admin/registry/search", params=query, headers=ADMIN)
        assert resp.status == 422
        assert [e["field"] for e in (await resp.json())["errors"]] == [field]


async def _verify(c: TestClient[Any, Any]) -> dict[str, Any]:
    body = posting_dict(posting_id=f"p-{uuid.uuid4().hex[:8]}")
    resp = await c.post("/v1/postings/verify", json=body, headers=PORTAL)
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def _until(c: TestClient[Any, Any], ok: Any, seconds: float = 8.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        d = await _verify(c)
        if ok(d) or asyncio.get_running_loop().time() > deadline:
            return d
        await asyncio.sleep(0.1)


async def test_change_reaches_another_instance(
    aiohttp_client: Any, db_url: str, redis_url: str | None
) -> None:
    poll = 30.0 if redis_url else 0.2
    a = await aiohttp_client(create_app(make_settings(db_url, redis_url)))
    b = await aiohttp_client(create_app(make_settings(db_url, redis_url, EPOCH_POLL_S=poll)))
    resp = await a.put("/v1/admin/registry/enterprises", json=RECORD, headers=ADMIN)
    assert resp.status == 200
    d = await _until(b, lambda d: d["enterprise"] is not None)
    assert d["enterprise"]["uscc"] == HUAWEI and d["enterprise"]["match"] == "uscc"
    resp = await a.put("/v1/admin/registry/enterprises",
                       json={**RECORD, "status_raw": "注销"}, headers=ADMIN)
    assert resp.status == 200
    d = await _until(b, lambda d: d["outcome"] == "reject")
    assert "registry.status.deregistered" in [f["rule"] for f in d["findings"]]
