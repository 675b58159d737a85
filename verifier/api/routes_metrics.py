"""`GET /metrics`: Prometheus exposition of every worker's metrics, plus review-queue gauges
read from SQL at scrape time."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select

from verifier.api.state import RESOURCES
from verifier.obs import metrics
from verifier.store.tables import review_items

log = logging.getLogger(__name__)
SCRAPE_HOOKS = web.AppKey("scrape_hooks", list[metrics.ScrapeHook])
OPEN = ("pending", "claimed")


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format; public like /healthz (serve it on a private network)."""
    body = await metrics.render(request.app.get(SCRAPE_HOOKS, []))
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = metrics.CONTENT_TYPE
    return resp


def review_queue_hook(app: web.Application) -> metrics.ScrapeHook:
    """Gauges of the review queue: open items by status and the oldest pending item's age
    (nothing when the database does not answer within 2 s: a scrape never fails)."""

    async def hook() -> list[Metric]:
        depth = GaugeMetricFamily("verifier_review_queue_depth",
                                  "Review items waiting, by status.", labels=["status"])
        oldest = GaugeMetricFamily("verifier_review_oldest_pending_seconds",
                                   "Age of the oldest pending review item (0: none).")
        try:
            async with asyncio.timeout(2), app[RESOURCES].engine.connect() as conn:
                rows = (await conn.execute(
                    select(review_items.c.status, func.count(), func.min(review_items.c.created_at))
                    .where(review_items.c.status.in_(OPEN)).group_by(review_items.c.status)
                )).all()
        except Exception as exc:  # the queue gauges are missing from this scrape only
            log.warning("review queue gauges skipped: %s", type(exc).__name__)
            return []
        seen = {status: (count, first) for status, count, first in rows}
        for status in OPEN:
            depth.add_metric([status], seen.get(status, (0, None))[0])
        first = seen.get("pending", (0, None))[1]
        if first is not None and first.tzinfo is None:
            first = first.replace(tzinfo=UTC)
        oldest.add_metric([], (datetime.now(UTC) - first).total_seconds() if first else 0.0)
        return [depth, oldest]

    return hook


def setup(app: web.Application) -> None:
    """Register the route and the scrape-time hooks (others may append theirs)."""
    app.setdefault(SCRAPE_HOOKS, []).append(review_queue_hook(app))
    app.router.add_get("/metrics", metrics_page)
