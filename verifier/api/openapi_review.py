"""The review queue's part of the OpenAPI document (`/v1/review/*`, the notice)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from verifier.review.notice import Notice
from verifier.review.schemas import (
    BulkResolveRequest,
    BulkResult,
    ClaimRequest,
    ClaimResult,
    ItemDetail,
    ItemPage,
    LeaseRequest,
    NoteRequest,
    ResolveRequest,
    ReviewEvent,
    ReviewItem,
)
from verifier.review.stats import ReviewStats

Mode = Literal["validation", "serialization"]
MODELS: list[tuple[type[BaseModel], Mode]] = [
    (ClaimRequest, "validation"), (LeaseRequest, "validation"),
    (ResolveRequest, "validation"), (BulkResolveRequest, "validation"),
    (NoteRequest, "validation"), (ItemPage, "serialization"), (ItemDetail, "serialization"),
    (ClaimResult, "serialization"), (ReviewItem, "serialization"),
    (ReviewEvent, "serialization"), (BulkResult, "serialization"),
    (ReviewStats, "serialization"), (Notice, "serialization"),
]
_FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("status", {"enum": ["pending", "claimed", "approved", "rejected", "superseded"]}),
    ("kind", {"enum": ["flag", "sample"]}),
    ("portal", {"maxLength": 64}),
    ("rule", {"description": "a rule id or a prefix of one (e.g. `keywords`)"}),
    ("campaign", {"maxLength": 64}),
    ("overdue", {"type": "boolean"}),
    ("uscc", {"pattern": "^[0-9A-Z]{18}$", "description": "employer USCC"}),
    ("cursor", {"description": "next_cursor of the previous page"}),
    ("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
]


def paths(ref: Any, json: Any, problems: Any, body: Any) -> dict[str, Any]:
    """Path items of the review routes, built with openapi.py's helpers."""
    sec: list[dict[str, list[str]]] = [{"bearer": []}]
    item_param = [{"name": "id", "in": "path", "required": True,
                   "schema": {"type": "string", "maxLength": 36}}]

    def post(summary: str, op: str, req: str | None, resp: str, desc: str,
             *codes: int, optional: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"summary": summary, "operationId": op, "security": sec,
                               "parameters": item_param,
                               "responses": {"200": json(resp, desc), **problems(*codes)}}
        if req is not None:
            rb = body(req)
            rb["required"] = not optional
            out["requestBody"] = rb
        return {"post": out}

    lease_codes = (400, 401, 403, 404, 409, 415, 422)
    return {
        "/v1/review/items": {"get": {
            "summary": "Review items, filtered, in claim order, with counts (reviewer)",
            "operationId": "reviewItems", "security": sec,
            "parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": "string", **s}} for n, s in _FILTERS],
            "responses": {"200": json("ItemPage", "A page of items"),
                          **problems(401, 403, 422)}}},
        "/v1/review/items/{id}": {"get": {
            "summary": "One item: decision, posting, events, notes, diff, earlier versions",
            "operationId": "reviewItem", "security": sec, "parameters": item_param,
            "responses": {"200": json("ItemDetail", "The item"),
                          **problems(401, 403, 404, 422)}}},
        "/v1/review/claim": {"post": {
            "summary": "Claim the next item by priority (a lease; 204 when none is left)",
            "operationId": "reviewClaimNext", "security": sec,
            "requestBody": {**body("ClaimRequest"), "required": False},
            "responses": {"200": json("ClaimResult", "The item and its lease"),
                          "204": {"description": "No item matches"},
                          **problems(400, 401, 403, 415, 422)}}},
        "/v1/review/items/{id}/claim": post(
            "Claim this item", "reviewClaim", "LeaseRequest", "ClaimResult", "Leased",
            *lease_codes, optional=True),
        "/v1/review/items/{id}/renew": post(
            "Extend your lease", "reviewRenew", "LeaseRequest", "ClaimResult", "Renewed",
            *lease_codes, optional=True),
        "/v1/review/items/{id}/release": post(
            "Give the item back unresolved", "reviewRelease", None, "ReviewItem",
            "Released", 401, 403, 404, 409, 422),
        "/v1/review/items/{id}/resolve": post(
            "Approve or reject the item you hold a live lease on", "reviewResolve",
            "ResolveRequest", "ReviewItem", "Resolved; logged in the decision chain",
            *lease_codes),
        "/v1/review/items/{id}/notes": {"post": {
            **post("Add a note", "reviewNote", "NoteRequest", "ReviewEvent", "",
                   *lease_codes)["post"],
            "responses": {"201": json("ReviewEvent", "The note"), **problems(*lease_codes)}}},
        "/v1/review/resolve": {"post": {
            "summary": "Resolve many items with one outcome and a bulk reason (admin)",
            "operationId": "reviewBulkResolve", "security": sec,
            "requestBody": body("BulkResolveRequest"),
            "responses": {"200": json("BulkResult", "Per id: resolved or why not"),
                          **problems(400, 401, 403, 415, 422)}}},
        "/v1/review/stats": {"get": {
            "summary": "Queue depth, ages, overdue, handling, throughput, overturn rates, "
                       "spot checks (reviewer, auditor)",
            "operationId": "reviewStats", "security": sec,
            "parameters": [{"name": "since", "in": "query", "required": False,
                            "description": "resolutions from this ISO 8601 time on "
                                           "(default: 30 days back)",
                            "schema": {"type": "string"}}],
            "responses": {"200": json("ReviewStats", "The figures"),
                          **problems(401, 403, 422)}}},
        "/v1/postings/{posting_id}/notice": {"get": {
            "summary": "Rectification notice (Chinese) of a refused posting",
            "operationId": "getNotice", "security": sec,
            "parameters": [
                {"name": "posting_id", "in": "path", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 128}},
                {"name": "portal", "in": "query", "required": False,
                 "description": "auditors and reviewers: whose posting",
                 "schema": {"type": "string"}}],
            "responses": {"200": json("Notice", "The notice"),
                          **problems(401, 403, 404, 422)}}},
        "/v1/review/reasons": {"get": {
            "summary": "Reason codes in force (Chinese labels, allowed outcomes)",
            "operationId": "reviewReasons", "security": sec,
            "responses": {"200": {"description": "reasons"}, **problems(401, 403)}}},
    }
