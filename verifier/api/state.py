"""Typed keys of the aiohttp application's state."""

from __future__ import annotations

from aiohttp import web

from verifier.pipeline.engine import Engine
from verifier.resources import Resources
from verifier.review.service import ReviewService
from verifier.service import Verifier
from verifier.settings import Settings
from verifier.store.epochs import EpochWatcher
from verifier.store.keys import KeyCache
from verifier.store.writer import DecisionWriter

SETTINGS = web.AppKey("settings", Settings)
RESOURCES = web.AppKey("resources", Resources)
ENGINE = web.AppKey("engine", Engine)
WRITER = web.AppKey("writer", DecisionWriter)
VERIFIER = web.AppKey("verifier", Verifier)
KEYS = web.AppKey("keys", KeyCache)
WATCHER = web.AppKey("watcher", EpochWatcher)
REVIEW = web.AppKey("review", ReviewService)
