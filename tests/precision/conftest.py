"""The shipped rule pack in an engine, and a helper that decides one posting through it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import RULES, make_posting
from verifier.models import Finding, Outcome
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine, Evaluation


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped pack, loaded once."""
    return Catalog.load(RULES)


class Decide:
    """Decide postings (the base factory posting with overrides) through the shipped pack."""

    def __init__(self, catalog: Catalog) -> None:
        self.engine = Engine(catalog)

    async def __call__(self, **kw: Any) -> Evaluation:
        return await self.engine.evaluate(make_posting(**kw))


@pytest.fixture
def decide(catalog: Catalog) -> Decide:
    """`await decide(description=...)` -> the Evaluation."""
    return Decide(catalog)


def decisive(ev: Evaluation) -> dict[str, Finding]:
    """Findings that count (flag or reject, not shadow), by rule id."""
    return {f.rule: f for f in ev.findings if not f.shadow and f.severity != "info"}


def rules(ev: Evaluation) -> set[str]:
    """Every rule id found, info included."""
    return {f.rule for f in ev.findings}


__all__ = ["Outcome", "decisive", "rules"]
