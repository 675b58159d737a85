"""Per-key rate limits (Redis when configured, in-process otherwise) and JSON shape limits."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web
from redis.exceptions import NoScriptError

from verifier.api.auth import PRINCIPAL
from verifier.api.errors import ApiError, Handler, problem
from verifier.api.state import RESOURCES, SETTINGS
from verifier.models import FieldError
from verifier.obs import metrics

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

# One fixed window per key: count, and give the window's remaining time with the count.
_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
"""
_REDIS_BACKOFF_S = 1.0
"""After a Redis error, count in-process for this long before asking Redis again."""


@dataclass
class RateLimiter:
    """Fixed-window counters per API key: `limit` requests per `window_s` seconds."""

    limit: int
    window_s: float
    redis: Redis | None = None
    _local: dict[str, tuple[int, int]] = field(default_factory=dict)
    _redis_off_until: float = 0.0
    _sha: str | None = None

    async def hit(self, key: str) -> float | None:
        """Count one request of `key`; None if allowed, else seconds until it may retry."""
        now = time.time()
        window = int(now // self.window_s)
        if self.redis is not None and time.monotonic() >= self._redis_off_until:
            try:
                count, ttl_ms = await self._redis_hit(f"verifier:rl:{key}:{window}")
            except Exception as exc:  # Redis is optional: count here meanwhile
                log.warning("rate limit: Redis unavailable (%s); counting in-process",
                            type(exc).__name__)
                self._redis_off_until = time.monotonic() + _REDIS_BACKOFF_S
            else:
                return None if count <= self.limit else max(ttl_ms, 1) / 1000.0
        return self._local_hit(key, window, now)

    async def _redis_hit(self, name: str) -> tuple[int, int]:
        assert self.redis is not None
        ms = str(max(1, int(self.window_s * 1000)))
        if self._sha is None:
            self._sha = str(await self.redis.script_load(_SCRIPT))
        try:
            got: Any = await self.redis.evalsha(self._sha, 1, name, ms)
        except NoScriptError:  # a restarted Redis forgot the script: send it again
            self._sha = None
            got = await self.redis.eval(_SCRIPT, 1, name, ms)
        return int(got[0]), int(got[1])

    def _local_hit(self, key: str, window: int, now: float) -> float | None:
        seen_window, count = self._local.get(key, (window, 0))
        count = count + 1 if seen_window == window else 1
        self._local[key] = (window, count)
        if len(self._local) > 100_000:  # forget old windows of keys gone quiet
            self._local = {k: v for k, v in self._local.items() if v[0] == window}
        if count <= self.limit:
            return None
        return (window + 1) * self.window_s - now


LIMITER = web.AppKey("rate_limiter", RateLimiter)


def setup_limiter(app: web.Application) -> None:
    """Create the app's limiter (once its Redis client exists); none when disabled."""
    settings = app[SETTINGS]
    if settings.rate_limit > 0:
        app[LIMITER] = RateLimiter(settings.rate_limit, settings.rate_limit_window_s,
                                   app[RESOURCES].redis)


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """429 with Retry-After once a key has used its requests of the current window."""
    limiter = request.app.get(LIMITER)
    who = request.get(PRINCIPAL)
    if limiter is None or who is None:
        return await handler(request)
    wait = await limiter.hit(f"{who.role.value}:{who.name}")
    if wait is None:
        return await handler(request)
    metrics.RATE_LIMITED.labels(role=who.role.value).inc()
    retry = max(1, math.ceil(wait))
    return problem(
        429, "Too Many Requests",
        f"This key may send {limiter.limit} requests per {limiter.window_s:g} s; "
        f"retry in {retry} s.", headers={"Retry-After": str(retry)})


def check_json_shape(body: bytes, max_depth: int, max_keys: int, max_values: int) -> None:
    """422 naming the field where the body nests deeper than `max_depth`, an object has more
    than `max_keys` keys, or the document holds more than `max_values` values. A body that
    is not JSON passes (the model's parser reports it).

    Most bodies are judged from byte counts alone: no container is deeper than the number of
    `{` and `[`, no object has more keys than the body has `:`, and every value but the
    first follows a `:`, `,` or `[` (characters inside strings only raise these bounds).
    Only a body whose bounds exceed a limit is parsed and walked."""
    colons = body.count(b":")
    opens = body.count(b"[")
    if (body.count(b"{") + opens <= max_depth and colons <= max_keys
            and 1 + colons + opens + body.count(b",") <= max_values):
        return
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc) or "recursion" in str(exc).lower():
            _too(None, f"Nested deeper than {max_depth} levels.", "too_deep")
        return
    _walk(doc, max_depth, max_keys, max_values)


_Where = tuple["_Where | None", str | int] | None
"""A value's place: its parent's place and its key or index (the path is built on error)."""


def _walk(doc: Any, max_depth: int, max_keys: int, max_values: int) -> None:
    total = 0
    stack: list[tuple[Any, _Where, int]] = [(doc, None, 1)]
    while stack:
        value, where, depth = stack.pop()
        total += 1
        if total > max_values:
            _too(where, f"The body holds more than {max_values} JSON values.", "too_many_values")
        if isinstance(value, dict):
            if depth > max_depth:
                _too(where, f"Nested deeper than {max_depth} levels.", "too_deep")
            if len(value) > max_keys:
                _too(where, f"An object has more than {max_keys} fields.", "too_many_fields")
            stack.extend((v, (where, k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            if depth > max_depth:
                _too(where, f"Nested deeper than {max_depth} levels.", "too_deep")
            stack.extend((v, (where, i), depth + 1) for i, v in enumerate(value))


def _too(at: _Where, message: str, kind: str) -> None:
    parts: list[str] = []
    while at is not None:
        at, key = at
        parts.append(str(key))
    where = ".".join(reversed(parts))[:200] or "(body)"
    raise ApiError(422, "Invalid request", f"Invalid field(s): {where}: {message}",
                   [FieldError(field=where, message=message, type=kind)])
