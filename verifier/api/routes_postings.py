"""Portal endpoints: verify one posting, a batch, and read back the latest decision."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.api.auth import require_role
from verifier.api.errors import ApiError, validation_error
from verifier.api.limits import check_json_shape
from verifier.api.state import RESOURCES, REVIEW, SETTINGS, VERIFIER
from verifier.models import BatchResult, Decision, FieldError, Posting, PostingBatch, Role
from verifier.store.tables import decisions

routes = web.RouteTableDef()
M = TypeVar("M", bound=BaseModel)


async def _parse(request: web.Request, model: type[M]) -> M:
    """The request body as `model`: 415 unless JSON, 400 if empty or malformed, 422 naming
    each bad field."""
    if request.content_type not in ("application/json", "application/octet-stream", ""):
        raise ApiError(415, "Unsupported Media Type", "Send the body as application/json.")
    body = await request.read()
    if not body:
        raise ApiError(400, "Malformed JSON", "The request body is empty.")
    s = request.app[SETTINGS]
    check_json_shape(body, s.max_json_depth, s.max_json_keys, s.max_json_values)
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise validation_error(exc) from None


def _json(model: Decision | BatchResult, status: int = 200) -> web.Response:
    # The serializer's UTF-8 bytes as they are: `model_dump_json()` is the same bytes decoded
    # to text, which `.encode()` then encoded back (a mostly-CJK document per decision).
    body = model.__pydantic_serializer__.to_json(model)
    return web.Response(status=status, body=body, content_type="application/json")


@routes.post("/v1/postings/verify")
async def verify(request: web.Request) -> web.Response:
    """Decide one posting before it is published."""
    who = require_role(request, Role.portal)
    posting = await _parse(request, Posting)
    decision = await request.app[VERIFIER].verify(who.name, posting)
    return _json(decision)


@routes.post("/v1/postings/verify-batch")
async def verify_batch(request: web.Request) -> web.Response:
    """Decide up to `max_batch` postings in one call; decisions come back in order."""
    who = require_role(request, Role.portal)
    batch = await _parse(request, PostingBatch)
    limit = request.app[SETTINGS].max_batch
    if len(batch.postings) > limit:
        raise ApiError(422, "Invalid request", f"A batch holds at most {limit} postings.")
    seen: set[str] = set()
    for i, pid in enumerate(p.posting_id for p in batch.postings):
        if pid in seen:
            raise ApiError(422, "Invalid request",
                           f"posting_id {pid!r} appears twice in the batch.",
                           [FieldError(field=f"postings.{i}.posting_id",
                                       message="appears earlier in the batch",
                                       type="duplicate")])
        seen.add(pid)
    out = await request.app[VERIFIER].verify_many(who.name, list(batch.postings))
    return _json(BatchResult(decisions=out))


async def only_portal(engine: AsyncEngine, posting_id: str) -> str:
    """The one portal with a decision for `posting_id` ('' if none; 409 if several)."""
    async with engine.connect() as conn:
        portals = (await conn.execute(
            select(decisions.c.portal).where(decisions.c.posting_id == posting_id)
            .distinct().order_by(decisions.c.portal).limit(6))).scalars().all()
    if len(portals) > 1:
        raise ApiError(409, "Ambiguous posting id",
                       f"Portals {', '.join(portals[:5])} each have a posting {posting_id!r}: "
                       "give ?portal=<name>.")
    return portals[0] if portals else ""


@routes.get("/v1/postings/{posting_id}/decision")
async def latest_decision(request: web.Request) -> web.Response:
    """The latest decision for one of the caller's postings; reviewers, auditors and admins
    read any portal's (`?portal=`, needed only when several portals use the posting id)."""
    who = require_role(request, Role.portal, Role.auditor, Role.reviewer)
    posting_id = request.match_info["posting_id"]
    portal = who.name
    if who.role is Role.portal:
        if "portal" in request.query and request.query["portal"] != who.name:
            raise ApiError(403, "Forbidden", "A portal key can read only its own decisions.")
    if not 1 <= len(posting_id) <= 128:
        raise ApiError(422, "Invalid request", "posting_id must be 1-128 characters.")
    if who.role is not Role.portal:
        engine = request.app[RESOURCES].engine
        portal = request.query.get("portal") or await only_portal(engine, posting_id)
    decision = await request.app[REVIEW].decision(portal, posting_id)
    if decision is None:
        raise ApiError(404, "Not Found", f"No decision for posting {posting_id!r} of this portal.")
    return _json(decision)
