"""The figures docs quote come from `verifier figures` and fail here when they drift."""

from __future__ import annotations

from pathlib import Path

from verifier.commands.figures import regenerate
from verifier.eval.figures import apply_example, splice

ROOT = Path(__file__).resolve().parents[1]


async def test_corpus_figures_and_readme_example_are_current() -> None:
    """docs/evaluation.md's corpus block and the README's example response match the pipeline."""
    changes = await regenerate(ROOT, None)
    drift = [str(p.relative_to(ROOT)) for p, (old, new) in changes.items() if old != new]
    assert not drift, f"{drift}: figures drifted; run `verifier figures` and commit"


def test_splice_and_apply_example_replace_only_their_part() -> None:
    """Markers keep their place; the README's values are replaced, nothing else."""
    doc = "a\n<!-- figures:x:start -->\nold\n<!-- figures:x:end -->\nb"
    assert splice(doc, "x", "new") == (
        "a\n<!-- figures:x:start -->\nnew\n<!-- figures:x:end -->\nb")
    assert splice(doc, "y", "new") == doc
    readme = ('(abridged: 3 findings\n"outcome": "flag",\n  "risk_score": 30.0,\n'
              '"rules_version": "0123456789abcdef",')
    got = apply_example(readme, {"outcome": "reject", "risk_score": 100.0, "findings": 11,
                                 "rules_version": "fedcba9876543210"})
    assert got == ('(abridged: 11 findings\n"outcome": "reject",\n  "risk_score": 100.0,\n'
                   '"rules_version": "fedcba9876543210",')
