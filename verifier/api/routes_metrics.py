"""`GET /metrics`: Prometheus exposition of every worker's metrics."""

from __future__ import annotations

from aiohttp import web

from verifier.obs import metrics

SCRAPE_HOOKS = web.AppKey("scrape_hooks", list[metrics.ScrapeHook])


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format; public like /healthz (serve it on a private network)."""
    body = await metrics.render(request.app.get(SCRAPE_HOOKS, []))
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = metrics.CONTENT_TYPE
    return resp


def setup(app: web.Application) -> None:
    """Register the route and an (empty) list of scrape-time hooks."""
    app.setdefault(SCRAPE_HOOKS, [])
    app.router.add_get("/metrics", metrics_page)
