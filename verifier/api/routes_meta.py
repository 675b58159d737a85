"""Health, readiness, rule catalog, rule reload, audit integrity, OpenAPI and docs."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web
from sqlalchemy import text

from verifier.api.auth import require_role
from verifier.api.errors import ApiError
from verifier.api.openapi import docs_page
from verifier.api.openapi_routes import spec_for
from verifier.api.reload import RELOAD_STATUS, reload_rules
from verifier.api.state import ENGINE, RESOURCES, WRITER
from verifier.models import Role, RulesCatalog
from verifier.store.chain import verify_chain

routes = web.RouteTableDef()


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    """Where to go from here."""
    return _json({"service": "posting-verifier", "docs": "/docs", "openapi": "/openapi.json"})


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """The process is alive."""
    return _json({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready to decide: database reachable, rules loaded, writer running."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(2):
            async with request.app[RESOURCES].engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports, never raises
        checks["database"] = f"unreachable: {type(exc).__name__}"
    catalog = request.app[ENGINE].catalog
    checks["rules"] = f"ok ({catalog.rules_version})" if catalog.checks else "none loaded"
    writer_ok = request.app[WRITER].running
    checks["writer"] = "ok" if writer_ok else "stopped"
    ready = all(v.startswith("ok") for v in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
    if RELOAD_STATUS in request.app:  # a refused pack leaves the old one in force: still ready
        body["rules_reload"] = request.app[RELOAD_STATUS].as_dict()
    return _json(body, 200 if ready else 503)


@routes.get("/v1/rules")
async def rules(request: web.Request) -> web.Response:
    """The rule catalog in force."""
    require_role(request, Role.portal, Role.reviewer, Role.auditor)
    cat = request.app[ENGINE].catalog
    body = RulesCatalog(rules_version=cat.rules_version, loaded_at=cat.loaded_at,
                        rules=cat.rule_infos())
    return web.Response(body=body.model_dump_json().encode(), content_type="application/json")


@routes.post("/v1/admin/rules/reload")
async def reload(request: web.Request) -> web.Response:
    """Reload the rule pack here and announce it to every other instance."""
    require_role(request, Role.admin)
    ok, version, issues = await reload_rules(request.app, announce=True)
    if not ok:
        raise ApiError(422, "Rule pack refused",
                       f"The new rule pack has {len(issues)} problem(s); the old one "
                       f"({version}) stays in force: " + "; ".join(issues[:10]))
    return _json({"status": "reloaded", "rules_version": version})


@routes.get("/v1/audit/integrity")
async def integrity(request: web.Request) -> web.Response:
    """Recompute the hash chain; name the first bad row."""
    require_role(request, Role.auditor)
    report = await verify_chain(request.app[RESOURCES].engine)
    return _json({"ok": report.ok, "rows": report.rows, "head_seq": report.head_seq,
                  "first_bad_seq": report.first_bad_seq,
                  "first_bad_decision_id": report.first_bad_decision_id,
                  "reason": report.reason})


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document."""
    return _json(spec_for(request.app))


@routes.get("/docs")
async def docs(request: web.Request) -> web.Response:
    """Human-readable API docs."""
    return web.Response(text=docs_page(spec_for(request.app)), content_type="text/html")
