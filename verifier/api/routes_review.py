"""Reviewer endpoints (`/v1/review/*`): list, claim, renew, release, resolve, notes, bulk
resolve, stats; thin over `verifier.review.service.ReviewService`. `setup` also runs the
lease sweeper (`verifier.review.sweeper`) while the app serves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from verifier.api.auth import require_role
from verifier.api.errors import ApiError, validation_error
from verifier.api.openapi_review import ItemsQuery, StatsQuery
from verifier.api.params import query
from verifier.api.routes_postings import only_portal
from verifier.api.state import RESOURCES, REVIEW, SETTINGS
from verifier.models import FieldError, Role
from verifier.review.schemas import (
    BulkResolveRequest,
    ClaimRequest,
    LeaseRequest,
    NoteRequest,
    ResolveRequest,
    ReviewError,
)
from verifier.review.service import ReviewService
from verifier.review.sweeper import LeaseSweeper
from verifier.store.keys import Principal

routes = web.RouteTableDef()
SWEEPER = web.AppKey("lease_sweeper", LeaseSweeper)
M = TypeVar("M", bound=BaseModel)
ITEM = "/v1/review/items/{id}"


def setup(app: web.Application) -> None:
    """Register the review routes; sweep run-out leases while the app serves."""
    app.add_routes(routes)
    app.on_startup.append(_start_sweeper)
    app.on_shutdown.append(_stop_sweeper)


async def _start_sweeper(app: web.Application) -> None:
    interval = app[SETTINGS].lease_sweep_s
    if interval > 0:
        sweeper = LeaseSweeper(app[REVIEW], interval)
        await sweeper.start()
        app[SWEEPER] = sweeper


async def _stop_sweeper(app: web.Application) -> None:
    if SWEEPER in app:
        await app[SWEEPER].close()


def _svc(request: web.Request) -> ReviewService:
    return request.app[REVIEW]


def api_error(exc: ReviewError) -> ApiError:
    """A queue refusal as a problem response."""
    titles = {404: "Not Found", 409: "Conflict", 422: "Invalid request"}
    errors = [FieldError(field=exc.field, message=exc.detail, type="value_error")] \
        if exc.field else []
    return ApiError(exc.status, titles.get(exc.status, "Error"), exc.detail, errors)


async def body(request: web.Request, model: type[M], *, optional: bool = False) -> M:
    """The JSON body as `model` (an empty body is `{}` when `optional`); 400/415/422 naming
    each bad field."""
    if request.content_type not in ("application/json", "application/octet-stream", ""):
        raise ApiError(415, "Unsupported Media Type", "Send the body as application/json.")
    raw = await request.read()
    if not raw.strip():
        if not optional:
            raise ApiError(400, "Malformed JSON", "The request body is empty.")
        raw = b"{}"
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise validation_error(exc) from None


def item_id(request: web.Request) -> str:
    """The `{id}` of the path; 422 when it cannot be an item id."""
    value = request.match_info["id"]
    if not 1 <= len(value) <= 36 or "\x00" in value:
        raise ApiError(422, "Invalid request", "id must be 1-36 characters, without NUL.",
                       [FieldError(field="id", message="1-36 characters", type="string_type")])
    return value


def ok(model: BaseModel, status: int = 200) -> web.Response:
    """A model as JSON."""
    return web.Response(status=status, body=model.model_dump_json().encode(),
                        content_type="application/json")


@routes.get("/v1/review/items")
async def list_items(request: web.Request) -> web.Response:
    """Filtered items in claim order, a cursor to the next page, and counts."""
    require_role(request, Role.reviewer)
    q = query(request, ItemsQuery)  # the filters are an `ItemFilter`
    try:
        return ok(await _svc(request).items(q, cursor=q.cursor or None, limit=q.limit))
    except ReviewError as exc:
        raise api_error(exc) from None


class NoBody(BaseModel):
    """An action that reads no request body."""


async def _item_action(request: web.Request, model: type[M],
                       act: Callable[[ReviewService, str, str, M], Awaitable[BaseModel]],
                       *, optional: bool = False, status: int = 200) -> web.Response:
    """The shape of every `/v1/review/items/{id}` handler: a reviewer's key, the path id,
    the body as `model` (none read for `NoBody`), then `act(service, reviewer name, item id,
    body)`; its result as JSON, a queue refusal as problem+json."""
    who = require_role(request, Role.reviewer)
    iid = item_id(request)
    req = model.model_construct() if model is NoBody else \
        await body(request, model, optional=optional)
    try:
        return ok(await act(_svc(request), who.name, iid, req), status)
    except ReviewError as exc:
        raise api_error(exc) from None


@routes.get(ITEM)
async def get_item(request: web.Request) -> web.Response:
    """One item: decision, posting, events, notes, diff, earlier versions."""
    return await _item_action(request, NoBody, lambda svc, _who, iid, _: svc.item(iid))


@routes.post("/v1/review/claim")
async def claim_next(request: web.Request) -> web.StreamResponse:
    """Lease the next item by priority (200), or 204 when none matches."""
    who = require_role(request, Role.reviewer)
    req = await body(request, ClaimRequest, optional=True)
    try:
        got = await _svc(request).claim_next(who.name, req)
    except ReviewError as exc:
        raise api_error(exc) from None
    if got is None:
        return web.Response(status=204)
    return ok(got)


@routes.post(ITEM + "/claim")
async def claim(request: web.Request) -> web.Response:
    """Lease this item."""
    return await _item_action(
        request, LeaseRequest, lambda svc, who, iid, req: svc.claim(who, iid, req.lease_minutes),
        optional=True)


@routes.post(ITEM + "/renew")
async def renew(request: web.Request) -> web.Response:
    """Extend the caller's lease."""
    return await _item_action(
        request, LeaseRequest, lambda svc, who, iid, req: svc.renew(who, iid, req.lease_minutes),
        optional=True)


@routes.post(ITEM + "/release")
async def release(request: web.Request) -> web.Response:
    """Give the item back unresolved."""
    return await _item_action(request, NoBody, lambda svc, who, iid, _: svc.release(who, iid))


@routes.post(ITEM + "/resolve")
async def resolve(request: web.Request) -> web.Response:
    """Approve or reject the item the caller holds a live lease on."""
    return await _item_action(request, ResolveRequest,
                              lambda svc, who, iid, req: svc.resolve(who, iid, req))


@routes.post(ITEM + "/notes")
async def add_note(request: web.Request) -> web.Response:
    """Append a note to an item."""
    return await _item_action(
        request, NoteRequest, lambda svc, who, iid, req: svc.add_note(who, iid, req.text),
        status=201)


@routes.post("/v1/review/resolve")
async def bulk_resolve(request: web.Request) -> web.Response:
    """Resolve many items with one outcome and reason (admin only)."""
    who = require_role(request, Role.admin)
    req = await body(request, BulkResolveRequest)
    try:
        return ok(await _svc(request).bulk_resolve(who.name, req))
    except ReviewError as exc:
        raise api_error(exc) from None


@routes.get("/v1/review/reasons")
async def reasons(request: web.Request) -> web.Response:
    """The reason codes in force, with their Chinese labels and allowed outcomes."""
    require_role(request, Role.reviewer)
    pack = _svc(request).pack
    data = [r.model_dump() for r in pack.reasons.values()]
    return web.json_response({"reasons": data}, dumps=_dumps)


def _dumps(obj: Any) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False)


@routes.get("/v1/review/stats")
async def stats(request: web.Request) -> web.Response:
    """Queue depth, ages, overdue, handling, throughput, overturn rates, spot checks."""
    require_role(request, Role.reviewer, Role.auditor)
    since = query(request, StatsQuery).since
    return ok(await _svc(request).stats(None if since is None else in_utc(since)))


def in_utc(when: datetime) -> datetime:
    """`when` in UTC (no offset: read as UTC); a time whose UTC falls outside years 1-9999
    (0001-01-01T00:00+05:00) is the first or last representable one, not an error."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except OverflowError:
        return (datetime.min if when.year == 1 else datetime.max).replace(tzinfo=UTC)


async def portal_of(request: web.Request, who: Principal, posting_id: str) -> str:
    """Whose posting: a portal key's own; others name it with ?portal=, needed only when
    several portals use the posting id (409 then)."""
    if who.role is Role.portal:
        if "portal" in request.query and request.query["portal"] != who.name:
            raise ApiError(403, "Forbidden", "A portal key can read only its own postings.")
        return who.name
    portal = request.query.get("portal", "")
    if len(portal) > 64:
        raise ApiError(422, "Invalid request", "?portal= names a portal (1-64 characters).",
                       [FieldError(field="query.portal", message="at most 64 characters",
                                   type="string_too_long")])
    return portal or await only_portal(request.app[RESOURCES].engine, posting_id)


@routes.get("/v1/postings/{posting_id}/notice")
async def notice(request: web.Request) -> web.Response:
    """The Chinese rectification notice of a refused posting."""
    who = require_role(request, Role.portal, Role.auditor, Role.reviewer)
    posting_id = request.match_info["posting_id"]
    if not 1 <= len(posting_id) <= 128 or "\x00" in posting_id:
        raise ApiError(422, "Invalid request", "posting_id must be 1-128 characters.",
                       [FieldError(field="posting_id", message="1-128 characters",
                                   type="string_type")])
    portal = await portal_of(request, who, posting_id)
    got = await _svc(request).notice(portal, posting_id)
    if got is None:
        raise ApiError(404, "Not Found", f"No refused posting {posting_id!r} of this portal: "
                                         "a notice exists only once the posting is rejected.")
    return ok(got)
