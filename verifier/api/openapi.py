"""OpenAPI 3.1 document generated from the pydantic models, so it cannot drift from the code."""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from verifier import __version__
from verifier.api import openapi_registry, openapi_review, openapi_webhooks
from verifier.models import BatchResult, Decision, Posting, PostingBatch, Problem, RulesCatalog

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problems(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed JSON", 401: "Missing or invalid API key", 403: "Wrong role",
            404: "Not found",
            409: "Conflict: the item's state or lease, or a posting id several portals use",
            413: "Body too large", 415: "Not JSON",
            422: "Invalid fields (each named in `errors`)", 503: "Decision log unavailable"}
    return {str(c): {"description": text[c], "content": {
        "application/problem+json": {"schema": _ref("Problem")}}} for c in codes}


def _json(name: str, desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": _ref(name)}}}


@cache
def spec() -> dict[str, Any]:
    """The whole OpenAPI document."""
    _, schemas = models_json_schema(
        [(Posting, "validation"), (PostingBatch, "validation"), (Decision, "serialization"),
         (BatchResult, "serialization"), (RulesCatalog, "serialization"),
         (Problem, "serialization"), *openapi_review.MODELS],
        ref_template=REF,
    )
    secured: list[dict[str, list[str]]] = [{"bearer": []}]

    def body(name: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}

    paths: dict[str, Any] = {
        "/v1/postings/verify": {"post": {
            "summary": "Decide one posting before publishing it", "operationId": "verify",
            "security": secured, "requestBody": body("Posting"),
            "responses": {"200": _json("Decision", "The decision, committed to the log"),
                          **_problems(400, 401, 403, 413, 415, 422, 503)}}},
        "/v1/postings/verify-batch": {"post": {
            "summary": "Decide up to 500 postings", "operationId": "verifyBatch",
            "security": secured, "requestBody": body("PostingBatch"),
            "responses": {"200": _json("BatchResult", "One decision per posting, in order"),
                          **_problems(400, 401, 403, 413, 415, 422, 503)}}},
        "/v1/postings/{posting_id}/decision": {"get": {
            "summary": "Latest decision for one of your postings", "operationId": "getDecision",
            "security": secured,
            "parameters": [
                {"name": "posting_id", "in": "path", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 128}},
                {"name": "portal", "in": "query", "required": False,
                 "description": "reviewers, auditors, admins: whose posting (needed only "
                                "when several portals use the posting id)",
                 "schema": {"type": "string"}}],
            "responses": {"200": _json("Decision", "The latest decision"),
                          **_problems(401, 403, 404, 409, 422)}}},
        "/v1/rules": {"get": {
            "summary": "The rule catalog in force", "operationId": "rules", "security": secured,
            "responses": {"200": _json("RulesCatalog", "Rules, severities, rules_version"),
                          **_problems(401)}}},
        "/v1/admin/rules/reload": {"post": {
            "summary": "Reload the rule pack on every instance (admin)", "operationId": "reload",
            "security": secured,
            "responses": {"200": {"description": "Reloaded; the new rules_version"},
                          **_problems(401, 403, 422)}}},
        "/v1/audit/integrity": {"get": {
            "summary": "Recompute the decision log's hash chain (auditor)",
            "operationId": "integrity", "security": secured,
            "responses": {"200": {"description": "ok, rows, first bad row if any"},
                          **_problems(401, 403)}}},
        "/healthz": {"get": {"summary": "Process is alive", "operationId": "healthz",
                             "responses": {"200": {"description": "alive"}}}},
        "/readyz": {"get": {"summary": "Database reachable and rules loaded",
                            "operationId": "readyz",
                            "responses": {"200": {"description": "ready"},
                                          "503": {"description": "not ready"}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics of every worker",
                             "operationId": "metrics",
                             "responses": {"200": {"description": "Prometheus text format",
                                                   "content": {"text/plain": {
                                                       "schema": {"type": "string"}}}}}}},
    }
    paths.update(openapi_webhooks.paths(secured, _problems, _json))
    schemas["$defs"].update(openapi_webhooks.SCHEMAS)
    paths.update(openapi_review.paths(_ref, _json, _problems, body))
    paths.update(openapi_registry.paths(secured, _problems, _json))
    schemas["$defs"].update(openapi_registry.schemas())
    paths["/"] = {"get": {"summary": "Where to go from here (links to the docs)",
                          "operationId": "index",
                          "responses": {"200": {"description": "service name and links"}}}}
    paths["/openapi.json"] = {"get": {"summary": "This document", "operationId": "openapi",
                                      "responses": {"200": {"description": "OpenAPI 3.1"}}}}
    paths["/docs"] = {"get": {"summary": "This document as a web page", "operationId": "docs",
                              "responses": {"200": {"description": "HTML",
                                                    "content": {"text/html": {}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Posting Verifier", "version": __version__,
                 "description": "Decides whether a job posting is authentic before it is "
                                "published: approve, flag for review, or reject, with evidence."},
        "paths": paths,
        "components": {"schemas": schemas["$defs"],
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def docs_page(doc: dict[str, Any] | None = None) -> str:
    """A self-contained HTML page listing the API (no external scripts: works offline)."""
    doc = doc or spec()
    rows = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = ", ".join(op["responses"])
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>"
                        f"{html.escape(path)}</code></td><td>{html.escape(op['summary'])}</td>"
                        f"<td>{codes}</td></tr>")
    schemas = "".join(
        f"<h3 id='{n}'>{n}</h3><pre>{html.escape(_schema_text(s))}</pre>"
        for n, s in doc["components"]["schemas"].items())
    return (
        "<!doctype html><html lang='zh'><meta charset='utf-8'><title>Posting Verifier API</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "td{padding:.2rem .6rem;border-bottom:1px solid #ddd}pre{background:#f6f6f6;"
        "padding:.5rem;overflow:auto}</style><h1>Posting Verifier API</h1>"
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3.1). "
        "Authenticate with <code>Authorization: Bearer &lt;key&gt;</code>. Errors are "
        "<code>application/problem+json</code>.</p><table>"
        "<tr><th>method</th><th>path</th><th>what</th><th>responses</th></tr>"
        + "".join(rows) + "</table><h2>Schemas</h2>" + schemas + "</html>"
    )


def _schema_text(schema: dict[str, Any]) -> str:
    import json

    return json.dumps(schema, ensure_ascii=False, indent=2)
