"""Console sign-in state: the session cookie, the CSRF check on every form."""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from verifier.console import sessions
from verifier.console.sessions import Session
from verifier.models import Role
from verifier.resources import Resources

COOKIE = "pv_console"
LOGIN_CSRF = "pv_console_login"
RESOURCES = web.AppKey("console_resources", Resources)
CONSOLE_ROLES = (Role.reviewer, Role.admin)


def behind_tls(request: web.Request) -> bool:
    """Whether the browser reached us over HTTPS (directly or through a TLS proxy)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(request: web.Request, resp: web.StreamResponse, name: str, value: str,
               max_age: int | None = None) -> None:
    """An HttpOnly, SameSite=Strict cookie for /console (Secure behind TLS)."""
    resp.set_cookie(name, value, path="/console", httponly=True, samesite="Strict",
                    secure=behind_tls(request), max_age=max_age)


async def session_of(request: web.Request, resources: Resources) -> Session | None:
    """The signed-in session of this request, or None."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    found = await sessions.find(resources.engine, token)
    if found is None or found.role not in CONSOLE_ROLES:
        return None
    return found


def csrf_ok(expected: str, form: Any) -> bool:
    """Whether the form carries the expected CSRF token."""
    given = form.get("csrf", "")
    return isinstance(given, str) and bool(given) and hmac.compare_digest(given, expected)
