"""Routing before auth, and an OpenAPI document that is exactly the registered routes."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.api.conftest import ADMIN, AUDITOR, PORTAL, PORTAL2, REVIEWER, make_settings
from tests.factories import posting_dict
from verifier.api.app import create_app
from verifier.api.openapi_routes import UndocumentedRoute, route_keys, spec_for

Client = TestClient[Any, Any]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/v1/postings/x/decisoin", 404), ("POST", "/v1/postings/verfy", 404),
    ("GET", "/nothing-here", 404), ("DELETE", "/v1/postings/verify", 405),
    ("GET", "/v1/admin/rules/reload", 405)])
async def test_unknown_paths_are_404_even_without_a_key(client: Client, method: str, path: str,
                                                        status: int) -> None:
    resp = await client.request(method, path)
    assert resp.status == status
    assert resp.content_type == "application/problem+json"
    assert (await resp.json())["status"] == status
    assert (await client.get("/v1/rules")).status == 401  # known paths still need a key


async def test_every_route_is_in_openapi_and_docs(client: Client) -> None:
    spec = await (await client.get("/openapi.json")).json()
    page = await (await client.get("/docs")).text()
    keys = route_keys(client.app)
    assert ("PUT", "/v1/admin/registry/enterprises") in keys
    assert ("GET", "/v1/admin/registry/search") in keys
    for method, path in keys:
        assert method.lower() in spec["paths"][path], (method, path)
        assert f"<code>{path}</code>" in page.replace("&#x27;", "'"), path
    assert {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops} == set(keys)


def test_an_undocumented_route_fails_the_document(tmp_path: Any) -> None:
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path}/x.db", None))

    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    app.router.add_get("/v1/secret-new-thing", handler)
    with pytest.raises(UndocumentedRoute, match="GET /v1/secret-new-thing"):
        spec_for(app)


async def test_integral_float_is_an_integer_as_the_schema_says(client: Client) -> None:
    ok = await client.post("/v1/postings/verify", headers=PORTAL,
                           json=posting_dict(posting_id="h1", headcount=-3988.0))
    assert ok.status == 200, await ok.text()
    bad = await client.post("/v1/postings/verify", headers=PORTAL,
                            json=posting_dict(posting_id="h2", headcount=2.5))
    assert bad.status == 422 and (await bad.json())["errors"][0]["field"] == "headcount"


async def test_reviewer_reads_a_decision_without_naming_the_portal(client: Client) -> None:
    made = await (await client.post("/v1/postings/verify", headers=PORTAL,
                                    json=posting_dict(posting_id="r-1"))).json()
    for who in (REVIEWER, AUDITOR, ADMIN):
        resp = await client.get("/v1/postings/r-1/decision", headers=who)
        assert resp.status == 200 and (await resp.json())["decision_id"] == made["decision_id"]
    assert (await client.get("/v1/postings/none/decision", headers=REVIEWER)).status == 404
    await client.post("/v1/postings/verify", headers=PORTAL2, json=posting_dict(posting_id="r-1"))
    both = await client.get("/v1/postings/r-1/decision", headers=REVIEWER)
    assert both.status == 409 and "?portal=" in (await both.json())["detail"]
    named = await client.get("/v1/postings/r-1/decision", headers=REVIEWER,
                             params={"portal": "demo-portal"})
    assert (await named.json())["decision_id"] == made["decision_id"]


async def test_registry_reads_for_the_documented_roles(client: Client) -> None:
    for who, status in ((PORTAL, 403), (REVIEWER, 404), (AUDITOR, 404), (ADMIN, 404)):
        resp = await client.get("/v1/admin/registry/enterprises/914403001922038216",
                                headers=who)
        assert resp.status == status, who
