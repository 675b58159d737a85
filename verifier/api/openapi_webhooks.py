"""OpenAPI paths of the admin webhook endpoints (merged into `verifier.api.openapi.spec`)."""

from __future__ import annotations

from typing import Any

_TYPE: dict[str, Any] = {
    "type": "string", "enum": ["decision.created", "decision.superseded", "review.resolved"]}
_STATUS: dict[str, Any] = {"type": "string", "enum": ["pending", "delivered", "dead"]}
_DELIVERY: dict[str, Any] = {"type": "object", "properties": {
    "event_id": {"type": "string"}, "portal": {"type": "string"},
    "type": _TYPE, "status": _STATUS,
    "attempts": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "delivered_at": {"type": ["string", "null"], "format": "date-time"},
    "last_status": {"type": ["integer", "null"]}, "last_error": {"type": ["string", "null"]}}}
_PAGE = {"type": "object", "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}},
    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    "next_cursor": {"type": ["string", "null"]}}}
SCHEMAS: dict[str, Any] = {"WebhookDelivery": _DELIVERY, "WebhookDeliveryPage": _PAGE}


def _q(name: str, desc: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": desc,
            "schema": schema}


def paths(secured: list[dict[str, list[str]]], problems: Any, json: Any) -> dict[str, Any]:
    """The path items, built with the main document's helpers."""
    filters = [
        _q("portal", "only this portal's events", {"type": "string", "maxLength": 64}),
        _q("type", "event type", _TYPE),
        _q("limit", "page size", {"type": "integer", "minimum": 1, "maximum": 500}),
        _q("cursor", "next_cursor of the previous page", {"type": "string"})]
    eid = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/v1/admin/webhooks/deliveries": {"get": {
            "summary": "Webhook events and their delivery state (admin)",
            "operationId": "webhookDeliveries", "security": secured,
            "parameters": [*filters, _q("status", "delivery state",
                                        _STATUS)],
            "responses": {"200": json("WebhookDeliveryPage", "Newest first, counts by status"),
                          **problems(401, 403, 422)}}},
        "/v1/admin/webhooks/deliveries/{event_id}": {"get": {
            "summary": "One webhook event: body and every attempt (admin)",
            "operationId": "webhookDelivery", "security": secured, "parameters": [eid],
            "responses": {"200": {"description": "The event, its body and attempts"},
                          **problems(401, 403, 404)}}},
        "/v1/admin/webhooks/deliveries/{event_id}/redeliver": {"post": {
            "summary": "Send one event again, same id and body (admin)",
            "operationId": "webhookRedeliver", "security": secured, "parameters": [eid],
            "responses": {"200": {"description": "Queued again"},
                          **problems(401, 403, 404)}}},
        "/v1/admin/webhooks/dead-letters": {"get": {
            "summary": "Webhook events that used up their tries (admin)",
            "operationId": "webhookDeadLetters", "security": secured, "parameters": filters,
            "responses": {"200": json("WebhookDeliveryPage", "Dead letters, newest first"),
                          **problems(401, 403, 422)}}},
        "/v1/admin/webhooks/dead-letters/redeliver": {"post": {
            "summary": "Send every dead letter again (admin)",
            "operationId": "webhookRedeliverDead", "security": secured,
            "parameters": [filters[0]],
            "responses": {"200": {"description": "How many were queued again"},
                          **problems(401, 403)}}},
        "/v1/admin/webhooks/endpoints": {"get": {
            "summary": "Portals' webhook endpoints, without secrets (admin)",
            "operationId": "webhookEndpoints", "security": secured,
            "responses": {"200": {"description": "portal, url, enabled, secret hint"},
                          **problems(401, 403)}}},
    }
