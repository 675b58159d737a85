"""The outermost middleware: request id, access log, request metrics."""

from __future__ import annotations

import asyncio
import logging
import time

import structlog
from aiohttp import web

from verifier.api.auth import PRINCIPAL
from verifier.api.errors import Handler
from verifier.obs import metrics
from verifier.obs.context import REQUEST_ID, accept_request_id
from verifier.obs.logs import route_structlog_to_stdlib

HEADER = "X-Request-Id"
route_structlog_to_stdlib()
access = structlog.get_logger("verifier.access")
_access_std = logging.getLogger("verifier.access")
"""The standard logger behind `access`: its level decides whether a request is logged."""


def route_of(request: web.Request) -> str:
    """The matched route's pattern (`/v1/postings/{posting_id}/decision`), never the raw
    path, so metric labels stay few; `unmatched` when no route matched."""
    info = request.match_info
    if info.http_exception is not None:
        return "unmatched"
    resource = info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id (echoed in `X-Request-Id`), count and time it, log it."""
    rid = accept_request_id(request.headers.get(HEADER))
    token = REQUEST_ID.set(rid)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[HEADER] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers[HEADER] = rid
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away
        raise
    finally:
        took = time.perf_counter() - started
        route = route_of(request)
        metrics.observe_request(request.method, route, status, took)
        if _access_std.isEnabledFor(logging.INFO):
            who = request.get(PRINCIPAL)
            access.info(
                "request", method=request.method, path=request.path, route=route,
                status=status, duration_ms=round(took * 1000, 3), remote=request.remote,
                caller=who.name if who else None,
            )
        REQUEST_ID.reset(token)
