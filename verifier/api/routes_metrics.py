"""`GET /metrics`: Prometheus exposition of every worker's metrics, plus review-queue gauges
(depth, overdue, oldest) read from SQL at scrape time."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from itertools import product
from typing import get_args

from aiohttp import web
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select

from verifier.api.state import RESOURCES
from verifier.obs import metrics
from verifier.review.config import ItemKind
from verifier.store.tables import review_items

log = logging.getLogger(__name__)
SCRAPE_HOOKS = web.AppKey("scrape_hooks", list[metrics.ScrapeHook])
OPEN = ("pending", "claimed")
KINDS: tuple[str, ...] = get_args(ItemKind)


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format; public like /healthz (serve it on a private network)."""
    body = await metrics.render(request.app.get(SCRAPE_HOOKS, []))
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = metrics.CONTENT_TYPE
    return resp


def review_queue_hook(app: web.Application) -> metrics.ScrapeHook:
    """Gauges of the review queue: open items by status, open items past their SLA due time
    by status and kind, and the oldest pending item's age (nothing when the database does
    not answer within 2 s: a scrape never fails)."""

    async def hook() -> list[Metric]:
        depth = GaugeMetricFamily("verifier_review_queue_depth",
                                  "Review items waiting, by status.", labels=["status"])
        overdue = GaugeMetricFamily(
            "verifier_review_queue_overdue",
            "Open review items past their SLA due time, by status and kind.",
            labels=["status", "kind"])
        oldest = GaugeMetricFamily("verifier_review_oldest_pending_seconds",
                                   "Age of the oldest pending review item (0: none).")
        now = datetime.now(UTC)
        c = review_items.c
        try:
            async with asyncio.timeout(2), app[RESOURCES].engine.connect() as conn:
                rows = (await conn.execute(
                    select(c.status, func.count(), func.min(c.created_at))
                    .where(c.status.in_(OPEN)).group_by(c.status)
                )).all()
                late = (await conn.execute(
                    select(c.status, c.kind, func.count())
                    .where(c.status.in_(OPEN), c.due_at < now).group_by(c.status, c.kind)
                )).all()
        except Exception as exc:  # the queue gauges are missing from this scrape only
            log.warning("review queue gauges skipped: %s", type(exc).__name__)
            return []
        seen = {status: (count, first) for status, count, first in rows}
        for status in OPEN:
            depth.add_metric([status], seen.get(status, (0, None))[0])
        counted = {(status, kind): count for status, kind, count in late}
        for status, kind in sorted({*product(OPEN, KINDS), *counted}):
            overdue.add_metric([status, kind], counted.get((status, kind), 0))
        first = seen.get("pending", (0, None))[1]
        if first is not None and first.tzinfo is None:
            first = first.replace(tzinfo=UTC)
        oldest.add_metric([], (now - first).total_seconds() if first else 0.0)
        return [depth, overdue, oldest]

    return hook


def setup(app: web.Application) -> None:
    """Register the route and the scrape-time hooks (others may append theirs)."""
    app.setdefault(SCRAPE_HOOKS, []).append(review_queue_hook(app))
    app.router.add_get("/metrics", metrics_page)
