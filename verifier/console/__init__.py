"""The reviewer console at /console: server-rendered pages (aiohttp-jinja2, Chinese UI).

Sign-in with a reviewer key opens a session (an HttpOnly, SameSite=Strict cookie, Secure
behind TLS); every form carries the session's CSRF token; templates autoescape everything.
Pages call the review service (`verifier.review.service`), the same layer as /v1/review/*.
Templates and static assets (CSS, the keyboard-shortcut script) ship inside this package.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from verifier.console import filters, views_item, views_queue, views_stats
from verifier.console.pages import DEPS, Deps, routes
from verifier.review.service import ReviewService

HERE = Path(__file__).resolve().parent


def setup(app: web.Application, resources: Callable[[web.Application], Any],
          review: Callable[[web.Application], ReviewService]) -> None:
    """Mount the console on `app`; `resources`/`review` fetch the app's resources and review
    service once it runs."""
    env = aiohttp_jinja2.setup(
        app, loader=jinja2.PackageLoader("verifier.console", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True)
    env.filters.update(filters.FILTERS)
    app[DEPS] = Deps(resources, review)
    app.router.add_static("/console/static", HERE / "static")
    for table in (routes, views_queue.routes, views_item.routes, views_stats.routes):
        app.add_routes(table)
