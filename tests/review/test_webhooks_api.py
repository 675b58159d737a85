"""Webhooks through the service: a flagged posting reaches the portal's receiver; the admin
API lists deliveries and dead letters and redelivers; bad input gets a 4xx problem."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient

from tests.api.conftest import ADMIN, PORTAL, REVIEWER, make_settings
from tests.factories import posting_dict
from tests.review.webhook_kit import Receiver, until
from verifier.api.app import create_app
from verifier.api.state import RESOURCES
from verifier.review.webhooks import endpoints, signing

Client = TestClient[Any, Any]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


@pytest.fixture
async def hooked(aiohttp_client: Any, db_url: str, redis_url: str | None,
                 receiver: Receiver) -> tuple[Client, str]:
    app = create_app(make_settings(db_url, redis_url, WEBHOOK_POLL_S=0.05,
                                   WEBHOOK_BACKOFF_S=0.05, WEBHOOK_MAX_ATTEMPTS=2))
    client = await aiohttp_client(app)
    _, secret = await endpoints.set_endpoint(app[RESOURCES].engine, "demo-portal", receiver.url)
    assert secret is not None
    return client, secret


async def test_flagged_posting_reaches_the_portal_signed(
    hooked: tuple[Client, str], receiver: Receiver
) -> None:
    client, secret = hooked
    resp = await client.post("/v1/postings/verify", json=posting_dict(salary=None),
                             headers=PORTAL)
    decision = await resp.json()
    assert decision["outcome"] == "flag"

    async def arrived() -> bool:
        return bool(receiver.got)

    await until(arrived)
    got = receiver.got[0]
    body = (await _json(client, "/v1/admin/webhooks/deliveries"))["items"][0]
    assert got.headers["X-Verifier-Event-Id"] == body["event_id"]
    assert body["status"] in ("pending", "delivered") and body["type"] == "decision.created"
    assert signing.verify(secret, got.headers["X-Verifier-Timestamp"],
                          got.headers["X-Verifier-Signature"], got.body,
                          now=int(got.headers["X-Verifier-Timestamp"]))
    one = await _json(client, f"/v1/admin/webhooks/deliveries/{body['event_id']}")
    assert one["body"]["data"]["decision"]["decision_id"] == decision["decision_id"]


async def test_dead_letters_listed_and_redelivered_by_api(
    hooked: tuple[Client, str], receiver: Receiver
) -> None:
    client, _ = hooked
    receiver.failing = True
    await client.post("/v1/postings/verify", json=posting_dict(salary=None), headers=PORTAL)

    async def dead() -> bool:
        page = await _json(client, "/v1/admin/webhooks/dead-letters")
        return page["counts"]["dead"] == 1

    await until(dead)
    page = await _json(client, "/v1/admin/webhooks/dead-letters?portal=demo-portal")
    (item,) = page["items"]
    assert item["attempts"] == 2 and item["last_status"] == 500
    assert len(receiver.got) == 2
    receiver.failing = False
    resp = await client.post(f"/v1/admin/webhooks/deliveries/{item['event_id']}/redeliver",
                             headers=ADMIN)
    assert resp.status == 200  # queued again; the dispatcher may already have sent it
    assert (await resp.json())["status"] in ("pending", "delivered")

    async def delivered() -> bool:
        page = await _json(client, "/v1/admin/webhooks/deliveries?status=delivered")
        return len(page["items"]) == 1

    await until(delivered)
    assert receiver.got[-1].status == 204
    resp = await client.post("/v1/admin/webhooks/dead-letters/redeliver", headers=ADMIN)
    assert (await resp.json()) == {"redelivered": 0}
    eps = await _json(client, "/v1/admin/webhooks/endpoints")
    assert eps["endpoints"][0]["portal"] == "demo-portal"
    assert "secret" not in eps["endpoints"][0]


BAD: list[tuple[str, str, dict[str, str], int, str | None]] = [
    ("get", "/v1/admin/webhooks/deliveries", REVIEWER, 403, None),
    ("get", "/v1/admin/webhooks/deliveries", PORTAL, 403, None),
    ("get", "/v1/admin/webhooks/deliveries", {}, 401, None),
    ("get", "/v1/admin/webhooks/deliveries?status=lost", ADMIN, 422, "query.status"),
    ("get", "/v1/admin/webhooks/deliveries?type=x", ADMIN, 422, "query.type"),
    ("get", "/v1/admin/webhooks/deliveries?limit=0", ADMIN, 422, "query.limit"),
    ("get", "/v1/admin/webhooks/deliveries?cursor=abc", ADMIN, 422, "query.cursor"),
    ("get", "/v1/admin/webhooks/dead-letters?portal=" + "x" * 65, ADMIN, 422, "query.portal"),
    ("get", "/v1/admin/webhooks/deliveries/nope", ADMIN, 404, None),
    ("post", "/v1/admin/webhooks/deliveries/nope/redeliver", ADMIN, 404, None),
    ("post", "/v1/admin/webhooks/dead-letters/redeliver", PORTAL, 403, None),
]


async def test_bad_requests_are_problems(hooked: tuple[Client, str]) -> None:
    client, _ = hooked
    for method, path, headers, status, field in BAD:
        resp = await getattr(client, method)(path, headers=headers)
        assert (path, resp.status) == (path, status)
        assert resp.content_type == "application/problem+json"
        if field:
            assert [e["field"] for e in (await resp.json())["errors"]] == [field]


async def _json(client: Client, path: str) -> Any:
    resp = await client.get(path, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_reviewers_resolution_reaches_the_portal_as_review_resolved(
    hooked: tuple[Client, str], receiver: Receiver
) -> None:
    client, secret = hooked
    await client.post("/v1/postings/verify", json=posting_dict(salary=None), headers=PORTAL)
    claimed = await client.post("/v1/review/claim", json={}, headers=REVIEWER)
    item = (await claimed.json())["item"]
    resolved = await client.post(f"/v1/review/items/{item['id']}/resolve", headers=REVIEWER,
                                 json={"outcome": "reject", "reason": "content",
                                       "note": "仅内部可见"})
    assert resolved.status == 200, await resolved.text()

    async def both() -> bool:
        return {r.headers["X-Verifier-Event-Type"] for r in receiver.got} == {
            "decision.created", "review.resolved"}

    await until(both)
    got = next(r for r in receiver.got if r.headers["X-Verifier-Event-Type"] == "review.resolved")
    assert signing.verify(secret, got.headers["X-Verifier-Timestamp"],
                          got.headers["X-Verifier-Signature"], got.body,
                          now=int(got.headers["X-Verifier-Timestamp"]))
    data = orjson.loads(got.body)["data"]
    assert data["decision_id"] == item["decision_id"] and data["outcome"] == "reject"
    assert data["reason"] == "content" and data["reviewer"] == "demo-reviewer"
    assert "note" not in data  # reviewers' notes stay inside
