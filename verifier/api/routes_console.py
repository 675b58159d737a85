"""Mounts the reviewer console (`verifier.console`) on the service at /console."""

from __future__ import annotations

from aiohttp import web

from verifier import console
from verifier.api.state import RESOURCES, REVIEW
from verifier.resources import Resources
from verifier.review.service import ReviewService


def _resources(app: web.Application) -> Resources:
    return app[RESOURCES]


def _review(app: web.Application) -> ReviewService:
    return app[REVIEW]


def setup(app: web.Application) -> None:
    """Add the console's pages and static assets."""
    console.setup(app, _resources, _review)
