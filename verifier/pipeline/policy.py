"""Policy: turns findings into an outcome and a risk score (`rules/policy.toml`).

A rule's own severity, score and shadow mode are declared with the rule, in its family's
`rules/<family>/rules.toml`; the policy holds what decides between them:

- Risk score: the scores of the decisive findings combined as independent signals,
  ``100 * (1 - prod(1 - s/100))``, so several weak signals add up and the total stays ≤ 100;
  a finding whose rule declares no score counts its severity's `default_scores`.
- Combinations: several signals from different rule families together (easy money + no
  experience + paid daily) add a finding of their own, with its severity and score.
- Scopes: a campaign or a portal may set its own overrides (`[[scope]]` with `campaign` or
  `portal`, a `basis` and `rules`, each an exact id or a glob such as
  ``keywords.discrimination.*``), e.g. forbid age limits that are info by default; a
  finding they change cites the scope and its basis.
- Outcome: any reject finding rejects; any flag finding, or a risk score at or over
  `flag_threshold`, flags; otherwise approve.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from verifier.models import SEVERITY_RANK, Evidence, Finding, Outcome, Severity


class RuleOverride(BaseModel):
    """A scope's settings for one rule id or glob."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity | None = None
    score: Annotated[float, Field(ge=0, le=100)] | None = None
    shadow: bool = False


class Combination(BaseModel):
    """Signals from at least `min_families` different families among `rules` add a finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    rules: Annotated[list[str], Field(min_length=2)]
    min_families: Annotated[int, Field(ge=2)] = 2
    severity: Severity = Severity.flag
    score: Annotated[float, Field(ge=0, le=100)] = 40
    message: str


class Scope(BaseModel):
    """Overrides in force for the postings of one campaign or one portal, with their basis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign: Annotated[str, Field(min_length=1)] | None = None
    portal: Annotated[str, Field(min_length=1)] | None = None
    basis: Annotated[str, Field(min_length=1)]
    rules: dict[str, RuleOverride]

    @model_validator(mode="after")
    def _one_target(self) -> Scope:
        if (self.campaign is None) == (self.portal is None):
            raise ValueError("a scope names exactly one of `campaign` or `portal`")
        return self

    @property
    def label(self) -> str:
        """``campaign:<id>`` or ``portal:<name>``."""
        return f"campaign:{self.campaign}" if self.campaign else f"portal:{self.portal}"

    def applies(self, campaigns: frozenset[str], portal: str | None) -> bool:
        """Whether a posting of these campaigns (ids or tags) from this portal is in scope."""
        if self.campaign is not None:
            return self.campaign in campaigns
        return portal is not None and portal == self.portal


class PolicyConfig(BaseModel):
    """The whole `rules/policy.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flag_threshold: Annotated[float, Field(gt=0, le=100)] = 60
    default_scores: dict[Severity, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {Severity.info: 5.0, Severity.flag: 30.0, Severity.reject: 100.0}
    )
    combination: list[Combination] = Field(default_factory=list)
    scope: list[Scope] = Field(default_factory=list)
    disabled_checks: list[str] = Field(default_factory=list)
    """Check ids (`GET /v1/rules`: `check`) not loaded at all: their rules never fire and the
    facts only they read are not looked up (e.g. `["duplicate"]` on a deployment that
    must not fingerprint postings)."""


def _family(rule: str) -> str:
    """``keywords.<category>`` for keyword rules (bare or with a sub-rule), else the check."""
    parts = rule.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or parts[0] == "keywords" else parts[0]


@dataclass(frozen=True)
class Verdict:
    """The policy's result for one posting."""

    outcome: Outcome
    risk_score: float
    findings: list[Finding]


class Policy:
    """Applies a `PolicyConfig` to findings."""

    def __init__(self, config: PolicyConfig, rule_scores: Mapping[str, float] | None = None
                 ) -> None:
        self.config = config
        self.rule_scores = dict(rule_scores or {})
        """Scores the rules declare (a declared 0 is kept: a cue that adds nothing)."""
        self._combos: dict[str, frozenset[int]] = {}

    def apply(self, raw: list[Finding], campaigns: frozenset[str] = frozenset(),
              portal: str | None = None) -> Verdict:
        """Overrides (scoped ones first), combinations, risk score and outcome."""
        scopes = [s for s in self.config.scope if s.applies(campaigns, portal)]
        findings = [self._adjust(f, scopes) for f in raw]
        findings.extend(self._combinations(findings))
        decisive = [f for f in findings if not f.shadow]
        keep = 1.0
        for f in decisive:
            keep *= 1.0 - min(max(f.score, 0.0), 100.0) / 100.0
        risk = round(100.0 * (1.0 - keep), 2)
        if any(f.severity is Severity.reject for f in decisive):
            outcome = Outcome.reject
        elif risk >= self.config.flag_threshold or any(
            f.severity is Severity.flag for f in decisive
        ):
            outcome = Outcome.flag
        else:
            outcome = Outcome.approve
        findings.sort(key=lambda f: (f.shadow, -SEVERITY_RANK[f.severity], f.rule))
        return Verdict(outcome, risk, findings)

    def _adjust(self, f: Finding, scopes: list[Scope]) -> Finding:
        scope, ov = _scoped(f.rule, scopes)
        severity = ov.severity if ov and ov.severity else f.severity
        if ov and ov.score is not None:
            score = ov.score
        elif f.score:
            score = f.score
        elif f.rule in self.rule_scores:
            score = self.rule_scores[f.rule]
        else:
            score = self.config.default_scores.get(severity, 0.0)
        shadow = bool(ov and ov.shadow) or f.shadow
        if scope is not None:
            data = {**f.evidence.data, "policy": {"scope": scope.label, "legal_basis": scope.basis}}
            return f.model_copy(update={
                "severity": severity, "score": score, "shadow": shadow,
                "message": f"{f.message}（{scope.label} 政策：{scope.basis}）",
                "evidence": f.evidence.model_copy(update={"data": data}),
            })
        if severity == f.severity and score == f.score and shadow == f.shadow:
            return f
        return f.model_copy(update={"severity": severity, "score": score, "shadow": shadow})

    def _combinations_of(self, rule: str) -> frozenset[int]:
        """Indices of the combinations whose patterns match `rule`, matched once per rule id
        (a pack has a few hundred rule ids; every posting asked this for each finding)."""
        got = self._combos.get(rule)
        if got is None:
            got = frozenset(i for i, c in enumerate(self.config.combination)
                            if any(fnmatch.fnmatchcase(rule, p) for p in c.rules))
            self._combos[rule] = got
        return got

    def _combinations(self, findings: list[Finding]) -> list[Finding]:
        out: list[Finding] = []
        live = [f for f in findings if not f.shadow]
        for i, combo in enumerate(self.config.combination):
            hits = [f for f in live if i in self._combinations_of(f.rule)]
            families = sorted({_family(f.rule) for f in hits})
            if len(families) >= combo.min_families:
                out.append(
                    Finding(
                        rule=f"policy.combination.{combo.name}",
                        severity=combo.severity,
                        score=combo.score,
                        message=combo.message,
                        evidence=Evidence(
                            data={"rules": sorted({f.rule for f in hits}), "families": families}
                        ),
                    )
                )
        return out


def _scoped(rule: str, scopes: list[Scope]) -> tuple[Scope | None, RuleOverride | None]:
    """The first scope in force that overrides this rule (exact id or glob), and its override."""
    for scope in scopes:
        for key, ov in scope.rules.items():
            if key == rule or (_is_glob(key) and fnmatch.fnmatchcase(rule, key)):
                return scope, ov
    return None, None


def _is_glob(s: str) -> bool:
    return any(c in s for c in "*?[")
