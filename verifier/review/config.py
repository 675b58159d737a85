"""The review pack (`rules/review/`): SLA, priority, leases, sampling, reason codes, the
rectification advice and the notice template. Loaded and validated like every rule pack:
each problem is reported with its file and line and the pack is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field

from verifier.models import Outcome
from verifier.pack import PackReader, RulePackError

Hours = Annotated[float, Field(gt=0, le=24 * 365)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
ItemKind = Literal["flag", "sample"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlaHours(_Model):
    """Hours an item may wait, by kind."""

    flag: Hours = 24
    sample: Hours = 72


class CampaignSla(SlaHours):
    """Shorter SLAs while a campaign runs; `tags` are the decision tags that name it."""

    id: Annotated[str, Field(min_length=1, max_length=64)]
    tags: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1)


class Priority(_Model):
    """Weights of the claim order."""

    risk: float = 1.0
    zjtx: float = 20.0
    campaign: float = 15.0
    sample: Annotated[float, Field(gt=0)] = 5.0
    sample_overdue: Annotated[float, Field(gt=0)] = 100.0
    families: dict[str, float] = Field(default_factory=dict)


class Lease(_Model):
    """How long a claim lasts."""

    minutes: Annotated[float, Field(gt=0, le=240)] = 10
    max_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 60


class Sampling(_Model):
    """Share of automatic approvals spot-checked."""

    share: Annotated[float, Field(ge=0, le=1)] = 0.01


class SlaFile(_Model):
    """`rules/review/sla.toml`."""

    hours: SlaHours = SlaHours()
    campaign: list[CampaignSla] = Field(default_factory=list)
    priority: Priority = Priority()
    lease: Lease = Lease()
    sampling: Sampling = Sampling()


class Reason(_Model):
    """One reason code a reviewer may give."""

    code: Code
    label: Annotated[str, Field(min_length=1, max_length=200)]
    outcomes: list[Literal["approve", "reject"]] = Field(min_length=1)
    category: Annotated[str, Field(min_length=1, max_length=64)]
    bulk: bool = False

    def allows(self, outcome: Outcome) -> bool:
        """Whether a resolution with `outcome` may give this reason."""
        return outcome.value in self.outcomes


class ReasonsFile(_Model):
    """`rules/review/reasons.toml`."""

    reason: list[Reason] = Field(min_length=1)


class Advice(_Model):
    """What to change when a rule (or a rule-id prefix) stops a posting."""

    rule: Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]
    change: Annotated[str, Field(min_length=1)]
    legal_basis: Annotated[str, Field(min_length=1)]


class Fallback(_Model):
    """What the notice says for a rule no `[[advice]]` covers."""

    change: Annotated[str, Field(min_length=1)]
    legal_basis: Annotated[str, Field(min_length=1)]


class RectifyFile(_Model):
    """`rules/review/rectify.toml`."""

    default: Fallback
    advice: list[Advice] = Field(default_factory=list)


SLA, REASONS, RECTIFY, NOTICE = ("review/sla.toml", "review/reasons.toml",
                                 "review/rectify.toml", "review/notice.md.j2")


@dataclass(frozen=True)
class ReviewConfig:
    """The loaded review pack."""

    sla: SlaFile
    reasons: dict[str, Reason]
    advice: list[Advice]
    fallback: Fallback
    notice: jinja2.Template
    version: str

    @classmethod
    def load(cls, root: Path) -> ReviewConfig:
        """Read and validate `root/review/`; raises RulePackError naming file and line."""
        reader = PackReader(root)
        sla = reader.params(SLA, SlaFile)
        reasons = _reasons(reader)
        rectify = reader.params(RECTIFY, RectifyFile)
        notice = _template(reader)
        _check_campaigns(reader, sla)
        if reader.issues or notice is None:
            raise RulePackError(reader.issues)
        advice = sorted(rectify.advice, key=lambda a: -len(a.rule))
        return cls(sla, reasons, advice, rectify.default, notice, reader.fingerprint())

    @property
    def lease(self) -> timedelta:
        """The default lease."""
        return timedelta(minutes=self.sla.lease.minutes)

    @property
    def max_lease(self) -> timedelta:
        """The longest lease a reviewer may ask for."""
        return timedelta(minutes=self.sla.lease.max_minutes)

    def campaign_of(self, tags: list[str]) -> CampaignSla | None:
        """The campaign SLA whose tag the decision carries, if any."""
        for c in self.sla.campaign:
            if any(t in tags for t in c.tags):
                return c
        return None

    def due_in(self, kind: ItemKind, campaign: CampaignSla | None) -> timedelta:
        """How long an item of `kind` may wait."""
        hours = getattr(campaign or self.sla.hours, kind)
        return timedelta(hours=float(hours))

    def advice_for(self, rule: str) -> Advice | None:
        """The advice of the longest prefix of `rule` (on dot boundaries)."""
        for a in self.advice:
            if rule == a.rule or rule.startswith(a.rule + "."):
                return a
        return None


def _reasons(reader: PackReader) -> dict[str, Reason]:
    parsed = reader.toml(REASONS)
    if parsed is None:
        return {}
    data, text = parsed
    got = reader.validate(REASONS, text, data, ReasonsFile)
    if got is None:
        return {}
    out: dict[str, Reason] = {}
    for r in got.reason:
        if r.code in out:
            line = _line_of(text, f'code = "{r.code}"', nth=2)
            reader.fail(REASONS, line, f"duplicate reason code {r.code!r}")
        out[r.code] = r
    for outcome in ("approve", "reject"):
        if not any(outcome in r.outcomes for r in out.values()):
            reader.fail(REASONS, 1, f"no reason allows outcome {outcome!r}")
    return out


def _check_campaigns(reader: PackReader, sla: SlaFile) -> None:
    seen: set[str] = set()
    for c in sla.campaign:
        if c.id in seen:
            text = reader.files.get(SLA, b"").decode("utf-8", "replace")
            reader.fail(SLA, _line_of(text, f'id = "{c.id}"', nth=2),
                        f"duplicate campaign {c.id!r}")
        seen.add(c.id)


def _template(reader: PackReader) -> jinja2.Template | None:
    text = reader.text(NOTICE)
    if text is None:
        return None
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    try:
        return env.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        reader.fail(NOTICE, exc.lineno, f"template error: {exc.message}")
        return None


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    seen = 0
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == nth:
                return i
    return 1
