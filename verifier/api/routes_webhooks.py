"""Admin webhook endpoints (deliveries, dead letters, redelivery) and the dispatcher's life.

Each handler reads its query as the model the OpenAPI document describes it with
(`verifier.api.openapi_webhooks`). `setup(app)` adds the routes and starts a `Dispatcher` in
this worker once the app's resources are open (and stops it before they close).
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from verifier.api.auth import require_role
from verifier.api.errors import ApiError
from verifier.api.openapi_webhooks import DeadLetterQuery, DeliveryQuery, PortalQuery
from verifier.api.params import query
from verifier.api.state import RESOURCES, SETTINGS
from verifier.models import Role
from verifier.review.webhooks import deliveries, endpoints
from verifier.review.webhooks.dispatcher import DispatchConfig, Dispatcher
from verifier.settings import Settings

routes = web.RouteTableDef()
DISPATCHER = web.AppKey("webhook_dispatcher", Dispatcher)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


async def _list(request: web.Request, q: DeadLetterQuery, status: str | None) -> web.Response:
    page = await deliveries.list_deliveries(
        request.app[RESOURCES].engine, portal=q.portal or None, status=status,
        event_type=q.type, limit=q.limit, before=q.cursor)
    return _json(page)


@routes.get("/v1/admin/webhooks/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    """Queued, delivered and dead events, newest first, with counts by status."""
    require_role(request, Role.admin)
    q = query(request, DeliveryQuery)
    return await _list(request, q, q.status)


@routes.get("/v1/admin/webhooks/dead-letters")
async def list_dead(request: web.Request) -> web.Response:
    """Events that used up their tries."""
    require_role(request, Role.admin)
    return await _list(request, query(request, DeadLetterQuery), "dead")


@routes.get("/v1/admin/webhooks/deliveries/{event_id}")
async def get_delivery(request: web.Request) -> web.Response:
    """One event: its body and every delivery attempt."""
    require_role(request, Role.admin)
    found = await deliveries.get_delivery(request.app[RESOURCES].engine,
                                          request.match_info["event_id"])
    if found is None:
        raise ApiError(404, "Not Found", "No webhook event with this id.")
    return _json(found)


@routes.post("/v1/admin/webhooks/deliveries/{event_id}/redeliver")
async def redeliver_one(request: web.Request) -> web.Response:
    """Send one event again (same id and body), whatever its status."""
    require_role(request, Role.admin)
    engine = request.app[RESOURCES].engine
    event_id = request.match_info["event_id"]
    if not await deliveries.redeliver(engine, event_id=event_id, dead_only=False):
        raise ApiError(404, "Not Found", "No webhook event with this id.")
    _poke(request.app)
    return _json(await deliveries.get_delivery(engine, event_id))


@routes.post("/v1/admin/webhooks/dead-letters/redeliver")
async def redeliver_dead(request: web.Request) -> web.Response:
    """Send every dead letter again (of one portal with `?portal=`)."""
    require_role(request, Role.admin)
    portal = query(request, PortalQuery).portal or None
    n = await deliveries.redeliver(request.app[RESOURCES].engine, portal=portal)
    _poke(request.app)
    return _json({"redelivered": n})


@routes.get("/v1/admin/webhooks/endpoints")
async def list_endpoints(request: web.Request) -> web.Response:
    """Each portal's endpoint (URL, enabled; never the secret)."""
    require_role(request, Role.admin)
    found = await endpoints.list_all(request.app[RESOURCES].engine)
    return _json({"endpoints": [
        {"portal": e.portal, "url": e.url, "enabled": e.enabled,
         "secret_hint": e.secret_hint, "updated_at": e.updated_at.isoformat()}
        for e in found]})


def _poke(app: web.Application) -> None:
    if DISPATCHER in app:
        app[DISPATCHER].poke()


def dispatch_config(s: Settings) -> DispatchConfig:
    """The dispatcher's configuration from the settings."""
    return DispatchConfig(max_attempts=s.webhook_max_attempts, timeout_s=s.webhook_timeout_s,
                          backoff_s=s.webhook_backoff_s, backoff_max_s=s.webhook_backoff_max_s,
                          lease_s=s.webhook_lease_s, poll_s=s.webhook_poll_s)


async def _start(app: web.Application) -> None:
    if app[SETTINGS].webhooks:
        dispatcher = Dispatcher(app[RESOURCES].engine, dispatch_config(app[SETTINGS]))
        await dispatcher.start()
        app[DISPATCHER] = dispatcher


async def _stop(app: web.Application) -> None:
    if DISPATCHER in app:
        await app[DISPATCHER].close()


def setup(app: web.Application) -> None:
    """Add the routes; run the dispatcher while the app serves."""
    app.add_routes(routes)
    app.on_startup.append(_start)
    app.on_shutdown.append(_stop)
