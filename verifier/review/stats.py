"""How the review machine is doing: queue depth by portal, rule and campaign; age of open
items; overdue count; handling time; throughput per reviewer; per-rule overturn rate
(flagged by the rule, approved by a person); and from spot checks the estimated share of bad
postings among automatic approvals, with a Wilson score interval."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.review.rows import OPEN, utc
from verifier.store.tables import review_items

c = review_items.c
Z95 = 1.959964


class Spread(BaseModel):
    """Percentiles of a duration, in seconds (null without data)."""

    count: int
    p50: float | None
    p90: float | None
    max: float | None


class Depth(BaseModel):
    """Open items (pending and claimed), by dimension."""

    total: int
    pending: int
    claimed: int
    by_portal: dict[str, int]
    by_rule: dict[str, int]
    by_family: dict[str, int]
    by_campaign: dict[str, int]
    by_kind: dict[str, int]


class ReviewerThroughput(BaseModel):
    """What one reviewer settled in the window."""

    resolved: int
    approved: int
    rejected: int
    handling: Spread


class Overturn(BaseModel):
    """Resolved flag items a rule acted on, and how many a person approved."""

    resolved: int
    approved: int
    rate: float


class SpotChecks(BaseModel):
    """Sampled automatic approvals: how many were judged, how many were bad, and the
    estimated bad-approval share with its 95 % Wilson interval."""

    sampled: int
    judged: int
    bad: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float = 0.95


class ReviewStats(BaseModel):
    """`GET /v1/review/stats`."""

    at: datetime
    since: datetime
    depth: Depth
    age: Spread
    overdue: int
    handling: Spread
    """From the (last) claim to the resolution."""
    time_to_resolution: Spread
    """From the item's creation to its resolution."""
    throughput: dict[str, ReviewerThroughput]
    overturn: dict[str, Overturn]
    spot_checks: SpotChecks


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation; None for no values."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(s[lo] + (s[hi] - s[lo]) * (pos - lo), 3)


def spread(values: list[float]) -> Spread:
    """Count, p50, p90 and max."""
    return Spread(count=len(values), p50=percentile(values, 0.5), p90=percentile(values, 0.9),
                  max=round(max(values), 3) if values else None)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion k/n (None for n = 0)."""
    if n <= 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, round(center - half, 6)), min(1.0, round(center + half, 6))


async def review_stats(engine: AsyncEngine, now: datetime,
                       since: datetime | None = None) -> ReviewStats:
    """The figures over open items now and items resolved since `since` (30 days)."""
    since = since or now - timedelta(days=30)
    async with engine.connect() as conn:
        open_rows = (await conn.execute(select(
            c.status, c.kind, c.portal, c.rule_ids, c.campaign, c.created_at, c.due_at,
            c.lease_until).where(c.status.in_(OPEN)))).all()
        done = (await conn.execute(select(
            c.kind, c.status, c.outcome, c.rule_ids, c.resolved_by, c.created_at,
            c.claimed_at, c.resolved_at).where(
            c.status.in_(("approved", "rejected")), c.resolved_at >= since))).all()
        sampled = (await conn.execute(select(c.decision_id).where(
            c.kind == "sample", c.created_at >= since))).all()
    return ReviewStats(
        at=now, since=since, depth=_depth(open_rows, now),
        age=spread([(now - (utc(r.created_at) or now)).total_seconds() for r in open_rows]),
        overdue=sum(1 for r in open_rows if (utc(r.due_at) or now) < now),
        handling=spread(_handling(done)),
        time_to_resolution=spread([_secs(r.created_at, r.resolved_at) for r in done]),
        throughput=_throughput(done), overturn=_overturn(done),
        spot_checks=_spot(done, len(sampled)))


def _secs(start: datetime | None, end: datetime | None) -> float:
    a, b = utc(start), utc(end)
    return max(0.0, (b - a).total_seconds()) if a and b else 0.0


def _handling(rows: Sequence[Any]) -> list[float]:
    return [_secs(r.claimed_at, r.resolved_at) for r in rows if r.claimed_at is not None]


def _depth(rows: Sequence[Any], now: datetime) -> Depth:
    portal: Counter[str] = Counter()
    rule: Counter[str] = Counter()
    family: Counter[str] = Counter()
    campaign: Counter[str] = Counter()
    kind: Counter[str] = Counter()
    claimed = 0
    for r in rows:
        lease = utc(r.lease_until)
        claimed += r.status == "claimed" and lease is not None and lease > now
        portal[r.portal] += 1
        kind[r.kind] += 1
        if r.campaign:
            campaign[r.campaign] += 1
        ids = r.rule_ids.split()
        rule.update(ids)
        family.update({i.split(".", 1)[0] for i in ids})
    return Depth(total=len(rows), pending=len(rows) - claimed, claimed=claimed,
                 by_portal=dict(portal.most_common()), by_rule=dict(rule.most_common()),
                 by_family=dict(family.most_common()), by_campaign=dict(campaign.most_common()),
                 by_kind=dict(kind.most_common()))


def _throughput(rows: Sequence[Any]) -> dict[str, ReviewerThroughput]:
    by: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by[r.resolved_by or "unknown"].append(r)
    return {name: ReviewerThroughput(
        resolved=len(rs), approved=sum(1 for r in rs if r.outcome == "approve"),
        rejected=sum(1 for r in rs if r.outcome == "reject"), handling=spread(_handling(rs)))
        for name, rs in sorted(by.items())}


def _overturn(rows: Sequence[Any]) -> dict[str, Overturn]:
    resolved: Counter[str] = Counter()
    approved: Counter[str] = Counter()
    for r in rows:
        if r.kind != "flag":
            continue
        for rule in set(r.rule_ids.split()):
            resolved[rule] += 1
            approved[rule] += r.outcome == "approve"
    out = {rule: Overturn(resolved=n, approved=approved[rule], rate=round(approved[rule] / n, 4))
           for rule, n in resolved.items()}
    return dict(sorted(out.items(), key=lambda kv: (-kv[1].rate, -kv[1].resolved, kv[0])))


def _spot(rows: Sequence[Any], sampled: int) -> SpotChecks:
    judged = [r for r in rows if r.kind == "sample"]
    bad = sum(1 for r in judged if r.outcome == "reject")
    ci = wilson(bad, len(judged))
    return SpotChecks(sampled=sampled, judged=len(judged), bad=bad,
                      share=round(bad / len(judged), 6) if judged else None,
                      ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None)
