"""The stats page: queue depth, ages, handling, throughput, overturn rates, spot checks,
drawn as server-side SVG bar charts."""

from __future__ import annotations

from aiohttp import web

from verifier.console.charts import bar_chart
from verifier.console.pages import page, render, review

routes = web.RouteTableDef()


@routes.get("/console/stats")
@page
async def stats(request: web.Request) -> web.StreamResponse:
    """How the review machine is doing (the same figures as GET /v1/review/stats)."""
    s = await review(request).stats()
    d = s.depth
    charts = {
        "按平台的待审量": bar_chart([(k, float(v)) for k, v in d.by_portal.items()]),
        "按规则的待审量": bar_chart([(k, float(v)) for k, v in d.by_rule.items()]),
        "按专项活动的待审量": bar_chart([(k, float(v)) for k, v in d.by_campaign.items()]),
        "审核员处理量": bar_chart([(k, float(v.resolved)) for k, v in s.throughput.items()]),
        "规则被推翻率（规则提示、人工通过）": bar_chart(
            [(k, v.rate * 100) for k, v in s.overturn.items() if v.resolved],
            fmt="{:.0f}%"),
    }
    return render(request, "stats.html", {"s": s, "charts": charts})
