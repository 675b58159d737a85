"""The review queue's operations (`/v1/review/*`, the notice), declared for
`verifier.api.openapi_build`: bodies, queries and answers are the models the handlers parse
and return; the filters of the item list are the queue's own `ItemFilter`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from verifier.api.openapi_build import Operation, Reply
from verifier.review.notice import Notice
from verifier.review.reads import decode_cursor
from verifier.review.schemas import (
    BulkResolveRequest,
    BulkResult,
    ClaimRequest,
    ClaimResult,
    ItemDetail,
    ItemFilter,
    ItemPage,
    LeaseRequest,
    NoteRequest,
    ResolveRequest,
    ReviewError,
    ReviewEvent,
    ReviewItem,
)
from verifier.review.stats import ReviewStats

LEASE_PROBLEMS = (400, 401, 403, 404, 409, 415, 422)


class ItemPath(BaseModel):
    """The item of `/v1/review/items/{id}`."""

    id: Annotated[str, Field(min_length=1, max_length=36)]


def _ours(cursor: str) -> str:
    """`cursor` when this service gave it out (empty: none)."""
    try:
        if cursor:
            decode_cursor(cursor)
    except ReviewError:
        raise PydanticCustomError("value_error", "not a cursor this service gave out") from None
    return cursor


def _iso(value: Any) -> Any:
    """A string read as ISO 8601 by `datetime.fromisoformat` (pydantic's own parser would
    read `20240101` as seconds since 1970); anything else as it is."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("datetime_parsing",
                                  "must be an ISO 8601 date or time") from None


class ItemsQuery(ItemFilter):
    """Query of `GET /v1/review/items` (the handler reads it as this model; an unknown
    parameter is refused): the filters, and the page."""

    cursor: Annotated[str | None, Field(
        pattern=r"^[A-Za-z0-9_-]*$",
        description="next_cursor of the previous page (a cursor this service gave out; "
                    "empty: the first page)"), AfterValidator(_ours)] = None
    limit: Annotated[int, Field(ge=1, le=500, description="page size")] = 50


class StatsQuery(BaseModel):
    """Query of `GET /v1/review/stats` (the handler reads it as this model)."""

    since: Annotated[datetime | None, BeforeValidator(_iso), Field(
        description="resolutions from this time on (RFC 3339; an ISO 8601 date or a time "
                    "without offset, read as UTC, is taken too; default: 30 days back)")] = None


class NoticeParams(BaseModel):
    """Parameters of `GET /v1/postings/{posting_id}/notice`."""

    posting_id: Annotated[str, Field(min_length=1, max_length=128)]
    portal: Annotated[str | None, Field(
        max_length=64, description="auditors and reviewers: whose posting (needed only when "
                                   "several portals use the posting id)")] = None


def _item(action: str, op: str, summary: str, reply: Reply, body: type[BaseModel] | None,
          *, status: int = 200, body_required: bool = True,
          problems: tuple[int, ...] = LEASE_PROBLEMS) -> Operation:
    return Operation("POST", f"/v1/review/items/{{id}}/{action}", op, summary, {status: reply},
                     problems, params=ItemPath, body=body, body_required=body_required)


OPERATIONS: list[Operation] = [
    Operation("GET", "/v1/review/items", "reviewItems",
              "Review items, filtered, in claim order, with counts (reviewer)",
              {200: Reply("A page of items", ItemPage)}, (401, 403, 422), params=ItemsQuery),
    Operation("GET", "/v1/review/items/{id}", "reviewItem",
              "One item: decision, posting, events, notes, diff, earlier versions",
              {200: Reply("The item", ItemDetail)}, (401, 403, 404, 422), params=ItemPath),
    Operation("POST", "/v1/review/claim", "reviewClaimNext",
              "Claim the next item by priority (a lease; 204 when none is left)",
              {200: Reply("The item and its lease", ClaimResult),
               204: Reply("No item matches")}, (400, 401, 403, 415, 422),
              body=ClaimRequest, body_required=False),
    _item("claim", "reviewClaim", "Claim this item", Reply("Leased", ClaimResult),
          LeaseRequest, body_required=False),
    _item("renew", "reviewRenew", "Extend your lease", Reply("Renewed", ClaimResult),
          LeaseRequest, body_required=False),
    _item("release", "reviewRelease", "Give the item back unresolved",
          Reply("Released", ReviewItem), None, problems=(401, 403, 404, 409, 422)),
    _item("resolve", "reviewResolve", "Approve or reject the item you hold a live lease on",
          Reply("Resolved; logged in the decision chain", ReviewItem), ResolveRequest),
    _item("notes", "reviewNote", "Add a note", Reply("The note", ReviewEvent), NoteRequest,
          status=201),
    Operation("POST", "/v1/review/resolve", "reviewBulkResolve",
              "Resolve many items with one outcome and a bulk reason (admin)",
              {200: Reply("Per id: resolved or why not", BulkResult)},
              (400, 401, 403, 415, 422), body=BulkResolveRequest),
    Operation("GET", "/v1/review/stats", "reviewStats",
              "Queue depth, ages, overdue, handling, throughput, overturn rates, spot checks "
              "(reviewer, auditor)",
              {200: Reply("The figures", ReviewStats)}, (401, 403, 422), params=StatsQuery),
    Operation("GET", "/v1/postings/{posting_id}/notice", "getNotice",
              "Rectification notice (Chinese) of a refused posting",
              {200: Reply("The notice", Notice)}, (401, 403, 404, 409, 422),
              params=NoticeParams),
    Operation("GET", "/v1/review/reasons", "reviewReasons",
              "Reason codes in force (Chinese labels, allowed outcomes)",
              {200: Reply("reasons")}, (401, 403)),
]
