"""Bad input to `/v1/review/*`: each bad field gets a 4xx problem+json naming it, and
nothing changes (SQLite, then PostgreSQL)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import PORTAL, REVIEWER
from tests.review.conftest import Client, flagged, reviewer, snapshot, verify

BAD_QUERIES = [
    ("status=bogus", "query.status"),
    ("overdue=maybe", "query.overdue"),
    ("uscc=123", "query.uscc"),
    ("rule=Bad!", "query.rule"),
    ("kind=other", "query.kind"),
    ("portal=" + "p" * 65, "query.portal"),
    ("limit=0", "query.limit"),
    ("limit=abc", "query.limit"),
    ("limit=%C2%B2", "query.limit"),  # "²" is a digit to str.isdigit, not to int()
    ("cursor=not-a-cursor", "query.cursor"),
    ("colour=red", "query.colour"),
]

BAD_RESOLVES: list[tuple[Any, str]] = [
    ({"outcome": "maybe", "reason": "legit"}, "outcome"),
    ({"outcome": "approve"}, "reason"),
    ({"outcome": "approve", "reason": "no_such_reason"}, "reason"),
    ({"outcome": "approve", "reason": "fee"}, "reason"),  # fee allows only reject
    ({"outcome": "approve", "reason": "legit", "note": "长" * 4001}, "note"),
    ({"outcome": "approve", "reason": "legit", "extra": 1}, "extra"),
    ({"outcome": "approve", "reason": 5}, "reason"),
]


async def _field(resp: Any) -> str:
    assert resp.content_type == "application/problem+json", await resp.text()
    body = await resp.json()
    return str(body["errors"][0]["field"]) if body["errors"] else ""


async def test_bad_queries_are_named(client: Client) -> None:
    await verify(client, flagged("bq"))
    for qs, field in BAD_QUERIES:
        resp = await client.get(f"/v1/review/items?{qs}", headers=REVIEWER)
        assert resp.status == 422, qs
        assert await _field(resp) == field, qs


async def test_bad_resolves_change_nothing(client: Client) -> None:
    made = await verify(client, flagged("br"))
    iid = made["decision_id"]
    zhang = await reviewer(client, "张三")
    assert (await client.post(f"/v1/review/items/{iid}/claim", headers=zhang)).status == 200
    before = await snapshot(client)
    for body, field in BAD_RESOLVES:
        resp = await client.post(f"/v1/review/items/{iid}/resolve", json=body, headers=zhang)
        assert resp.status == 422, body
        assert await _field(resp) == field, body
    not_json = await client.post(f"/v1/review/items/{iid}/resolve", data=b"{oops",
                                 headers={**zhang, "Content-Type": "application/json"})
    assert not_json.status == 400
    empty = await client.post(f"/v1/review/items/{iid}/resolve", headers=zhang)
    assert empty.status == 400
    assert await snapshot(client) == before


async def test_bad_claims_and_notes_change_nothing(client: Client) -> None:
    made = await verify(client, flagged("bc"))
    iid = made["decision_id"]
    zhang = await reviewer(client, "张三")
    before = await snapshot(client)
    cases: list[tuple[str, Any, int, str]] = [
        ("/v1/review/claim", {"lease_minutes": -1}, 422, "lease_minutes"),
        ("/v1/review/claim", {"lease_minutes": 1e-248}, 422, "lease_minutes"),  # ends at once
        (f"/v1/review/items/{iid}/claim", {"lease_minutes": 0.5}, 422, "lease_minutes"),
        ("/v1/review/claim", {"portal": 5}, 422, "portal"),
        ("/v1/review/claim", {"status": "pending"}, 422, "status"),
        ("/v1/review/claim", {"rule": "A B"}, 422, "rule"),
        (f"/v1/review/items/{iid}/claim", {"lease_minutes": "ten"}, 422, "lease_minutes"),
        (f"/v1/review/items/{iid}/notes", {"text": ""}, 422, "text"),
        (f"/v1/review/items/{iid}/notes", {}, 422, "text"),
        (f"/v1/review/items/{'x' * 37}/claim", {}, 422, "id"),
    ]
    for path, body, status, field in cases:
        resp = await client.post(path, json=body, headers=zhang)
        assert resp.status == status, (path, body)
        assert await _field(resp) == field, (path, body)
    for action in ("renew", "release"):  # nothing claimed yet
        resp = await client.post(f"/v1/review/items/{iid}/{action}", headers=zhang)
        assert resp.status == 409
    missing = await client.post("/v1/review/items/nope/claim", headers=zhang)
    assert missing.status == 404
    assert await snapshot(client) == before


async def test_roles(client: Client) -> None:
    made = await verify(client, flagged("ro"))
    for path in ("/v1/review/claim", f"/v1/review/items/{made['decision_id']}/claim"):
        assert (await client.post(path, headers=PORTAL)).status == 403
    assert (await client.get("/v1/review/items", headers=PORTAL)).status == 403
    assert (await client.get("/v1/review/items")).status == 401


async def test_nul_is_refused_by_name(client: Client) -> None:
    made = await verify(client, flagged("nul"))
    iid = made["decision_id"]
    zhang = await reviewer(client, "张三")
    await client.post(f"/v1/review/items/{iid}/claim", headers=zhang)
    before = await snapshot(client)
    for path, body, field in [
        (f"/v1/review/items/{iid}/resolve",
         {"outcome": "approve", "reason": "legit", "note": "a\u0000b"}, "note"),
        (f"/v1/review/items/{iid}/notes", {"text": "\u0000"}, "text"),
        ("/v1/review/claim", {"portal": "p\u0000"}, "portal"),
        ("/v1/review/items/a%00b/claim", {}, "path.id"),  # refused before routing
    ]:
        resp = await client.post(path, json=body, headers=zhang)
        assert resp.status == 422, (path, await resp.text())
        assert await _field(resp) == field
    for qs, field in [("portal=a%00b", "query.portal"), ("campaign=%00", "query.campaign")]:
        resp = await client.get(f"/v1/review/items?{qs}", headers=REVIEWER)
        assert resp.status == 422 and await _field(resp) == field, qs
    notice = await client.get("/v1/postings/a%00/notice", headers=PORTAL)
    assert notice.status == 422
    assert await snapshot(client) == before
