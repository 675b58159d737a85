"""The engine: normalize once, resolve facts concurrently, run every check, apply the policy.

A check that raises (including one that asks for a fact whose provider failed) becomes an
`engine.check_failed` finding (declared in `rules/engine.toml`; the catalog refuses it at
less than flag): a posting is never approved when one of its checks could not run. The
catalog is read once per evaluation, so a reload that swaps it mid-flight never mixes two
rule packs in one decision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from verifier.families.facts import FactProvider
from verifier.families.rules import RuleSpec
from verifier.models import EnterpriseSummary, Evidence, Finding, Outcome, Posting
from verifier.obs.metrics import observe_check
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.facts import context, resolve_all
from verifier.store.side_writes import SideWrite


@dataclass(frozen=True)
class Evaluation:
    """Everything the engine decided about one posting, before it is logged."""

    outcome: Outcome
    risk_score: float
    findings: list[Finding]
    tags: list[str]
    enterprise: EnterpriseSummary | None
    rules_version: str
    timings_ms: dict[str, float]
    side_writes: list[SideWrite] = field(default_factory=list)


class Engine:
    """Runs a catalog's checks over postings."""

    def __init__(
        self, catalog: Catalog, providers: list[FactProvider] | None = None, *,
        fact_timeout: float = 2.0,
    ) -> None:
        self.catalog = catalog
        self.providers = providers or []
        self.fact_timeout = fact_timeout

    def swap(self, catalog: Catalog) -> None:
        """Put a new catalog in force (atomic: one attribute assignment)."""
        self.catalog = catalog

    async def evaluate(
        self, posting: Posting, now: datetime | None = None, *, portal: str | None = None
    ) -> Evaluation:
        """Judge one posting (from `portal`: the API key's; by default its source URL's host)."""
        catalog = self.catalog
        t0 = time.perf_counter()
        clock = posting.submitted_at or now or datetime.now(UTC)
        facts = context(posting, clock, portal)
        # Only facts some loaded check declares (`Check.facts`); a check reading one it did
        # not declare fails closed instead of silently seeing "no such fact".
        needed = catalog.facts
        for p in self.providers:
            if p.name not in needed:
                facts.errors[p.name] = "not looked up: no loaded check declares this fact"
        await resolve_all([p for p in self.providers if p.name in needed], facts,
                          self.fact_timeout)
        t1 = time.perf_counter()
        raw: list[Finding] = []
        tags: list[str] = []
        for check in catalog.checks:
            c0 = time.perf_counter()
            try:
                raw.extend(check.check(facts))
                tags.extend(check.tags(facts))
            except Exception as exc:  # any check failure fails closed
                raw.append(_failed(catalog.check_failed, check.id, exc))
            observe_check(check.id, time.perf_counter() - c0)
        campaigns = frozenset(([posting.campaign] if posting.campaign else []) + tags)
        verdict = catalog.policy.apply(raw, campaigns, facts.portal)
        enterprise = None
        for p in self.providers:
            if p.name in facts.values:
                enterprise = enterprise or p.summary(facts.values[p.name])
        t2 = time.perf_counter()
        return Evaluation(
            outcome=verdict.outcome,
            risk_score=verdict.risk_score,
            findings=verdict.findings,
            tags=list(dict.fromkeys(tags)),
            enterprise=enterprise,
            rules_version=catalog.rules_version,
            timings_ms={
                "facts": round((t1 - t0) * 1000, 3),
                "checks": round((t2 - t1) * 1000, 3),
            },
            side_writes=facts.side_writes,
        )


def _failed(spec: RuleSpec, check_id: str, exc: Exception) -> Finding:
    return Finding(
        rule=spec.id,
        severity=spec.severity,
        score=spec.score or 0.0,
        message=spec.render(None, {"check": check_id}),
        evidence=Evidence(
            data={"check": check_id, "error": type(exc).__name__, "detail": str(exc)[:500]}
        ),
    )
