"""How the review machine is doing: queue depth by portal, rule and campaign; age of open
items; overdue count; handling time; throughput per reviewer; per-rule overturn rate
(flagged by the rule, approved by a person); and from spot checks the estimated share of bad
postings among automatic approvals, with a Wilson score interval.

The database does the counting and the ranking, never a scan in Python:

- counts are GROUP BY aggregates (COUNT, SUM of CASE) over the open items and over the items
  resolved in the window, grouped by the dimensions the figures need (portal, kind,
  campaign, acting rules; reviewer, outcome). The acting rules are a space-separated column,
  so the per-rule and per-family figures split the distinct rule sets of those groups (a few,
  however many items), not the items;
- percentiles (p50, p90, max) of every duration, in one UNION ALL query: a window function
  ranks the items (`ROW_NUMBER() OVER (ORDER BY duration)`, per reviewer for their handling
  times) and only the rows at the ranks the interpolation needs come back, so the percentile
  is the linear interpolation between two neighbouring ranks (the definition of PostgreSQL's
  `percentile_cont`, and numpy's default). The same statement runs on SQLite (window functions
  since 3.25; it has no `percentile_cont`) and PostgreSQL. The exact seconds are computed from
  the returned timestamps; the ordering uses the interval on PostgreSQL and the difference of
  `julianday()` values on SQLite.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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


QUANTILES = (Fraction(1, 2), Fraction(9, 10))
"""p50 and p90."""


def _interpolate(n: int, q: Fraction, at: Callable[[int], float]) -> float:
    """The q-quantile of n ascending values, `at(rank)` giving the value at a 0-based rank:
    linear interpolation between ranks floor((n-1)q) and the next one."""
    pos = (n - 1) * q
    lo = math.floor(pos)
    low = at(lo)
    if pos == lo:
        return round(low, 3)
    return round(low + (at(lo + 1) - low) * float(pos - lo), 3)


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation; None for no values."""
    if not values:
        return None
    s = sorted(values)
    return _interpolate(len(s), Fraction(q).limit_denominator(1000), s.__getitem__)


def spread(values: list[float]) -> Spread:
    """Count, p50, p90 and max."""
    return Spread(count=len(values), p50=percentile(values, 0.5), p90=percentile(values, 0.9),
                  max=round(max(values), 3) if values else None)


NO_DATA = Spread(count=0, p50=None, p90=None, max=None)


def _ranked_spread(n: int, at: Mapping[int, float]) -> Spread:
    """Count, p50, p90 and max of n values from the ones at the ranks they need."""
    if n == 0:
        return NO_DATA
    p50, p90 = (_interpolate(n, q, at.__getitem__) for q in QUANTILES)
    return Spread(count=n, p50=p50, p90=p90, max=round(at[n - 1], 3))


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
        open_groups = (await conn.execute(_open_counts(now))).all()
        done_groups = (await conn.execute(_done_counts(since))).all()
        sampled = (await conn.execute(select(func.count()).where(
            c.kind == "sample", c.created_at >= since))).scalar_one()
        durations = await _durations(conn, now, since)
    return ReviewStats(
        at=now, since=since, depth=_depth(open_groups),
        age=durations.get(("age", ""), NO_DATA),
        overdue=sum(int(g.overdue) for g in open_groups),
        handling=durations.get(("handling", ""), NO_DATA),
        time_to_resolution=durations.get(("resolution", ""), NO_DATA),
        throughput=_throughput(done_groups, durations), overturn=_overturn(done_groups),
        spot_checks=_spot(done_groups, int(sampled)))


def _count_if(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((cond, 1), else_=0))


def _open_counts(now: datetime) -> Select[Any]:
    """Open items grouped by every dimension of the depth, with live claims and overdue."""
    return (select(c.portal, c.kind, c.campaign, c.rule_ids, func.count().label("n"),
                   _count_if(and_(c.status == "claimed", c.lease_until > now)).label("claimed"),
                   _count_if(c.due_at < now).label("overdue"))
            .where(c.status.in_(OPEN)).group_by(c.portal, c.kind, c.campaign, c.rule_ids))


def _resolved(since: datetime) -> tuple[ColumnElement[bool], ...]:
    return c.status.in_(("approved", "rejected")), c.resolved_at >= since


def _done_counts(since: datetime) -> Select[Any]:
    """Items resolved in the window grouped by reviewer, kind, outcome and acting rules."""
    return (select(c.resolved_by, c.kind, c.outcome, c.rule_ids, func.count().label("n"))
            .where(*_resolved(since)).group_by(c.resolved_by, c.kind, c.outcome, c.rule_ids))


async def _durations(conn: AsyncConnection, now: datetime, since: datetime
                     ) -> dict[tuple[str, str], Spread]:
    """Spreads of: age of open items ("age"), handling time overall ("handling") and per
    reviewer ("handling_by", name), time to resolution ("resolution"); keyed (figure,
    reviewer or "")."""
    pg = conn.dialect.name == "postgresql"

    def length(start: Any, end: Any) -> ColumnElement[Any]:
        return end - start if pg else func.julianday(end) - func.julianday(start)

    reviewer = func.coalesce(c.resolved_by, "unknown")
    done = _resolved(since)
    parts = [
        _at_ranks("age", literal(""), c.created_at, cast(null(), c.resolved_at.type),
                  c.created_at.desc(), None,
                  (c.status.in_(OPEN),)),
        _at_ranks("handling", literal(""), c.claimed_at, c.resolved_at,
                  length(c.claimed_at, c.resolved_at), None,
                  (*done, c.claimed_at.is_not(None))),
        _at_ranks("handling_by", reviewer, c.claimed_at, c.resolved_at,
                  length(c.claimed_at, c.resolved_at), reviewer,
                  (*done, c.claimed_at.is_not(None))),
        _at_ranks("resolution", literal(""), c.created_at, c.resolved_at,
                  length(c.created_at, c.resolved_at), None, done),
    ]
    rows = (await conn.execute(union_all(*parts))).all()
    found: dict[tuple[str, str], tuple[int, dict[int, float]]] = {}
    for r in rows:
        key = (r.figure, r.who)
        end = utc(r.end_at) or now
        seconds = (end - (utc(r.start_at) or end)).total_seconds()
        value = seconds if r.figure == "age" else max(0.0, seconds)
        found.setdefault(key, (int(r.n), {}))[1][int(r.rank)] = value
    return {key: _ranked_spread(n, at) for key, (n, at) in found.items()}


def _at_ranks(figure: str, who: ColumnElement[Any], start: Any, end: Any, order: Any,
              partition: ColumnElement[Any] | None,
              where: Iterable[ColumnElement[bool]]) -> Select[Any]:
    """The rows at the ranks the percentiles need (floor of (n-1)·q and the next one for
    p50 and p90; n-1 for the max) of the items matching `where`, ordered by `order`
    (within each `partition`)."""
    ranked = select(
        literal(figure).label("figure"), who.label("who"), start.label("start_at"),
        end.label("end_at"),
        (func.row_number().over(partition_by=partition, order_by=order) - 1).label("rank"),
        func.count().over(partition_by=partition).label("n"),
    ).where(*where).subquery()
    last = ranked.c.n - 1
    wanted = [last]
    for q in QUANTILES:
        lo = last * q.numerator // q.denominator
        wanted += [lo, lo + 1]
    return select(ranked.c.figure, ranked.c.who, ranked.c.start_at, ranked.c.end_at,
                  ranked.c.rank, ranked.c.n).where(ranked.c.rank.in_(wanted))


def _most_common(counts: Counter[str]) -> dict[str, int]:
    """Largest first, ties by name."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _depth(groups: Iterable[Any]) -> Depth:
    portal: Counter[str] = Counter()
    rule: Counter[str] = Counter()
    family: Counter[str] = Counter()
    campaign: Counter[str] = Counter()
    kind: Counter[str] = Counter()
    total = claimed = 0
    for g in groups:
        n = int(g.n)
        total += n
        claimed += int(g.claimed)
        portal[g.portal] += n
        kind[g.kind] += n
        if g.campaign:
            campaign[g.campaign] += n
        ids = g.rule_ids.split()
        for i in ids:
            rule[i] += n
        for f in {i.split(".", 1)[0] for i in ids}:
            family[f] += n
    return Depth(total=total, pending=total - claimed, claimed=claimed,
                 by_portal=_most_common(portal), by_rule=_most_common(rule),
                 by_family=_most_common(family), by_campaign=_most_common(campaign),
                 by_kind=_most_common(kind))


def _throughput(groups: Iterable[Any], durations: Mapping[tuple[str, str], Spread]
                ) -> dict[str, ReviewerThroughput]:
    by: dict[str, Counter[str]] = defaultdict(Counter)
    for g in groups:
        counts = by[g.resolved_by or "unknown"]
        counts["resolved"] += int(g.n)
        counts[g.outcome or ""] += int(g.n)
    return {name: ReviewerThroughput(
        resolved=n["resolved"], approved=n["approve"], rejected=n["reject"],
        handling=durations.get(("handling_by", name), NO_DATA))
        for name, n in sorted(by.items())}


def _overturn(groups: Iterable[Any]) -> dict[str, Overturn]:
    resolved: Counter[str] = Counter()
    approved: Counter[str] = Counter()
    for g in groups:
        if g.kind != "flag":
            continue
        for rule in set(g.rule_ids.split()):
            resolved[rule] += int(g.n)
            approved[rule] += int(g.n) if g.outcome == "approve" else 0
    out = {rule: Overturn(resolved=n, approved=approved[rule], rate=round(approved[rule] / n, 4))
           for rule, n in resolved.items()}
    return dict(sorted(out.items(), key=lambda kv: (-kv[1].rate, -kv[1].resolved, kv[0])))


def _spot(groups: Iterable[Any], sampled: int) -> SpotChecks:
    judged = sum(int(g.n) for g in groups if g.kind == "sample")
    bad = sum(int(g.n) for g in groups if g.kind == "sample" and g.outcome == "reject")
    ci = wilson(bad, judged)
    return SpotChecks(sampled=sampled, judged=judged, bad=bad,
                      share=round(bad / judged, 6) if judged else None,
                      ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None)
