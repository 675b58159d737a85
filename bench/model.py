"""Benchmark of the learned scorer and the weak-signal cues: time per posting.

    .venv/bin/python bench/model.py [--artifact PATH.npz] [--corpus FILE [--mapping MAP]]
                                    [--postings N] [--rounds R]

Postings: a labelled JSONL corpus (default fixtures/corpus/postings.jsonl) or a CSV through
an eval mapping (e.g. ../shared/data/postings/orfd_58_bj_sh_labeled.csv with
fixtures/mappings/orfd.toml). Artifact: the one given, else the pack's rules/model/scorer.npz,
else random weights of the same shape (2**18 buckets: the cost does not depend on the
values). For each posting it times, best of --rounds, with the text already normalized (the
pipeline normalizes once for every check):
  model score     hashing the n-grams of title + description, TF-IDF, dot product (the
                  cues taken as computed: in the pipeline the model and signals checks share
                  them)
  model + cues    the same with the cues computed
  model.check     the check as the engine calls it (score, threshold, evidence when it fires)
  signals.check   every cue plus the calibrated sum
and, for reference, normalizing title + description. Prints mean, p50 and p99 in
microseconds of thread CPU time (time.thread_time, best of --rounds). One process, one core.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier.eval.labels import load_corpus  # noqa: E402
from verifier.eval.mapping import load_mapping, read_csv  # noqa: E402
from verifier.families.model.artifact import Scorer, load_scorer  # noqa: E402
from verifier.families.model.check import ModelCheck, ModelParams  # noqa: E402
from verifier.families.signals.check import SignalsCheck, load_cues  # noqa: E402
from verifier.families.signals.params import CUE_NAMES  # noqa: E402
from verifier.models import Posting  # noqa: E402
from verifier.pack import PackReader  # noqa: E402
from verifier.pipeline.facts import Facts, context  # noqa: E402

NOW = datetime(2022, 6, 1, tzinfo=UTC)


def postings(corpus: Path, mapping: Path | None, limit: int) -> list[Posting]:
    """The postings to time."""
    if mapping is not None:
        items = read_csv(corpus, load_mapping(mapping)).items
    else:
        items = load_corpus(corpus)
    return [i.posting for i in items[:limit]]


def scorer(path: Path | None, rules: Path) -> tuple[Scorer, str]:
    """The artifact to time, and where it came from."""
    for p in (path, rules / "model" / "scorer.npz"):
        if p is not None and p.is_file():
            return load_scorer(p.read_bytes(), CUE_NAMES), str(p)
    rng = np.random.default_rng(0)
    n = 2**18
    return Scorer(18, rng.random(n, dtype=np.float32) + 1, rng.normal(0, 0.1, n).astype(
        np.float32), CUE_NAMES, rng.normal(0, 1, len(CUE_NAMES)), np.zeros(len(CUE_NAMES)),
        np.ones(len(CUE_NAMES)), -3.0, 1.0, 0.0, 0.9, {"name": "random"}), "random weights"


def facts_for(p: Posting, warm_cues: bool, cues_of: Callable[[Posting, Facts], object]) -> Facts:
    """Fresh facts with the text normalized (and the cues computed when `warm_cues`)."""
    f = context(p, NOW)
    for name in ("title", "description", "company_profile"):
        _ = f.text.view(name).norm
    if warm_cues:
        cues_of(p, f)
    return f


def timed(ps: list[Posting], rounds: int, prepare: Callable[[Posting], Facts],
          run: Callable[[Posting, Facts], object]) -> list[float]:
    """Best-of-rounds microseconds of CPU time (this thread's) per posting: on a shared
    machine, wall time also counts other processes' turns."""
    out = []
    for p in ps:
        best = float("inf")
        for _ in range(rounds):
            f = prepare(p)
            t0 = time.thread_time()
            run(p, f)
            best = min(best, time.thread_time() - t0)
        out.append(best * 1e6)
    return out


def line(name: str, us: list[float]) -> str:
    """One figure line."""
    q = np.percentile(us, [50, 99])
    return (f"  {name:<16} mean {statistics.fmean(us):8.1f}  p50 {q[0]:8.1f}  "
            f"p99 {q[1]:8.1f} us/posting")


def main() -> None:
    """Time the model and signals checks over the postings."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--artifact", type=Path)
    ap.add_argument("--corpus", type=Path, default=ROOT / "fixtures" / "corpus" / "postings.jsonl")
    ap.add_argument("--mapping", type=Path)
    ap.add_argument("--postings", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rules", type=Path, default=ROOT / "rules")
    args = ap.parse_args()
    ps = postings(args.corpus, args.mapping, args.postings)
    s, source = scorer(args.artifact, args.rules)
    pack = PackReader(args.rules)
    cues = load_cues(pack)
    model = ModelCheck(ModelParams(), s, cues)
    signals = SignalsCheck.load(pack.child())
    from verifier.families.signals.check import posting_cues

    def cues_of(p: Posting, f: Facts) -> object:
        return posting_cues(cues, f)

    chars = statistics.fmean(len(p.title) + len(p.description) for p in ps)
    print(f"postings: {len(ps)} from {args.corpus} (mean {chars:.0f} characters of title + "
          f"description); artifact: {source} (2**{s.bits} buckets); best of {args.rounds}")
    warm = lambda p: facts_for(p, True, cues_of)  # noqa: E731
    cold = lambda p: facts_for(p, False, cues_of)  # noqa: E731
    print(line("model score", timed(ps, args.rounds, warm, lambda p, f: model.score(f))))
    print(line("model + cues", timed(ps, args.rounds, cold, lambda p, f: model.score(f))))
    print(line("model.check", timed(ps, args.rounds, warm, lambda p, f: model.check(f))))
    print(line("signals.check", timed(ps, args.rounds, cold, lambda p, f: signals.check(f))))
    fresh = lambda p: context(p, NOW)  # noqa: E731
    print(line("normalize", timed(ps, args.rounds, fresh, lambda p, f: (
        f.text.view("title").norm, f.text.view("description").norm))))


if __name__ == "__main__":
    main()
