"""Reloading the rule pack: build the new catalog aside, swap it in only if it is valid."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from verifier.api.state import ENGINE, RESOURCES, REVIEW, SETTINGS, WATCHER
from verifier.obs import metrics
from verifier.pack import RulePackError
from verifier.pipeline.catalog import Catalog
from verifier.registry import reference
from verifier.review.config import ReviewConfig
from verifier.store import epochs

log = logging.getLogger(__name__)
RULES_EPOCH = "rules"


@dataclass
class ReloadStatus:
    """The outcome of this process's last rule reload (shown by /readyz)."""

    result: str = "none yet"
    at: str | None = None
    rules_version: str | None = None
    refused: int = 0
    issues: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The status as JSON-able data."""
        return {"result": self.result, "at": self.at, "rules_version": self.rules_version,
                "refused_total": self.refused, "issues": self.issues}


RELOAD_STATUS = web.AppKey("reload_status", ReloadStatus)


async def _load(rules_dir: Path) -> Catalog:
    """The new catalog, its registry reference tables installed. Checks normalize names
    while they load (brand tables), so when the tables changed the pack is loaded again
    with the new ones in force; a failure puts the previous ones back."""
    catalog = await asyncio.to_thread(Catalog.load, rules_dir)
    before = reference.installed()
    if catalog.reference is None or catalog.reference == before:
        return catalog
    reference.install(catalog.reference)
    try:
        return await asyncio.to_thread(Catalog.load, rules_dir)
    except RulePackError:
        if before is not None:
            reference.install(before)
        raise


async def reload_rules(app: web.Application, *, announce: bool) -> tuple[bool, str, list[str]]:
    """(ok, rules_version in force, issues). A bad pack leaves the old one in force."""
    engine = app[ENGINE]
    status = app.get(RELOAD_STATUS) or ReloadStatus()
    status.at = datetime.now(UTC).isoformat()
    old = engine.catalog.rules_version
    try:
        catalog = await _load(app[SETTINGS].rules_dir)
        review = await asyncio.to_thread(ReviewConfig.load, app[SETTINGS].rules_dir)
    except RulePackError as exc:
        issues = [str(i) for i in exc.issues]
        log.error("rule pack refused, keeping %s: %s", old, issues[:5],
                  extra={"rules_version": old, "problems": len(issues)})
        metrics.RULES_RELOADS.labels(result="refused").inc()
        status.result, status.rules_version, status.issues = "refused", old, issues[:10]
        status.refused += 1
        return False, old, issues
    engine.swap(catalog)
    metrics.RULES_RELOADS.labels(result="ok").inc()
    metrics.set_rules_version(catalog.rules_version, old)
    status.result, status.rules_version, status.issues = "ok", catalog.rules_version, []
    if REVIEW in app:
        app[REVIEW].swap(review)
    log.info("rules reloaded: %s", catalog.rules_version)
    if announce:
        res = app[RESOURCES]
        value = await epochs.bump(res.engine, RULES_EPOCH, res.redis)
        if WATCHER in app:
            app[WATCHER].seen[RULES_EPOCH] = value
    return True, catalog.rules_version, []
