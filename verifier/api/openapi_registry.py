"""OpenAPI paths of the registry admin endpoints (merged into `verifier.api.openapi.spec`).

The record schema is `EnterpriseRecord`'s own (pydantic), so it cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from verifier.registry.records import EnterpriseRecord

_REF = "#/components/schemas/{model}"


def schemas() -> dict[str, Any]:
    """Component schemas: EnterpriseRecord (and what it refers to), the search answer."""
    _, defs = models_json_schema([(EnterpriseRecord, "serialization")], ref_template=_REF)
    out: dict[str, Any] = dict(defs["$defs"])
    rec = {"$ref": "#/components/schemas/EnterpriseRecord"}
    out["RegistrySearch"] = {"type": "object", "required": ["query", "results"], "properties": {
        "query": {"type": "string"},
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "score": {"type": "number"}, "kind": {"type": "string"},
            "matched_name": {"type": "string"}, "enterprise": rec}}}}}
    out["RegistryUpsert"] = {"type": "object", "properties": {
        "inserted": {"type": "integer"}, "updated": {"type": "integer"},
        "epoch": {"type": "integer"}}}
    return out


def paths(secured: list[dict[str, list[str]]], problems: Any, json: Any) -> dict[str, Any]:
    """The path items, built with the main document's helpers."""
    rec = {"$ref": "#/components/schemas/EnterpriseRecord"}
    upsert_body = {"oneOf": [
        rec, {"type": "array", "items": rec, "minItems": 1, "maxItems": 5000},
        {"type": "object", "required": ["enterprises"], "properties": {
            "enterprises": {"type": "array", "items": rec, "minItems": 1, "maxItems": 5000}}}]}
    return {
        "/v1/admin/registry/enterprises": {"put": {
            "summary": "Insert or replace enterprise records, all or none (admin)",
            "operationId": "registryUpsert", "security": secured,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": upsert_body}}},
            "responses": {"200": json("RegistryUpsert", "Counts; every instance refreshes"),
                          **problems(400, 401, 403, 413, 422)}}},
        "/v1/admin/registry/enterprises/{uscc}": {"get": {
            "summary": "One enterprise by USCC or 15-digit 注册号 (admin, reviewer, auditor)",
            "operationId": "registryGet", "security": secured,
            "parameters": [{"name": "uscc", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
            "responses": {"200": json("EnterpriseRecord", "The record"),
                          **problems(401, 403, 404)}}},
        "/v1/admin/registry/search": {"get": {
            "summary": "Enterprises by name (admin, reviewer, auditor)",
            "operationId": "registrySearch", "security": secured,
            "parameters": [
                {"name": "name", "in": "query", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 300}},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}}],
            "responses": {"200": json("RegistrySearch", "Scored hits, best first"),
                          **problems(401, 403, 422)}}},
    }
