"""Health, readiness, rules, OpenAPI, docs, audit integrity, reload."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.api.conftest import ADMIN, AUDITOR, PORTAL
from tests.factories import posting_dict
from verifier.models import Decision, Posting

Client = TestClient[Any, Any]


async def test_health_and_ready(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200
    resp = await client.get("/readyz")
    body = await resp.json()
    assert resp.status == 200 and body["checks"]["database"] == "ok"


async def test_rules_catalog(client: Client) -> None:
    resp = await client.get("/v1/rules", headers=PORTAL)
    body = await resp.json()
    ids = {r["id"] for r in body["rules"]}
    assert {"content.missing.pay", "campaign.outside_phase", "engine.check_failed"} <= ids
    assert all(r["description"] for r in body["rules"])
    assert (await client.get("/v1/rules")).status == 401


async def test_openapi_matches_models(client: Client) -> None:
    spec = await (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    schemas = spec["components"]["schemas"]
    assert set(Posting.model_fields) == set(schemas["Posting"]["properties"])
    assert set(Decision.model_fields) | set(Decision.model_computed_fields) == set(
        schemas["Decision"]["properties"])
    assert "/v1/postings/verify" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status == 200 and "/v1/postings/verify-batch" in await docs.text()


async def test_audit_integrity_needs_auditor(client: Client) -> None:
    await client.post("/v1/postings/verify", json=posting_dict(), headers=PORTAL)
    assert (await client.get("/v1/audit/integrity", headers=PORTAL)).status == 403
    body = await (await client.get("/v1/audit/integrity", headers=AUDITOR)).json()
    assert body["ok"] is True and body["rows"] == 1


async def test_reload_needs_admin_and_keeps_version_when_unchanged(client: Client) -> None:
    assert (await client.post("/v1/admin/rules/reload", headers=PORTAL)).status == 403
    before = (await (await client.get("/v1/rules", headers=PORTAL)).json())["rules_version"]
    resp = await client.post("/v1/admin/rules/reload", headers=ADMIN)
    assert resp.status == 200
    assert (await resp.json())["rules_version"] == before


def test_committed_openapi_copy_is_current() -> None:
    """docs/openapi.json is regenerated with `verifier openapi > docs/openapi.json`."""
    import json
    from pathlib import Path

    from tests.api.conftest import make_settings
    from verifier.api.app import create_app
    from verifier.api.openapi_routes import spec_for

    doc = spec_for(create_app(make_settings("sqlite+aiosqlite:///:memory:", None)))
    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
    assert json.loads(committed.read_text()) == json.loads(json.dumps(doc))


async def test_dead_redis_degrades_nothing(aiohttp_client: Any, tmp_path: Any) -> None:
    """Redis configured but unreachable: decisions and reloads still work (SQL is the authority)."""
    from tests.api.conftest import make_settings
    from verifier.api.app import create_app

    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path}/r.db",
                                   "redis://127.0.0.1:1/0"))
    client = await aiohttp_client(app)
    resp = await client.post("/v1/postings/verify", json=posting_dict(), headers=PORTAL)
    assert resp.status == 200
    assert (await client.post("/v1/admin/rules/reload", headers=ADMIN)).status == 200
    again = await client.get("/v1/postings/p-1/decision", headers=PORTAL)
    assert (await again.json())["decision_id"] == (await resp.json())["decision_id"]
