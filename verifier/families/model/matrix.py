"""Feature rows for training: every example's hashed grams and cue vector, and the sparse
TF-IDF matrix over a subset of them (IDF fitted on that subset only, as in serving)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from verifier.families.model.data import Example
from verifier.families.model.features import FIELDS, Grams, grams
from verifier.families.signals.cues import Cues, Inputs
from verifier.pipeline.facts import context
from verifier.registry.fact import RegistryFact
from verifier.settings import Settings
from verifier.text.normalize import posting_text

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

DEFAULT_NOW = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Rows:
    """Features of every example: grams, their sublinear TF matrix, cues, labels, groups."""

    grams: list[Grams]
    tf: Any
    """CSR matrix (examples × 2**bits) of 1 + log(count)."""
    cues: npt.NDArray[np.float64]
    y: npt.NDArray[np.int64]
    groups: list[str]
    bits: int


def _tf(gs: list[Grams], bits: int) -> Any:
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(g.buckets) for g in gs])
    cols = np.concatenate([g.buckets for g in gs]) if gs else np.zeros(0, np.int64)
    vals = np.concatenate([1.0 + np.log(g.counts) for g in gs]) if gs else np.zeros(0)
    return csr_matrix((vals, cols, indptr), shape=(len(gs), 2**bits))


def featurize(examples: Sequence[Example], facts: Sequence[RegistryFact | None],
              cues: Cues, bits: int) -> Rows:
    """Grams and cue values of every example (the same functions serving calls)."""
    gs: list[Grams] = []
    cue_rows = []
    for ex, fact in zip(examples, facts, strict=True):
        rec = fact.record if fact is not None else None
        siblings = fact.siblings if fact is not None else None
        text = posting_text(ex.posting)
        gs.append(grams([(f, text.view(f).norm) for f in FIELDS], bits))
        now = ex.posting.submitted_at or DEFAULT_NOW
        cue_rows.append(cues.vector(cues.compute(Inputs(ex.posting, text, rec, now, siblings))))
    y = np.array([ex.y for ex in examples], dtype=np.int64)
    mat = np.vstack(cue_rows) if cue_rows else np.zeros((0, 0))
    return Rows(gs, _tf(gs, bits), mat, y, [ex.group for ex in examples], bits)


def fit_idf(rows: Rows, idx: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """Smoothed IDF per bucket over the examples `idx` (a posting is a document)."""
    sub = rows.tf[idx]
    df = np.bincount(np.asarray(sub.indices), minlength=2**rows.bits)
    idf: npt.NDArray[np.float32] = (np.log((1.0 + len(idx)) / (1.0 + df)) + 1.0).astype(
        np.float32)
    return idf


def text_matrix(rows: Rows, idx: npt.NDArray[np.int64],
                idf: npt.NDArray[np.float32]) -> csr_matrix:
    """Sparse TF-IDF of the examples `idx`, L2-normalized per posting (as `features.tfidf`)."""
    from scipy.sparse import diags
    from sklearn.preprocessing import normalize

    out: csr_matrix = normalize(rows.tf[idx] @ diags(idf.astype(np.float64)), norm="l2")
    return out.tocsr()


async def _resolve(examples: Sequence[Example], settings: Settings, registry: Path | None,
                   mapping: Path | None) -> list[RegistryFact | None]:
    from verifier.eval.registry import eval_settings
    from verifier.pipeline.facts import build_providers
    from verifier.pipeline.offline import offline_resources

    if registry is None:
        return [None] * len(examples)
    async with eval_settings(settings, registry, mapping) as (local, _), \
            offline_resources(local) as res:
        provider: Any = next(p for p in build_providers(res) if p.name == "registry")
        await provider.start()
        try:
            out: list[RegistryFact | None] = []
            for ex in examples:
                now = ex.posting.submitted_at or DEFAULT_NOW
                fact = await provider.resolve(context(ex.posting, now))
                out.append(fact if isinstance(fact, RegistryFact) else None)
            return out
        finally:
            await provider.close()


def registry_records(examples: Sequence[Example], settings: Settings, registry: Path | None,
                     mapping: Path | None) -> list[RegistryFact | None]:
    """The registry record each example resolves to (as the service would), or None."""
    return asyncio.run(_resolve(examples, settings, registry, mapping))
