"""OpenAPI 3.1 document generated from the pydantic models, so it cannot drift from the code."""

from __future__ import annotations

import html
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, Field

from verifier import __version__
from verifier.api import openapi_registry, openapi_review, openapi_webhooks
from verifier.api.openapi_build import Operation, Reply, build
from verifier.models import BatchResult, Decision, Posting, PostingBatch, RulesCatalog

VERIFY_PROBLEMS = (400, 401, 403, 413, 415, 422, 503)


class DecisionParams(BaseModel):
    """Parameters of `GET /v1/postings/{posting_id}/decision`."""

    posting_id: Annotated[str, Field(min_length=1, max_length=128)]
    portal: Annotated[str | None, Field(
        description="reviewers, auditors, admins: whose posting (needed only when several "
                    "portals use the posting id)")] = None


OPERATIONS: list[Operation] = [
    Operation("POST", "/v1/postings/verify", "verify", "Decide one posting before publishing it",
              {200: Reply("The decision, committed to the log", Decision)}, VERIFY_PROBLEMS,
              body=Posting),
    Operation("POST", "/v1/postings/verify-batch", "verifyBatch", "Decide up to 500 postings",
              {200: Reply("One decision per posting, in order", BatchResult)}, VERIFY_PROBLEMS,
              body=PostingBatch),
    Operation("GET", "/v1/postings/{posting_id}/decision", "getDecision",
              "Latest decision for one of your postings",
              {200: Reply("The latest decision", Decision)}, (401, 403, 404, 409, 422),
              params=DecisionParams),
    Operation("GET", "/v1/rules", "rules", "The rule catalog in force",
              {200: Reply("Rules, severities, rules_version", RulesCatalog)}, (401,)),
    Operation("POST", "/v1/admin/rules/reload", "reload",
              "Reload the rule pack on every instance (admin)",
              {200: Reply("Reloaded; the new rules_version")}, (401, 403, 422)),
    Operation("GET", "/v1/audit/integrity", "integrity",
              "Recompute the decision log's hash chain (auditor)",
              {200: Reply("ok, rows, first bad row if any")}, (401, 403)),
    Operation("GET", "/healthz", "healthz", "Process is alive", {200: Reply("alive")},
              secured=False),
    Operation("GET", "/readyz", "readyz", "Database reachable and rules loaded",
              {200: Reply("ready"), 503: Reply("not ready")}, secured=False),
    Operation("GET", "/metrics", "metrics", "Prometheus metrics of every worker",
              {200: Reply("Prometheus text format", media="text/plain")}, secured=False),
    Operation("GET", "/", "index", "Where to go from here (links to the docs)",
              {200: Reply("service name and links")}, secured=False),
    Operation("GET", "/openapi.json", "openapi", "This document",
              {200: Reply("OpenAPI 3.1")}, secured=False),
    Operation("GET", "/docs", "docs", "This document as a web page",
              {200: Reply("HTML", media="text/html")}, secured=False),
]


@cache
def spec() -> dict[str, Any]:
    """The whole OpenAPI document: every module's operations through one builder."""
    paths, schemas = build([*OPERATIONS, *openapi_review.OPERATIONS,
                            *openapi_registry.OPERATIONS, *openapi_webhooks.OPERATIONS])
    return {
        "openapi": "3.1.0",
        "info": {"title": "Posting Verifier", "version": __version__,
                 "description": "Decides whether a job posting is authentic before it is "
                                "published: approve, flag for review, or reject, with evidence."},
        "paths": paths,
        "components": {"schemas": schemas,
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
