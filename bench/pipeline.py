"""Benchmark of the check pipeline: `Engine.evaluate` µs per posting, and per check family.

    .venv/bin/python bench/pipeline.py [--iterations 3000] [--postings FILE [--mapping TOML]]
                                       [--limit 500] [--rounds 3] [--no-providers] [--skip IDS]

Builds the engine as `verifier eval` does (`offline_engine`, with the rule pack in `rules/`
and a throw-away SQLite database, so the registry provider runs against an empty registry),
warms it up, then times `await engine.evaluate(posting)` for the factory posting of
`tests/factories.py` (--iterations calls) and, with --postings, for real postings from a
JSONL corpus or a CSV read through a mapping (e.g. ../shared/data/postings/orfd_58_bj_sh_
labeled.csv with fixtures/mappings/orfd.toml; first --limit rows, each evaluated --rounds
times). Prints p50/p99/mean of the whole evaluate, then the mean µs of each check family
(check + tags) when the checks are run one by one in the engine's order over fresh facts
(lowest of several rounds: a shared machine's noise only ever adds time).
Work shared through the per-posting caches (normalized views, matching forms, salary parse)
is counted in the first family that asks for it. One process, one core.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import make_posting  # noqa: E402
from verifier.eval.labels import load_corpus  # noqa: E402
from verifier.eval.mapping import load_mapping, read_csv  # noqa: E402
from verifier.models import Posting  # noqa: E402
from verifier.pipeline.engine import Engine  # noqa: E402
from verifier.pipeline.facts import context, resolve_all  # noqa: E402
from verifier.pipeline.offline import offline_engine  # noqa: E402
from verifier.settings import Settings  # noqa: E402

NOW = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)


def load(path: Path, mapping: Path | None, limit: int) -> list[Posting]:
    """Postings from a JSONL corpus or a CSV through a mapping."""
    if mapping is not None:
        return [i.posting for i in read_csv(path, load_mapping(mapping)).items[:limit]]
    return [i.posting for i in load_corpus(path)[:limit]]


def pct(xs: list[float], q: float) -> float:
    """The q-quantile of xs (nearest rank)."""
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


async def evaluate_times(engine: Engine, postings: list[Posting], rounds: int) -> list[float]:
    """µs of each `engine.evaluate` call."""
    out: list[float] = []
    clock = time.perf_counter
    for _ in range(rounds):
        for p in postings:
            t0 = clock()
            await engine.evaluate(p, now=NOW)
            out.append((clock() - t0) * 1e6)
    return out


async def family_times(engine: Engine, postings: list[Posting], rounds: int) -> dict[str, float]:
    """Per family, the lowest over `rounds` of its mean µs per posting (a shared machine's
    noise only ever adds time)."""
    best: dict[str, float] = {}
    for _ in range(rounds):
        got = await _family_round(engine, postings)
        best = {k: min(v, best.get(k, v)) for k, v in got.items()}
    return best


async def _family_round(engine: Engine, postings: list[Posting]) -> dict[str, float]:
    tot: dict[str, float] = defaultdict(float)
    clock = time.perf_counter
    n = 0
    for _ in range(1):
        for p in postings:
            n += 1
            t0 = clock()
            facts = context(p, p.submitted_at or NOW)
            await resolve_all(engine.providers, facts, engine.fact_timeout)
            tot["(facts)"] += clock() - t0
            raw = []
            for check in engine.catalog.checks:
                t0 = clock()
                try:
                    raw.extend(check.check(facts))
                    check.tags(facts)
                except Exception:  # the engine counts these as findings; so do we
                    pass
                tot[check.id] += clock() - t0
            t0 = clock()
            engine.catalog.policy.apply(raw)
            tot["(policy)"] += clock() - t0
    return {k: v / n * 1e6 for k, v in tot.items()}


def report(name: str, engine_times: list[float], fam: dict[str, float]) -> None:
    """Print one block of figures."""
    print(f"\n== {name}: {len(engine_times)} evaluations")
    print(f"evaluate µs  p50 {pct(engine_times, 0.5):7.1f}  p99 {pct(engine_times, 0.99):7.1f}"
          f"  mean {statistics.fmean(engine_times):7.1f}")
    print("per family (mean µs):")
    for k, v in sorted(fam.items(), key=lambda kv: -kv[1]):
        print(f"  {k:<22} {v:7.1f}")
    print(f"  {'sum':<22} {sum(fam.values()):7.1f}")


async def main() -> None:
    """Parse arguments, build the engine, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=3000)
    ap.add_argument("--postings", type=Path)
    ap.add_argument("--mapping", type=Path)
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rules-dir", "--rules", dest="rules", type=Path, default=ROOT / "rules")
    ap.add_argument("--no-providers", action="store_true",
                    help="evaluate without fact providers (checks and policy only)")
    ap.add_argument("--skip", default="",
                    help="comma-separated check ids to leave out (compare like with like)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate(
            {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/x.db", "RULES_DIR": str(args.rules)}
        )
        async with offline_engine(settings) as full:
            # --no-providers: the checks and policy alone (the per-posting CPU this benchmark
            # is about), without the fact providers' I/O (registry lookup, duplicate index).
            engine = Engine(full.catalog, []) if args.no_providers else full
            skip = {s for s in args.skip.split(",") if s}
            engine.catalog.checks = [c for c in engine.catalog.checks if c.id not in skip]
            factory = [make_posting()]
            await evaluate_times(engine, factory, 300)
            times = await evaluate_times(engine, factory, args.iterations)
            fam = await family_times(engine, factory * 200, max(3, args.iterations // 200))
            report("factory posting", times, fam)
            if args.postings is not None:
                real = load(args.postings, args.mapping, args.limit)
                await evaluate_times(engine, real, 1)
                times = await evaluate_times(engine, real, args.rounds)
                fam = await family_times(engine, real, args.rounds)
                chars = sum(len(p.title) + len(p.description) for p in real) / len(real)
                report(f"{len(real)} real postings ({chars:.0f} chars of title+description "
                       f"on average)", times, fam)


if __name__ == "__main__":
    asyncio.run(main())
