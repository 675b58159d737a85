"""Issue #6 evaluation: outcomes per label with the consistency/duplicate rules on and off.

    .venv/bin/python bench/consistency_eval.py FILE [--mapping TOML] [--examples 5]
                                              [--registry FILE --registry-mapping TOML]

Runs the labelled postings through the offline engine (as `verifier eval` does) twice, each on
a fresh throw-away SQLite database (so the duplicate index starts empty and fills in file
order): once with `rules/` as is ("on") and once with a copy whose policy puts every rule of
the issue in shadow mode ("off"). Prints, per label category, the outcomes on and off and the
postings whose outcome moved; then, per new rule, how often it fired on each label and its
precision on its own (share of its firings on postings labelled not-approve).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier.eval.labels import LabelledPosting, load_corpus  # noqa: E402
from verifier.eval.mapping import load_mapping, read_csv  # noqa: E402
from verifier.eval.metrics import Result  # noqa: E402
from verifier.eval.registry import eval_settings  # noqa: E402
from verifier.eval.runner import offline, run  # noqa: E402
from verifier.settings import Settings  # noqa: E402

NEW_RULES = ["content.title_mismatch", "content.requirements_implausible",
             "content.headcount_vs_size", "content.scope_mismatch", "content.region_mismatch",
             "content.profile_is_ad", "duplicate.cross_employer", "duplicate.inconsistent"]


def shadow_pack(dst: Path) -> Path:
    """A copy of rules/ with every new rule in shadow mode (set in its declaration)."""
    shutil.copytree(ROOT / "rules", dst)
    for family in ("content", "duplicate"):
        path = dst / family / "rules.toml"
        text = path.read_text(encoding="utf-8")
        for rule in NEW_RULES:
            text = text.replace(f'id = "{rule}"\n', f'id = "{rule}"\nshadow = true\n')
        path.write_text(text, encoding="utf-8")
    return dst


async def evaluate(items: list[LabelledPosting], rules: Path, registry: Path | None,
                   registry_mapping: Path | None) -> list[Result]:
    """One pass over a fresh database (holding `registry`, as `verifier eval` builds it)."""
    settings = Settings(rules_dir=rules)
    async with (eval_settings(settings, registry, registry_mapping) as (local, _),
                offline(local) as (engine, _mode)):
        return await run(engine, items)


def label_of(r: Result) -> str:
    """The posting's label category (e.g. legit / fake)."""
    lab = r.item.label
    return str(getattr(lab, "category", None) or getattr(lab, "outcome", lab))


def main() -> None:
    """Run both passes and print the comparison."""
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--mapping", type=Path)
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--registry", type=Path, help="registry file (as `verifier eval`)")
    ap.add_argument("--registry-mapping", type=Path)
    a = ap.parse_args()
    items = (read_csv(a.file, load_mapping(a.mapping)).items if a.mapping
             else load_corpus(a.file))
    os.environ.pop("VERIFIER_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        on = asyncio.run(evaluate(items, ROOT / "rules", a.registry, a.registry_mapping))
        off = asyncio.run(evaluate(items, shadow_pack(t / "rules_off"), a.registry,
                                   a.registry_mapping))
    table: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    moved: Counter[tuple[str, str, str]] = Counter()
    for r_on, r_off in zip(on, off, strict=True):
        lab = label_of(r_on)
        table[lab]["on"][r_on.outcome.value] += 1
        table[lab]["off"][r_off.outcome.value] += 1
        if r_on.outcome != r_off.outcome:
            moved[(lab, r_off.outcome.value, r_on.outcome.value)] += 1
    print(f"{len(items)} postings")
    for lab, row in sorted(table.items()):
        n = sum(row["on"].values())
        print(f"  {lab:>10} n={n:5d}  off {dict(sorted(row['off'].items()))}"
              f"  on {dict(sorted(row['on'].items()))}")
    for (lab, a_, b_), k in sorted(moved.items()):
        print(f"  moved {lab}: {a_} -> {b_}: {k}")
    fired: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    for r in on:
        lab = label_of(r)
        for f in {f.rule: f for f in r.findings if f.rule in NEW_RULES}.values():
            fired[f.rule][lab] += 1
            if len(examples[f.rule]) < a.examples:
                examples[f.rule].append(f"[{lab}] {r.item.posting.posting_id} {f.message[:110]}")
    print("rule firings per label (precision = share on postings labelled not-legit)")
    for rule in NEW_RULES:
        c = fired.get(rule, Counter())
        total = sum(c.values())
        bad = total - c.get("legit", 0)
        prec = f"{bad / total:.1%}" if total else "-"
        print(f"  {rule:36} {dict(sorted(c.items()))}  precision {prec}")
        for e in examples.get(rule, []):
            print(f"      {e}")


if __name__ == "__main__":
    main()
