"""The admin webhook endpoints' operations, declared for `verifier.api.openapi_build`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from verifier.api.openapi_build import Operation, Reply
from verifier.review.webhooks.deliveries import DeliveryStatus
from verifier.review.webhooks.outbox import EventType


class WebhookDelivery(BaseModel):
    """One outbox event and where its delivery stands."""

    event_id: str
    portal: str
    type: EventType
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None


class WebhookDeliveryPage(BaseModel):
    """A page of events, newest first, with counts by status."""

    items: list[WebhookDelivery]
    counts: dict[str, int]
    next_cursor: str | None


class DeadLetterQuery(BaseModel):
    """Filters of the dead-letter list (the handlers read their query as these models;
    unknown parameters are ignored)."""

    portal: Annotated[str | None, Field(
        max_length=64, description="only this portal's events (empty: every portal's)")] = None
    type: Annotated[EventType | None, Field(description="event type")] = None
    limit: Annotated[int, Field(ge=1, le=500, description="page size")] = 50
    cursor: Annotated[int | None, Field(ge=1, le=2**62,
                                        description="next_cursor of the previous page")] = None


class DeliveryQuery(DeadLetterQuery):
    """Filters of the delivery list."""

    status: Annotated[DeliveryStatus | None, Field(description="delivery state")] = None


class PortalQuery(BaseModel):
    """Which portal's dead letters."""

    portal: Annotated[str | None, Field(
        max_length=64, description="only this portal's events (empty: every portal's)")] = None


class EventPath(BaseModel):
    """The event of `/v1/admin/webhooks/deliveries/{event_id}`."""

    event_id: str


OPERATIONS: list[Operation] = [
    Operation("GET", "/v1/admin/webhooks/deliveries", "webhookDeliveries",
              "Webhook events and their delivery state (admin)",
              {200: Reply("Newest first, counts by status", WebhookDeliveryPage)},
              (401, 403, 422), params=DeliveryQuery),
    Operation("GET", "/v1/admin/webhooks/deliveries/{event_id}", "webhookDelivery",
              "One webhook event: body and every attempt (admin)",
              {200: Reply("The event, its body and attempts")}, (401, 403, 404),
              params=EventPath),
    Operation("POST", "/v1/admin/webhooks/deliveries/{event_id}/redeliver", "webhookRedeliver",
              "Send one event again, same id and body (admin)",
              {200: Reply("Queued again")}, (401, 403, 404), params=EventPath),
    Operation("GET", "/v1/admin/webhooks/dead-letters", "webhookDeadLetters",
              "Webhook events that used up their tries (admin)",
              {200: Reply("Dead letters, newest first", WebhookDeliveryPage)},
              (401, 403, 422), params=DeadLetterQuery),
    Operation("POST", "/v1/admin/webhooks/dead-letters/redeliver", "webhookRedeliverDead",
              "Send every dead letter again (admin)",
              {200: Reply("How many were queued again")}, (401, 403, 422), params=PortalQuery),
    Operation("GET", "/v1/admin/webhooks/endpoints", "webhookEndpoints",
              "Portals' webhook endpoints, without secrets (admin)",
              {200: Reply("portal, url, enabled, secret hint")}, (401, 403)),
]
