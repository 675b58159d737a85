"""The model check: `model.risk` when the learned scorer's calibrated probability crosses its
threshold. Flag only (never reject); in shadow unless `rules/model.toml` sets `in_force`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check
from verifier.families.model.artifact import BadArtifact, Scorer, load_scorer
from verifier.families.model.features import FIELDS, Floats, Grams, grams, locate, tfidf
from verifier.families.rules import Emits, says
from verifier.families.signals.check import SignalsContext, posting_cues
from verifier.families.signals.cues import Cues
from verifier.families.signals.params import CUE_NAMES
from verifier.models import Finding, Span
from verifier.pack import PackReader

PARAMS_FILE = "model.toml"


class ModelParams(BaseModel):
    """`rules/model.toml`: which artifact, whether it decides, how much evidence it shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    artifact: Annotated[str, Field(pattern=r"^model/[A-Za-z0-9_.-]+\.npz$")] = "model/scorer.npz"
    in_force: bool = False
    threshold: Annotated[float, Field(gt=0, lt=1)] | None = None
    """Overrides the artifact's threshold (None: the one chosen at training)."""
    top_features: Annotated[int, Field(ge=1, le=20)] = 5


@dataclass(frozen=True)
class Contribution:
    """One feature's share of the score: a text n-gram (with its span) or a cue."""

    feature: str
    weight: float
    span: Span | None = None


def read_artifact(pack: PackReader, rel: str) -> bytes | None:
    """The artifact's bytes, recorded for the pack fingerprint (so its hash enters
    `rules_version`); None with an issue when unreadable."""
    try:
        raw = (pack.root / rel).read_bytes()
    except OSError as exc:
        pack.fail(rel, 0, f"cannot read model artifact: {exc.strerror or exc}")
        return None
    pack.files[rel] = raw
    return raw


class ModelCheck(Check[SignalsContext]):
    """The learned scorer over title, description and the weak-signal cues."""

    id = "model"
    version = "1"
    emits: ClassVar[Emits] = {"model.risk": says("probability", "threshold", "features")}

    def __init__(self, params: ModelParams, scorer: Scorer | None, cues: Cues) -> None:
        super().__init__(params)
        self.scorer = scorer
        self.cues = cues
        self.threshold = params.threshold or (scorer.threshold if scorer else 0.5)

    params: ModelParams

    @classmethod
    def build(cls, pack: PackReader) -> ModelCheck:
        """Params, the artifact (validated; a bad one is a pack issue naming the file; none
        installed leaves the check idle) and the cue computer the artifact was trained with."""
        from verifier.families.signals.check import load_cues

        params = pack.params(PARAMS_FILE, ModelParams)
        scorer = None
        if not pack.exists(params.artifact):
            return cls(params, None, load_cues(pack))  # no model installed: the check is idle
        raw = read_artifact(pack, params.artifact)
        if raw is not None:
            try:
                scorer = load_scorer(raw, CUE_NAMES)
            except BadArtifact as exc:
                pack.fail(params.artifact, 0, f"model artifact refused: {exc}")
        return cls(params, scorer, load_cues(pack))

    def score(self, ctx: SignalsContext) -> tuple[float, Grams, Floats, Floats]:
        """Calibrated probability, the posting's grams, each gram bucket's and each cue's
        share of the raw score."""
        s = self.scorer
        assert s is not None
        g = grams([(f, ctx.text.view(f).norm) for f in FIELDS], s.bits)
        w = tfidf(g, s.idf) * s.coef[g.buckets]
        cues = posting_cues(self.cues, ctx)
        cw = (self.cues.vector(cues) - s.cue_mean) / s.cue_scale * s.cue_coef
        return s.probability(s.intercept + float(w.sum()) + float(cw.sum())), g, w, cw

    def check(self, ctx: SignalsContext) -> list[Finding]:
        """`model.risk` (shadow unless in force) when the probability crosses the threshold."""
        if self.scorer is None:
            return []
        p, g, w, cw = self.score(ctx)
        if p < self.threshold:
            return []
        parts = _top_grams(g, w, ctx, self.params.top_features)
        parts += [Contribution(f"cue:{n}", float(c)) for n, c in zip(CUE_NAMES, cw, strict=True)
                  if c > 0]
        top = sorted(parts, key=lambda c: -c.weight)
        top = top[: self.params.top_features]
        names = "、".join(f"“{c.span.text}”" if c.span else c.feature for c in top)
        finding = self.finding(
            "model.risk", fill={"probability": p, "threshold": self.threshold, "features": names},
            spans=[c.span for c in top if c.span is not None],
            data={"probability": round(p, 4), "threshold": self.threshold,
                  "in_force": self.params.in_force,
                  "top_features": [{"feature": c.feature, "weight": round(c.weight, 4),
                                    **({"text": c.span.text} if c.span else {})} for c in top],
                  "model": self.scorer.meta.get("name", ""), "table": PARAMS_FILE})
        return [finding if self.params.in_force else finding.model_copy(update={"shadow": True})]


def _top_grams(g: Grams, w: Floats, ctx: SignalsContext, k: int) -> list[Contribution]:
    """The k buckets adding most to the score, each named by its first gram in the text."""
    idx = np.argpartition(-w, k)[:k] if len(w) > k else np.arange(len(w))
    out = []
    for i in idx:
        if w[i] <= 0:
            continue
        name, start, end = locate(g, int(i))
        text = ctx.text.view(name).original[start:end]
        out.append(Contribution(f"{name}:{text}", float(w[i]),
                                Span(field=name, start=start, end=end, text=text)))
    return out
