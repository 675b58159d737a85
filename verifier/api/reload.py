"""Reloading the rule pack: build the new catalog aside, swap it in only if it is valid."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from verifier.api.state import ENGINE, RESOURCES, SETTINGS, WATCHER
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.pack import RulePackError
from verifier.store import epochs

log = logging.getLogger(__name__)
RULES_EPOCH = "rules"


async def reload_rules(app: web.Application, *, announce: bool) -> tuple[bool, str, list[str]]:
    """(ok, rules_version in force, issues). A bad pack leaves the old one in force."""
    engine = app[ENGINE]
    try:
        catalog = await asyncio.to_thread(Catalog.load, app[SETTINGS].rules_dir)
    except RulePackError as exc:
        issues = [str(i) for i in exc.issues]
        log.error("rule pack refused, keeping %s: %s", engine.catalog.rules_version, issues[:5])
        return False, engine.catalog.rules_version, issues
    engine.swap(catalog)
    log.info("rules reloaded: %s", catalog.rules_version)
    if announce:
        res = app[RESOURCES]
        value = await epochs.bump(res.engine, RULES_EPOCH, res.redis)
        if WATCHER in app:
            app[WATCHER].seen[RULES_EPOCH] = value
    return True, catalog.rules_version, []
