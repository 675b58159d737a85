"""Prometheus metrics of the service, safe across `serve --workers N`.

With `PROMETHEUS_MULTIPROC_DIR` set (the supervisor sets it for several workers) every
process writes its samples to files there and `/metrics` in any worker reads all of them;
without it the process's own registry is exposed. The variable must be set before this
module is imported (prometheus-client reads it once).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from verifier.models import Decision

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_REQUEST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "verifier_http_requests_total", "HTTP requests answered, by route pattern and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "verifier_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
    ["method", "route"], buckets=_REQUEST,
)
DECISIONS = Counter(
    "verifier_decisions_total", "Decisions logged, by outcome.", ["outcome"],
)
FINDINGS = Counter(
    "verifier_findings_total", "Findings in logged decisions, by rule id and severity.",
    ["rule", "severity"],
)
CHECK_SECONDS = Histogram(
    "verifier_check_duration_seconds", "Time one check took on one posting, by family.",
    ["family"], buckets=_FAST,
)
FACT_SECONDS = Histogram(
    "verifier_fact_duration_seconds", "Time one fact lookup took for one posting, by family.",
    ["family", "result"], buckets=_FAST,
)
BATCH_SIZE = Histogram(
    "verifier_writer_batch_size", "Decisions per decision-log commit.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000),
)
COMMIT_SECONDS = Histogram(
    "verifier_writer_commit_duration_seconds",
    "Time to write and commit one batch of decisions (durable on disk).",
    ["result"], buckets=_REQUEST,
)
RULES_INFO = Gauge(
    "verifier_rules_info", "The rule pack in force (value 1 for its rules_version).",
    ["rules_version"], multiprocess_mode="livemax",
)
RULES_RELOADS = Counter(
    "verifier_rules_reloads_total", "Rule pack reloads, by result (ok or refused).", ["result"],
)
RATE_LIMITED = Counter(
    "verifier_rate_limited_total", "Requests refused with 429, by key role.", ["role"],
)

ScrapeHook = Callable[[], Awaitable[list[Metric]]]
"""Metrics computed at scrape time (e.g. review queue depth read from SQL): plain metric
families, not file-backed gauges, so they are the same whichever worker answers."""


def family_of(check_id: str) -> str:
    """The rule family of a check id (`salary_market` -> `salary`)."""
    return check_id.split("_", 1)[0]


def set_rules_version(new: str, old: str | None = None) -> None:
    """Show `new` as the rule pack in force (and `old` no longer)."""
    if old is not None and old != new:
        RULES_INFO.labels(rules_version=old).set(0)
    RULES_INFO.labels(rules_version=new).set(1)


def prepare_multiproc_dir(path: Path) -> None:
    """Empty (or create) the directory the workers write their samples to."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges (its counters stay counted)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


async def render(hooks: list[ScrapeHook]) -> bytes:
    """The exposition text of every process's metrics plus what the hooks compute now."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    families: list[Metric] = []
    for hook in hooks:
        families.extend(await hook())
    if families:
        extra = CollectorRegistry()
        extra.register(_Fixed(families))
        body += generate_latest(extra)
    return body


class _Fixed(Collector):
    """A collector that yields metric families computed beforehand."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        """The families given."""
        return self.families


@cache
def _check_child(check_id: str) -> Any:
    return CHECK_SECONDS.labels(family=family_of(check_id))


@cache
def _fact_child(name: str, result: str) -> Any:
    return FACT_SECONDS.labels(family=name, result=result)


@lru_cache(maxsize=1024)
def _request_children(method: str, route: str, status: int) -> tuple[Any, Any]:
    return (REQUESTS.labels(method, route, str(status)),
            REQUEST_SECONDS.labels(method, route))


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one served request and record its latency (labelled children are looked up
    once per method, route and status: routes are patterns, never raw paths)."""
    count, latency = _request_children(method, route, status)
    count.inc()
    latency.observe(seconds)


def observe_check(check_id: str, seconds: float) -> None:
    """Record one check's time on one posting."""
    _check_child(check_id).observe(seconds)


def observe_fact(name: str, result: str, seconds: float) -> None:
    """Record one fact lookup's time and result (ok, timeout, error)."""
    _fact_child(name, result).observe(seconds)


@cache
def _commit_child(ok: bool) -> Any:
    return COMMIT_SECONDS.labels(result="ok" if ok else "failed")


@cache
def _decision_child(outcome: str) -> Any:
    return DECISIONS.labels(outcome=outcome)


@lru_cache(maxsize=4096)
def _finding_child(rule: str, severity: str) -> Any:
    return FINDINGS.labels(rule=rule, severity=severity)


def observe_batch(size: int, seconds: float, *, ok: bool) -> None:
    """Record one decision-log commit: its size and how long until it was durable."""
    BATCH_SIZE.observe(size)
    _commit_child(ok).observe(seconds)


def count_decisions(decisions: Sequence[Decision]) -> None:
    """Count logged decisions by outcome and their findings by rule id (the labelled
    children are looked up once per label values: `labels()` costs several times the
    increment, and a decision with every family carries a score of findings)."""
    for d in decisions:
        _decision_child(d.outcome.value).inc()
        for f in d.findings:
            _finding_child(f.rule, f.severity.value).inc()
