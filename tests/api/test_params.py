"""Handlers read their query strings as the models the OpenAPI document is built from: a bad
value of each parameter is a 422 problem+json naming `query.<name>`, never a 500, and a good
one is taken (SQLite, then PostgreSQL)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.api.conftest import ADMIN, AUDITOR, REVIEWER

Client = TestClient[Any, Any]
SEARCH = "/v1/admin/registry/search"
DELIVERIES = "/v1/admin/webhooks/deliveries"
DEAD = "/v1/admin/webhooks/dead-letters"
ITEMS = "/v1/review/items"
STATS = "/v1/review/stats"

BAD: list[tuple[str, dict[str, str], str, str]] = [  # path, headers, query, field
    (SEARCH, ADMIN, "", "query.name"),
    (SEARCH, ADMIN, "name=", "query.name"),
    (SEARCH, ADMIN, "name=%20%E3%80%80%0A", "query.name"),  # white space only (U+3000 too)
    (SEARCH, ADMIN, "name=" + "华" * 301, "query.name"),
    (SEARCH, ADMIN, "name=华为&limit=0", "query.limit"),
    (SEARCH, ADMIN, "name=华为&limit=101", "query.limit"),
    (SEARCH, ADMIN, "name=华为&limit=abc", "query.limit"),
    (SEARCH, ADMIN, "name=华为&limit=%C2%B2", "query.limit"),  # "²"
    (SEARCH, ADMIN, "name=华为&limit=", "query.limit"),
    (SEARCH, ADMIN, "name=华为&limit=0&limit=5", "query.limit"),  # the first value counts
    (DELIVERIES, ADMIN, "status=lost", "query.status"),
    (DELIVERIES, ADMIN, "type=decision", "query.type"),
    (DELIVERIES, ADMIN, "limit=0", "query.limit"),
    (DELIVERIES, ADMIN, "limit=501", "query.limit"),
    (DELIVERIES, ADMIN, "limit=%C2%B2", "query.limit"),
    (DELIVERIES, ADMIN, "limit=%D9%A5", "query.limit"),  # "٥": a digit to int(), not here
    (DELIVERIES, ADMIN, "cursor=abc", "query.cursor"),
    (DELIVERIES, ADMIN, "cursor=0", "query.cursor"),
    (DELIVERIES, ADMIN, f"cursor={2**62 + 1}", "query.cursor"),
    (DELIVERIES, ADMIN, "portal=" + "p" * 65, "query.portal"),
    (DEAD, ADMIN, "limit=abc", "query.limit"),
    (DEAD, ADMIN, "type=x", "query.type"),
    (DEAD, ADMIN, "portal=" + "p" * 65, "query.portal"),
    (ITEMS, REVIEWER, "limit=501", "query.limit"),
    (ITEMS, REVIEWER, "limit=", "query.limit"),
    (ITEMS, REVIEWER, "cursor=a.b", "query.cursor"),  # outside the cursor alphabet
    (ITEMS, REVIEWER, "cursor=not-a-cursor", "query.cursor"),  # not one this service gave
    (STATS, REVIEWER, "since=yesterday", "query.since"),
    (STATS, AUDITOR, "since=2024-13-01", "query.since"),
    (STATS, AUDITOR, "since=2024-01-01T24:00", "query.since"),
    (STATS, AUDITOR, "since=", "query.since"),
]

GOOD: list[tuple[str, dict[str, str], str]] = [
    (SEARCH, ADMIN, "name=%20华为%20&limit=100&colour=red"),  # unknown parameters: ignored
    (DELIVERIES, ADMIN, "status=dead&type=review.resolved&limit=500&cursor=1&portal=&x=1"),
    (DEAD, ADMIN, "limit=1&portal=demo-portal&status=lost"),  # status is not a filter here
    (ITEMS, REVIEWER, "limit=1&cursor=&status=pending"),
    (STATS, AUDITOR, "since=2024-01-01T00:00:00%2B08:00&colour=red"),
]


async def test_bad_values_are_named(client: Client) -> None:
    for path, headers, qs, field in BAD:
        resp = await client.get(f"{path}?{qs}", headers=headers)
        assert resp.status == 422, (path, qs, await resp.text())
        assert resp.content_type == "application/problem+json"
        body = await resp.json()
        assert [e["field"] for e in body["errors"]] == [field], (path, qs)
        assert field in body["detail"]


async def test_good_values_are_taken(client: Client) -> None:
    for path, headers, qs in GOOD:
        resp = await client.get(f"{path}?{qs}", headers=headers)
        assert resp.status == 200, (path, qs, await resp.text())


async def test_search_answers_the_stripped_name(client: Client) -> None:
    resp = await client.get(SEARCH, params={"name": "  华为 \n"}, headers=ADMIN)
    assert (await resp.json())["query"] == "华为"


async def test_stats_since_is_iso_8601(client: Client) -> None:
    """The basic format is a date, not seconds since 1970; no offset is UTC."""
    for since, read in (("20240101", "2024-01-01T00:00:00Z"),
                        ("2024-01-01T08:00:00+08:00", "2024-01-01T00:00:00Z"),
                        ("2024-01-01T00:00", "2024-01-01T00:00:00Z")):
        resp = await client.get(STATS, params={"since": since}, headers=AUDITOR)
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["since"].replace("+00:00", "Z") == read, since


async def test_redeliver_dead_portal_is_bounded(client: Client) -> None:
    path = "/v1/admin/webhooks/dead-letters/redeliver"
    resp = await client.post(path, params={"portal": "p" * 65}, headers=ADMIN)
    assert resp.status == 422
    assert [e["field"] for e in (await resp.json())["errors"]] == ["query.portal"]
    ok = await client.post(path, params={"portal": ""}, headers=ADMIN)
    assert ok.status == 200 and await ok.json() == {"redelivered": 0}
