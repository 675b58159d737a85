"""Rate limits per key, JSON shape limits, database time limits, outages as 503."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.api.conftest import ADMIN, PORTAL, PORTAL2, make_settings
from tests.conftest import REDIS, free_port, need, redis_available
from tests.factories import posting_dict
from verifier.api.app import create_app
from verifier.api.errors import ApiError, is_outage
from verifier.api.limits import RateLimiter, _walk, check_json_shape
from verifier.store.db import Timeouts, create_engine

Client = TestClient[Any, Any]


def _window() -> float:
    """A window length no other run uses, so shared Redis counters never collide."""
    return 600 + random.random() * 100


async def _limited(aiohttp_client: Any, db_url: str, redis_url: str | None, **extra: Any) -> Client:
    settings = make_settings(db_url, redis_url, RATE_LIMIT=3, RATE_LIMIT_WINDOW_S=_window(),
                             **extra)
    client: Client = await aiohttp_client(create_app(settings))
    return client


async def test_fourth_request_in_a_window_gets_429_with_retry_after(
    aiohttp_client: Any, db_url: str, redis_url: str | None
) -> None:
    client = await _limited(aiohttp_client, db_url, redis_url)
    for _ in range(3):
        assert (await client.get("/v1/rules", headers=PORTAL)).status == 200
    r = await client.get("/v1/rules", headers=PORTAL)
    assert r.status == 429
    assert r.content_type == "application/problem+json"
    assert 1 <= int(r.headers["Retry-After"]) <= 700
    assert "3 requests" in (await r.json())["detail"]
    # another key has its own count; public routes are not counted
    assert (await client.get("/v1/rules", headers=PORTAL2)).status == 200
    assert (await client.get("/healthz")).status == 200
    metrics = await (await client.get("/metrics")).text()
    assert 'verifier_rate_limited_total{role="portal"}' in metrics


async def test_redis_counts_one_limit_across_instances(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    need("Redis", redis_available())
    db_url = f"sqlite+aiosqlite:///{tmp_path}/shared.db"
    redis_url = REDIS
    window = _window()
    settings = make_settings(db_url, redis_url, RATE_LIMIT=3, RATE_LIMIT_WINDOW_S=window)
    a: Client = await aiohttp_client(create_app(settings))
    b: Client = await aiohttp_client(create_app(settings))
    got = [(await c.get("/v1/rules", headers=ADMIN)).status for c in (a, b, a, b)]
    assert got == [200, 200, 200, 429]


async def test_unreachable_redis_falls_back_to_counting_in_process() -> None:
    from redis.asyncio import Redis

    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5,
                          socket_connect_timeout=0.5)
    limiter = RateLimiter(2, 600.0, dead)
    try:
        got = [await limiter.hit("portal:x") for _ in range(3)]
    finally:
        await dead.aclose()
    assert got[:2] == [None, None]
    assert got[2] is not None and 0 < got[2] <= 600


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(("body", "field", "kind"), [
    (_nested(20), "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", "too_deep"),
    ({"postings": [{f"k{i}": i for i in range(300)}]}, "postings.0", "too_many_fields"),
])
def test_json_shape_limits_name_the_field(body: Any, field: str, kind: str) -> None:
    import orjson

    with pytest.raises(ApiError) as err:
        check_json_shape(orjson.dumps(body), 16, 200, 100_000)
    assert err.value.status == 422
    assert err.value.errors[0].field == field
    assert err.value.errors[0].type == kind


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.text(alphabet=":,[]{}ab\"", max_size=4),
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(alphabet=":,[{ab", max_size=3), inner, max_size=5),
    max_leaves=40,
)


def _refusal(run: Any) -> tuple[str, str] | None:
    try:
        run()
    except ApiError as exc:
        return exc.errors[0].field, exc.errors[0].type
    return None


@settings(max_examples=300, deadline=None)
@given(doc=_JSON, depth=st.integers(2, 6), keys=st.integers(1, 6), values=st.integers(1, 40))
def test_byte_count_shortcut_refuses_exactly_what_the_walk_refuses(
    doc: Any, depth: int, keys: int, values: int
) -> None:
    """The byte-count bounds only ever skip bodies the full walk would accept: the check
    refuses a body (naming the same field) if and only if walking its parsed form does."""
    import orjson

    body = orjson.dumps(doc)
    assert _refusal(lambda: check_json_shape(body, depth, keys, values)) == _refusal(
        lambda: _walk(doc, depth, keys, values))


def test_json_too_many_values_and_recursion_past_the_parser() -> None:
    with pytest.raises(ApiError) as err:
        check_json_shape(b"[" + b"1," * 200 + b"1]", 16, 200, 100)
    assert err.value.errors[0].type == "too_many_values"
    with pytest.raises(ApiError) as err:
        check_json_shape(b"[" * 5000 + b"]" * 5000, 16, 200, 100)
    assert err.value.errors[0].type == "too_deep"
    check_json_shape(b"not json", 16, 200, 100)  # left to the model's parser (400)


async def test_deep_or_wide_bodies_get_422_naming_the_field(client: Client) -> None:
    deep = posting_dict(posting_id="deep", enterprise=_nested(30))
    r = await client.post("/v1/postings/verify", json=deep, headers=PORTAL)
    assert r.status == 422
    assert (await r.json())["errors"][0]["field"].startswith("enterprise.a.a")
    wide = {"postings": [posting_dict(posting_id="w", **{f"x{i}": 1 for i in range(300)})]}
    r = await client.post("/v1/postings/verify-batch", json=wide, headers=PORTAL)
    assert r.status == 422
    assert (await r.json())["errors"][0]["field"] == "postings.0"
    r = await client.put("/v1/admin/registry/enterprises", json=_nested(40), headers=ADMIN)
    assert r.status == 422
    ok = {"postings": [posting_dict(posting_id=f"b{i}") for i in range(3)]}
    assert (await client.post("/v1/postings/verify-batch", json=ok, headers=PORTAL)).status == 200


async def test_statement_timeout_stops_a_slow_statement_and_counts_as_outage(
    db_url: str
) -> None:
    engine = create_engine(db_url, timeouts=Timeouts(statement_s=0.3, connect_s=2,
                                                     sqlite_busy_s=0.3))
    slow = "SELECT pg_sleep(3)" if db_url.startswith("postgres") else None
    try:
        if slow is None:  # SQLite: a second writer waits at most the busy timeout
            async with engine.connect() as c:
                assert (await c.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 300
            return
        async with engine.connect() as conn:
            with pytest.raises(Exception) as err:
                await conn.execute(sa.text(slow))
        assert is_outage(err.value)
    finally:
        await engine.dispose()


def test_outage_classification() -> None:
    assert is_outage(ConnectionRefusedError())
    assert is_outage(TimeoutError())
    assert is_outage(sa.exc.OperationalError("SELECT 1", {}, OSError("refused")))
    assert not is_outage(ValueError("bug"))
    assert not is_outage(sa.exc.IntegrityError("INSERT", {}, Exception("dup")))
