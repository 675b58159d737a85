"""Console plumbing and sign-in: the page wrapper (session, CSRF, headers), login, logout."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from verifier.console import sessions
from verifier.console.auth import (
    CONSOLE_ROLES,
    COOKIE,
    LOGIN_CSRF,
    csrf_ok,
    session_of,
    set_cookie,
)
from verifier.console.sessions import Session
from verifier.resources import Resources
from verifier.review.service import ReviewService
from verifier.store.keys import find_key

routes = web.RouteTableDef()
SESSION = web.RequestKey("console_session", Session)
FORM = web.RequestKey("console_form", dict)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",  # the one shortcut script, a file: no inline script, no eval
    "style-src 'self'", "img-src 'self' data:", "connect-src 'none'", "object-src 'none'",
    "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"))
"""Only the console's own files load; nothing inline runs, whatever a posting holds."""
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Deps:
    """How the console reaches the running app's resources and review service."""

    resources: Callable[[web.Application], Resources]
    review: Callable[[web.Application], ReviewService]


DEPS = web.AppKey("console_deps", Deps)


def resources(request: web.Request) -> Resources:
    """The app's shared resources."""
    return request.app[DEPS].resources(request.app)


def review(request: web.Request) -> ReviewService:
    """The review service (queue actions and reads)."""
    return request.app[DEPS].review(request.app)


def render(request: web.Request, name: str, ctx: Mapping[str, Any], status: int = 200
           ) -> web.Response:
    """A template rendered with the session in its context, and the console's headers."""
    data = {"session": request.get(SESSION), "path": request.path, **ctx}
    resp = aiohttp_jinja2.render_template(name, request, data, status=status)
    resp.headers.update(HEADERS)
    return resp


def error(request: web.Request, status: int, message: str) -> web.Response:
    """An error page (HTML: this is the console, not the API)."""
    return render(request, "error.html", {"status": status, "message": message}, status)


def page(handler: Handler) -> Handler:
    """Require a signed-in reviewer; on POST, also a valid CSRF token (the form is kept in
    `request[FORM]`)."""

    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        found = await session_of(request, resources(request))
        if found is None:
            raise web.HTTPSeeOther("/console/login?next=" + quote(request.path_qs))
        request[SESSION] = found
        if request.method == "POST":
            form = dict(await request.post())
            if not csrf_ok(found.csrf, form):
                return error(request, 403, "表单已失效（CSRF 校验失败），请刷新页面后重试。")
            request[FORM] = form
        return await handler(request)

    return wrapped


def _safe_next(value: str) -> str:
    ok = value.startswith("/console/") and not value.startswith("//") and "\\" not in value
    return value if ok else "/console/queue"


@routes.get("/console")
async def index(request: web.Request) -> web.StreamResponse:
    """To the queue (or the sign-in page)."""
    raise web.HTTPSeeOther("/console/queue")


@routes.get("/console/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    """The sign-in form."""
    if await session_of(request, resources(request)) is not None:
        raise web.HTTPSeeOther(_safe_next(request.query.get("next", "")))
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", {"csrf": token, "next": request.query.get("next", ""),
                                          "message": None})
    set_cookie(request, resp, LOGIN_CSRF, token, max_age=1800)
    return resp


@routes.post("/console/login")
async def login(request: web.Request) -> web.StreamResponse:
    """Check the key; open a session."""
    form = await request.post()
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not csrf_ok(expected, form):
        return error(request, 403, "登录表单已失效，请重新打开登录页。")
    key = str(form.get("key", "")).strip()
    found = await find_key(resources(request).engine, key) if 0 < len(key) <= 200 else None
    message = None
    if found is None:
        message = "密钥无效或已吊销。"
    elif found.role not in CONSOLE_ROLES:
        message = "此密钥不是审核员密钥。"
    if message is not None:
        resp = render(request, "login.html", {"csrf": expected, "message": message,
                                              "next": str(form.get("next", ""))}, 401)
        return resp
    token = await sessions.create(resources(request).engine, key)
    resp = web.HTTPSeeOther(_safe_next(str(form.get("next", ""))))
    set_cookie(request, resp, COOKIE, token, max_age=int(sessions.TTL.total_seconds()))
    resp.del_cookie(LOGIN_CSRF, path="/console")
    raise resp


@routes.post("/console/logout")
@page
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session."""
    await sessions.end(resources(request).engine, request.cookies.get(COOKIE, ""))
    resp = web.HTTPSeeOther("/console/login")
    resp.del_cookie(COOKIE, path="/console")
    raise resp
