"""Admin registry endpoints: upsert records, get one by USCC, search by name.

`PUT /v1/admin/registry/enterprises` takes one record, a list, or `{"enterprises": [...]}`
(the `EnterpriseRecord` fields; `status_raw` goes through the status vocabulary, codes
through the USCC validator; `null` or an empty string is a missing value). Any bad record
refuses the whole request (422, each problem named by index); otherwise all are upserted in
one transaction and the `registry` epoch is bumped so every instance refreshes (Redis push
when configured, database poll otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from verifier.api.auth import require_role
from verifier.api.errors import ApiError
from verifier.api.limits import check_json_shape
from verifier.api.openapi_registry import SearchQuery
from verifier.api.params import query
from verifier.api.state import RESOURCES, SETTINGS
from verifier.models import FieldError, Role
from verifier.registry.capital import CapitalParser
from verifier.registry.mapping import Mapping, Source
from verifier.registry.records import EnterpriseRecord
from verifier.registry.rows import RowBuilder
from verifier.registry.status import StatusMap
from verifier.registry.uscc import normalize_code
from verifier.store.epochs import bump
from verifier.store.registry_repo import EPOCH, RegistryRepo, RegnoConflict

MAX_RECORDS = 5000
routes = web.RouteTableDef()


@dataclass(frozen=True)
class RegistryTools:
    """What the handlers need besides the database: the row builder."""

    builder: RowBuilder


TOOLS = web.AppKey("registry_tools", RegistryTools)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


def _out(rec: EnterpriseRecord) -> dict[str, Any]:
    return rec.model_dump(mode="json", exclude_defaults=True)


@routes.put("/v1/admin/registry/enterprises")
async def upsert(request: web.Request) -> web.Response:
    """Insert or replace one or many enterprise records (by USCC, else 注册号)."""
    require_role(request, Role.admin)
    raw = await request.read()
    s = request.app[SETTINGS]
    check_json_shape(raw, s.max_json_depth, s.max_json_keys, s.max_json_values)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "Malformed JSON", str(exc)) from None
    items = body.get("enterprises") if isinstance(body, dict) and "enterprises" in body else body
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list) or not items:
        raise ApiError(422, "Invalid request",
                       "Send a record, a list, or {\"enterprises\": [...]}.")
    if len(items) > MAX_RECORDS:
        raise ApiError(422, "Invalid request", f"At most {MAX_RECORDS} records per request.")
    builder = request.app[TOOLS].builder
    records: list[EnterpriseRecord] = []
    errors: list[FieldError] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(FieldError(field=f"enterprises[{i}]", message="not an object",
                                     type="type_error"))
            continue
        rec, bad, _ = builder.build(i, item)
        errors.extend(FieldError(field=f"enterprises[{i}]" + (f".{p.column}" if p.column else ""),
                                 message=p.reason, type=p.kind) for p in bad)
        if rec is not None:
            records.append(rec)
    if errors:
        raise ApiError(422, "Invalid records", f"{len(errors)} problem(s); nothing was written.",
                       errors)
    res = request.app[RESOURCES]
    try:
        result = await RegistryRepo(res.engine).upsert(records)
    except RegnoConflict as exc:
        raise ApiError(409, "Conflict", f"{exc}; nothing was written.", [
            FieldError(field=f"enterprises[{i}].regno", message=str(exc), type="conflict")
            for i, rec in enumerate(records) if rec.regno == exc.regno]) from None
    epoch = await bump(res.engine, EPOCH, res.redis)
    refresh = res.on_epoch.get(EPOCH)
    if refresh is not None:
        await refresh(epoch)  # this instance at once; the others through the epoch
    return _json({"inserted": result.inserted, "updated": result.updated, "epoch": epoch})


@routes.get("/v1/admin/registry/enterprises/{uscc}")
async def get_one(request: web.Request) -> web.Response:
    """The record of one USCC (or 15-digit 注册号)."""
    require_role(request, Role.admin, Role.reviewer, Role.auditor)
    code = normalize_code(request.match_info["uscc"])
    repo = RegistryRepo(request.app[RESOURCES].engine)
    rec = await (repo.get_by_regno(code) if len(code) == 15 else repo.get(code))
    if rec is None:
        raise ApiError(404, "Not Found", f"No enterprise with code {code}.")
    return _json(_out(rec))


@routes.get("/v1/admin/registry/search")
async def search(request: web.Request) -> web.Response:
    """Enterprises whose names match `name` (normalized exact, then 字号 similarity); the
    query is `SearchQuery`'s."""
    require_role(request, Role.admin, Role.reviewer, Role.auditor)
    q = query(request, SearchQuery)
    hits = await RegistryRepo(request.app[RESOURCES].engine).search(q.name, q.limit)
    return _json({"query": q.name, "results": [
        {"score": h.score, "kind": h.kind, "matched_name": h.matched_name,
         "enterprise": _out(h.record)} for h in hits]})


def setup(app: web.Application) -> None:
    """Add the registry admin routes (called by the app factory)."""
    rules = app[SETTINGS].rules_dir
    # JSON has null: the placeholder strings of vendor files ("N/A", "-") are text here.
    source = Source(format="jsonl", null_values=[""])
    builder = RowBuilder(Mapping(source=source), StatusMap.from_rules(rules),
                         CapitalParser.from_rules(rules))
    app[TOOLS] = RegistryTools(builder)
    app.add_routes(routes)
