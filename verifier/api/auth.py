"""Bearer API keys → principal (name, role); role checks for handlers."""

from __future__ import annotations

from aiohttp import web

from verifier.api.errors import ApiError, Handler
from verifier.api.state import KEYS
from verifier.models import Role
from verifier.store.keys import Principal

PRINCIPAL = web.RequestKey("principal", Principal)
PUBLIC = ("/healthz", "/readyz", "/openapi.json", "/docs", "/console", "/metrics")


def principal(request: web.Request) -> Principal:
    """The authenticated caller."""
    p: Principal | None = request.get(PRINCIPAL)
    if p is None:
        raise ApiError(401, "Unauthorized", "Missing API key.")
    return p


def require_role(request: web.Request, *roles: Role) -> Principal:
    """The caller, if it has one of `roles` (admin always may); 403 otherwise."""
    p = principal(request)
    if p.role not in roles and p.role is not Role.admin:
        allowed = ", ".join(r.value for r in roles)
        raise ApiError(403, "Forbidden", f"This needs role {allowed}; the key has {p.role.value}.")
    return p


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate `Authorization: Bearer <key>` on every /v1 path.

    Routing comes first: a path no route matches (404) or a method it does not allow (405)
    is answered as such even without a key, so a typo does not look like a key problem.
    """
    if request.path == "/" or request.path.startswith(PUBLIC):
        return await handler(request)
    if request.match_info.http_exception is not None:
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "Unauthorized",
                       "Send the API key as 'Authorization: Bearer <key>'.")
    found = await request.app[KEYS].lookup(key.strip())
    if found is None:
        raise ApiError(401, "Unauthorized", "The API key is not valid or was revoked.")
    request[PRINCIPAL] = found
    return await handler(request)
