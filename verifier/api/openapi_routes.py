"""The OpenAPI document of an application: exactly its registered routes.

Every route the app serves must have an operation in `verifier.api.openapi.spec`; one that
has none raises `UndocumentedRoute` (so `/openapi.json`, `/docs`, `verifier openapi` and the
tests fail), and operations without a route are left out.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aiohttp import web

from verifier.api.openapi import spec


class UndocumentedRoute(RuntimeError):
    """A registered route has no OpenAPI operation."""


def route_keys(app: web.Application) -> frozenset[tuple[str, str]]:
    """(METHOD, path template) of every API route (HEAD, OPTIONS and the reviewer console's
    HTML pages under /console left out)."""
    out = set()
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS") or route.resource is None:
            continue
        if route.resource.canonical.startswith("/console"):
            continue
        out.add((route.method, route.resource.canonical))
    return frozenset(out)


@lru_cache(maxsize=8)
def spec_for_routes(keys: frozenset[tuple[str, str]]) -> dict[str, Any]:
    """The document restricted to `keys`; raises if one of them is undocumented."""
    doc = spec()
    missing = sorted(k for k in keys
                     if k[0].lower() not in doc["paths"].get(k[1], {}))
    if missing:
        raise UndocumentedRoute("routes without an OpenAPI operation: " +
                                ", ".join(f"{m} {p}" for m, p in missing))
    paths: dict[str, Any] = {}
    for method, path in sorted(keys, key=lambda k: (k[1], k[0])):
        paths.setdefault(path, {})[method.lower()] = doc["paths"][path][method.lower()]
    return {**doc, "paths": paths}


def spec_for(app: web.Application) -> dict[str, Any]:
    """The OpenAPI document of `app`'s routes."""
    return spec_for_routes(route_keys(app))
