"""Console sign-in: reviewer keys only, session cookie flags, CSRF on every form, sign-out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.api.conftest import make_settings
from verifier.api.app import create_app

Client = TestClient[Any, Any]


@pytest.fixture
async def console(aiohttp_client: Any, db_url: str, redis_url: str | None) -> Client:
    return await aiohttp_client(create_app(make_settings(db_url, redis_url)))


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def sign_in(client: Client, key: str, headers: dict[str, str] | None = None) -> Any:
    """Open the login page and post the key with its form token."""
    page = await client.get("/console/login", headers=headers)
    assert page.status == 200
    return await client.post("/console/login", headers=headers, allow_redirects=False,
                             data={"key": key, "csrf": _csrf(await page.text()), "next": ""})


async def test_pages_need_a_session_and_a_reviewer_key(console: Client) -> None:
    resp = await console.get("/console/queue", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/console/login")
    bad = await sign_in(console, "not-a-key")
    assert bad.status == 401 and "密钥无效" in await bad.text()
    portal = await sign_in(console, "demo-portal-key")
    assert portal.status == 401 and "不是审核员密钥" in await portal.text()
    assert "pv_console" not in {c.key for c in console.session.cookie_jar}


async def test_login_form_without_its_token_is_refused(console: Client) -> None:
    resp = await console.post("/console/login", data={"key": "demo-reviewer-key"},
                              allow_redirects=False)
    assert resp.status == 403 and "pv_console=" not in resp.headers.get("Set-Cookie", "")


async def test_session_cookie_flags_and_csrf_protected_logout(console: Client) -> None:
    resp = await sign_in(console, "demo-reviewer-key")
    assert resp.status == 303 and resp.headers["Location"] == "/console/queue"
    cookie = next(v for v in resp.headers.getall("Set-Cookie") if v.startswith("pv_console="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    forged = await console.post("/console/logout", data={"csrf": "guess"},
                                allow_redirects=False)
    assert forged.status == 403
    assert "CSRF" in await forged.text()
    page = await console.get("/console/stats")
    assert page.status == 200
    out = await console.post("/console/logout", data={"csrf": _csrf(await page.text())},
                             allow_redirects=False)
    assert out.status == 303
    after = await console.get("/console/stats", allow_redirects=False)
    assert after.status == 303 and after.headers["Location"].startswith("/console/login")


async def test_cookie_is_secure_behind_tls(console: Client) -> None:
    tls = {"X-Forwarded-Proto": "https"}
    page = await console.get("/console/login", headers=tls)
    login_cookie = page.headers["Set-Cookie"]
    assert login_cookie.startswith("pv_console_login=") and "Secure" in login_cookie
    token = login_cookie.split(";")[0].split("=", 1)[1]
    console.session.cookie_jar.clear()  # a Secure cookie is not sent over plain HTTP
    resp = await console.post("/console/login", allow_redirects=False, data={
        "key": "demo-reviewer-key", "csrf": _csrf(await page.text()), "next": ""},
        headers={**tls, "Cookie": f"pv_console_login={token}"})
    assert resp.status == 303
    cookie = next(v for v in resp.headers.getall("Set-Cookie") if v.startswith("pv_console="))
    assert "Secure" in cookie and "HttpOnly" in cookie


async def test_static_assets_are_served_by_the_service(console: Client) -> None:
    css = await console.get("/console/static/console.css")
    js = await console.get("/console/static/console.js")
    assert css.status == 200 and "mark.hit" in await css.text()
    assert js.status == 200 and "keydown" in await js.text()
    login = await (await console.get("/console/login")).text()
    assert "http://" not in login and "https://" not in login  # no CDN, nothing external
