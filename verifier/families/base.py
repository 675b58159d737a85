"""The contract every check family implements.

A check is a small class: `id` (the family, e.g. ``content``), `version`, the rules it can
emit (`rules`: id → default severity and product text), a `Params` model that refuses
unknown keys, and two methods:

- `load(pack)`: classmethod, reads the check's own files from the rule pack through the
  `PackReader` (which records them for the fingerprint and reports errors with file and
  line) and returns a ready instance. One-time work (automata, indexes) happens here.
- `check(posting, facts)`: pure. Never awaits, never touches the network, the database,
  the clock or the environment; `facts.now` is the clock. Returns findings.

Checks are discovered from the modules of the `verifier.families` packages: adding a family
is adding a package (and its files under `rules/`), never editing the engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from verifier.models import Evidence, Finding, Posting, Severity, Span

if TYPE_CHECKING:
    from verifier.pipeline.facts import Facts
    from verifier.pipeline.pack import PackReader


@dataclass(frozen=True)
class RuleSpec:
    """One rule a check can emit: default severity, score and the product text."""

    severity: Severity
    description: str
    score: float = 0.0


class NoParams(BaseModel):
    """Params model for checks that take none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(ABC):
    """Base class of every check family."""

    id: ClassVar[str]
    version: ClassVar[str] = "1"
    rules: ClassVar[dict[str, RuleSpec]]
    Params: ClassVar[type[BaseModel]] = NoParams
    params_file: ClassVar[str | None] = None
    """Path under `rules/` of a TOML file validated by `Params`; None for no params."""
    facts: ClassVar[tuple[str, ...]] = ()
    """Names of the facts this check reads (providers whose fact no loaded check reads are
    not asked: a family disabled in `policy.toml` costs nothing)."""

    def __init__(self, params: Any) -> None:
        self.params = params

    @classmethod
    def load(cls, pack: PackReader) -> Self:
        """Build the check from the rule pack; override to read more data files."""
        params = pack.params(cls.params_file, cls.Params) if cls.params_file else cls.Params()
        return cls(params)

    @abstractmethod
    def check(self, posting: Posting, facts: Facts) -> list[Finding]:
        """Judge one posting. Pure: no I/O, no clock (use `facts.now`)."""

    def tags(self, posting: Posting, facts: Facts) -> list[str]:
        """Tags this check gives the decision (campaign, 专精特新 ...); none by default."""
        return []

    def finding(
        self,
        rule: str,
        message: str,
        *,
        spans: list[Span] | None = None,
        data: dict[str, Any] | None = None,
        severity: Severity | None = None,
        score: float | None = None,
    ) -> Finding:
        """A finding for one of this check's rules, with the rule's default severity."""
        spec = self.rules[rule]
        return Finding(
            rule=rule,
            severity=severity or spec.severity,
            score=spec.score if score is None else score,
            message=message,
            evidence=Evidence(spans=spans or [], data=data or {}),
        )
