"""The signals check: every cue as an info finding, and their calibrated sum as a flag.

Reads `rules/signals/cues.toml` (vocabulary, thresholds), `weights.toml` (the sum) and the
occupation taxonomy; its rules are declared in `rules/signals/rules.toml`."""

from __future__ import annotations

import math
from typing import ClassVar, Protocol

from verifier.families.base import Check, Context, FactUnavailable
from verifier.families.rules import Emits, says
from verifier.families.signals.cues import Cue, Cues, Inputs
from verifier.families.signals.params import CUE_FIELDS, CUE_NAMES, CueParams, SumParams
from verifier.models import Finding
from verifier.pack import PackReader
from verifier.registry.fact import ReadsRegistry
from verifier.text.occupations import Taxonomy

CUES_FILE = "signals/cues.toml"
WEIGHTS_FILE = "signals/weights.toml"

def load_cues(pack: PackReader) -> Cues:
    """The cue computer of a pack (cues.toml and the occupation taxonomy)."""
    return Cues(pack.params(CUES_FILE, CueParams), Taxonomy.load(pack))


class SignalsContext(Context, ReadsRegistry, Protocol):
    """What the cues read: the posting and the registry record of its employer."""


def posting_cues(cues: Cues, ctx: SignalsContext) -> list[Cue]:
    """The cues of one posting, computed once per evaluation (shared with the model check).
    Without the registry fact (its provider failed: the registry checks fail closed on
    that) the registry cues are simply absent."""
    def build() -> list[Cue]:
        try:
            fact = ctx.registry
        except FactUnavailable:
            fact = None
        record = fact.record if fact is not None else None
        siblings = fact.siblings if fact is not None else None
        return cues.compute(Inputs(ctx.posting, ctx.text, record, ctx.now, siblings))

    return ctx.memo("signals.cues", build)


class SignalsCheck(Check[SignalsContext]):
    """Weak-signal cues (info) and their calibrated sum (flag)."""

    id = "signals"
    version = "1"
    emits: ClassVar[Emits] = {
        **{f"signals.cue.{n}": says(*CUE_FIELDS[n]) for n in CUE_NAMES},
        "signals.sum": says("cues", "probability", "threshold"),
    }

    def __init__(self, cues: Cues, weights: SumParams) -> None:
        super().__init__(weights)
        self.cues = cues
        self.weights = weights
        unknown = set(weights.weights) - set(CUE_NAMES)
        if unknown:
            raise ValueError(f"unknown cue(s) in weights: {sorted(unknown)}")

    @classmethod
    def build(cls, pack: PackReader) -> SignalsCheck:
        """Cue vocabulary, taxonomy and the sum's weights; unknown cue names refused."""
        cues = load_cues(pack)
        weights = pack.params(WEIGHTS_FILE, SumParams)
        bad = sorted(set(weights.weights) - set(CUE_NAMES))
        if bad:
            pack.fail(WEIGHTS_FILE, 0, f"weights: unknown cue(s) {', '.join(bad)} "
                                       f"(known: {', '.join(CUE_NAMES)})")
            weights = SumParams()
        return cls(cues, weights)

    def check(self, ctx: SignalsContext) -> list[Finding]:
        """One info finding per cue that fired; `signals.sum` when the sum crosses."""
        found = posting_cues(self.cues, ctx)
        out = [self.finding(f"signals.cue.{c.name}", fill=c.fill, spans=c.spans,
                            data={"cue_value": round(c.value, 3), **c.data}) for c in found]
        total = self._sum(found)
        if total is not None:
            out.append(total)
        return out

    def _sum(self, found: list[Cue]) -> Finding | None:
        w = self.weights
        if not found or not w.weights:
            return None
        vec = self.cues.vector(found)
        parts = {n: w.weights.get(n, 0.0) * float(v) for n, v in zip(CUE_NAMES, vec, strict=True)
                 if v}
        z = w.bias + sum(parts.values())
        p = 1.0 / (1.0 + math.exp(-z))
        if p < w.threshold:
            return None
        top = sorted(parts.items(), key=lambda kv: -kv[1])
        names = "、".join(self.rules[f"signals.cue.{n}"].description.rstrip("。")
                         for n, c in top[:3] if c > 0)
        return self.finding(
            "signals.sum", fill={"cues": names, "probability": p, "threshold": w.threshold},
            spans=[s for c in found for s in c.spans][:8],
            data={"probability": round(p, 4), "threshold": w.threshold,
                  "contributions": {n: round(c, 3) for n, c in top},
                  "bias": w.bias, "table": WEIGHTS_FILE})
