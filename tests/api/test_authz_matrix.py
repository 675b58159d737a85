"""Authorization matrix generated from the app's route table: every route × every caller
(each role's key, no key), and portal A × portal B's postings and decisions.

Every registered route must appear in ACCESS: a new route fails this test until someone
decides who may call it.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.api.conftest import ADMIN, AUDITOR, PORTAL, PORTAL2, REVIEWER
from tests.factories import posting_dict

Client = TestClient[Any, Any]
PUBLIC = "public"
SESSION = "session"
"""Console pages: a reviewer's signed-in session opens them, an API key never does; without
a session every caller is sent to the sign-in page (tests/console covers signed-in use)."""
OPEN_PAGE = "open-page"
"""Console pages anyone may load (sign-in form, static assets, the entry redirect)."""
ALL = frozenset({"portal", "reviewer", "auditor", "admin"})
REVIEW = frozenset({"reviewer", "admin"})
ACCESS: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/v1/rules"): ALL,
    ("POST", "/v1/admin/rules/reload"): frozenset({"admin"}),
    ("GET", "/v1/audit/integrity"): frozenset({"auditor", "admin"}),
    ("POST", "/v1/postings/verify"): frozenset({"portal", "admin"}),
    ("POST", "/v1/postings/verify-batch"): frozenset({"portal", "admin"}),
    ("GET", "/v1/postings/{posting_id}/decision"): ALL,
    ("PUT", "/v1/admin/registry/enterprises"): frozenset({"admin"}),
    ("GET", "/v1/admin/registry/enterprises/{uscc}"): frozenset({"admin", "reviewer", "auditor"}),
    ("GET", "/v1/admin/registry/search"): frozenset({"admin", "reviewer", "auditor"}),
    ("GET", "/v1/admin/webhooks/deliveries"): frozenset({"admin"}),
    ("GET", "/v1/admin/webhooks/dead-letters"): frozenset({"admin"}),
    ("GET", "/v1/admin/webhooks/deliveries/{event_id}"): frozenset({"admin"}),
    ("POST", "/v1/admin/webhooks/deliveries/{event_id}/redeliver"): frozenset({"admin"}),
    ("POST", "/v1/admin/webhooks/dead-letters/redeliver"): frozenset({"admin"}),
    ("GET", "/v1/admin/webhooks/endpoints"): frozenset({"admin"}),
    ("GET", "/v1/review/items"): REVIEW,
    ("GET", "/v1/review/items/{id}"): REVIEW,
    ("POST", "/v1/review/claim"): REVIEW,
    ("POST", "/v1/review/items/{id}/claim"): REVIEW,
    ("POST", "/v1/review/items/{id}/renew"): REVIEW,
    ("POST", "/v1/review/items/{id}/release"): REVIEW,
    ("POST", "/v1/review/items/{id}/resolve"): REVIEW,
    ("POST", "/v1/review/items/{id}/notes"): REVIEW,
    ("POST", "/v1/review/resolve"): frozenset({"admin"}),
    ("GET", "/v1/review/reasons"): REVIEW,
    ("GET", "/v1/review/stats"): frozenset({"reviewer", "auditor", "admin"}),
    ("GET", "/v1/postings/{posting_id}/notice"): ALL,
    ("GET", "/console"): OPEN_PAGE,
    ("GET", "/console/login"): OPEN_PAGE,
    ("GET", "/console/static"): OPEN_PAGE,
    ("POST", "/console/login"): OPEN_PAGE,
    ("GET", "/console/queue"): SESSION,
    ("GET", "/console/stats"): SESSION,
    ("GET", "/console/items/{id}"): SESSION,
    ("POST", "/console/claim"): SESSION,
    ("POST", "/console/logout"): SESSION,
    ("POST", "/console/items/{id}/claim"): SESSION,
    ("POST", "/console/items/{id}/notes"): SESSION,
    ("POST", "/console/items/{id}/release"): SESSION,
    ("POST", "/console/items/{id}/renew"): SESSION,
    ("POST", "/console/items/{id}/resolve"): SESSION,
}
CALLERS: dict[str, dict[str, str]] = {
    "portal": PORTAL, "reviewer": REVIEWER, "auditor": AUDITOR, "admin": ADMIN, "none": {},
}
RECORD = {"name": "吉林华翰印务有限公司", "uscc": "91220101MA13XQYL0T"}


def _request(method: str, path: str, role: str) -> tuple[str, dict[str, Any]]:
    url = (path.replace("{posting_id}", "matrix-1").replace("{uscc}", "91110000100000000X")
           .replace("{event_id}", "00000000-0000-7000-8000-000000000000")
           .replace("{id}", "1"))
    kw: dict[str, Any] = {}
    if path.endswith(("/decision", "/notice")) and role in ("reviewer", "auditor", "admin"):
        url += "?portal=demo-portal"
    if path.endswith("/search"):
        url += "?name=华为"
    if path == "/v1/postings/verify":
        kw["json"] = posting_dict(posting_id=f"matrix-{role}")
    elif path == "/v1/postings/verify-batch":
        kw["json"] = {"postings": [posting_dict(posting_id=f"matrix-b-{role}")]}
    elif method == "PUT":
        kw["json"] = RECORD
    return url, kw


async def test_every_route_and_caller(client: Client) -> None:
    routes = {(r.method, r.resource.canonical) for r in client.app.router.routes()
              if r.method != "HEAD" and r.resource is not None}
    unclassified = routes - set(ACCESS)
    assert not unclassified, f"routes nobody decided access for: {sorted(unclassified)}"
    seed = await client.post("/v1/postings/verify", json=posting_dict(posting_id="matrix-1"),
                             headers=PORTAL)
    assert seed.status == 200
    wrong: list[str] = []
    for method, path in sorted(routes):
        allowed = ACCESS[(method, path)]
        for role, headers in CALLERS.items():
            url, kw = _request(method, path, role)
            r = await client.request(method, url, headers=headers, allow_redirects=False, **kw)
            if allowed == OPEN_PAGE:  # the login POST lacks its form token: 403, never 5xx
                ok = r.status in (200, 303, 403, 404)
            elif allowed == SESSION:
                ok = r.status == 303 and r.headers["Location"].startswith("/console/login")
            elif allowed == PUBLIC:
                ok = r.status == 200
            elif role == "none":
                ok = r.status == 401
            elif role in allowed:  # past authorization: any answer but 401/403 and 5xx
                ok = r.status not in (401, 403)
            else:
                ok = r.status == 403
            if r.status >= 500 or not ok:
                wrong.append(f"{role} {method} {url} -> {r.status}")
    assert not wrong, wrong


async def test_portal_sees_only_its_own_postings_and_decisions(client: Client) -> None:
    a = await client.post("/v1/postings/verify", json=posting_dict(posting_id="same-id"),
                          headers=PORTAL)
    b = await client.post("/v1/postings/verify",
                          json=posting_dict(posting_id="same-id", title="Python开发工程师"),
                          headers=PORTAL2)
    only_a = await client.post("/v1/postings/verify", json=posting_dict(posting_id="only-a"),
                               headers=PORTAL)
    assert a.status == b.status == only_a.status == 200
    da, db = await a.json(), await b.json()
    assert da["portal"] != db["portal"]
    got_a = await (await client.get("/v1/postings/same-id/decision", headers=PORTAL)).json()
    got_b = await (await client.get("/v1/postings/same-id/decision", headers=PORTAL2)).json()
    assert got_a["decision_id"] == da["decision_id"]
    assert got_b["decision_id"] == db["decision_id"]
    assert (await client.get("/v1/postings/only-a/decision", headers=PORTAL2)).status == 404
    assert (await client.get("/v1/postings/only-a/notice", headers=PORTAL2)).status == 404
    r = await client.get("/v1/postings/only-a/notice?portal=demo-portal", headers=PORTAL2)
    assert r.status == 403
    r = await client.get("/v1/postings/only-a/decision?portal=demo-portal", headers=PORTAL2)
    assert r.status == 403
    for staff in (REVIEWER, AUDITOR, ADMIN):
        r = await client.get("/v1/postings/only-a/decision?portal=demo-portal", headers=staff)
        assert r.status == 200
        assert (await r.json())["portal"] == "demo-portal"
        r = await client.get("/v1/postings/only-a/decision?portal=demo-portal-2",
                             headers=staff)
        assert r.status == 404
