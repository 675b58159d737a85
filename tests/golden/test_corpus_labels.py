"""The corpus agrees with its labels, except where a listed reason says why not.

Every corpus posting goes through the engine `verifier eval` builds (as in the golden test).
A posting whose outcome differs from its label, or whose label expects a rule that is not
decisive, must carry `label.disagreement` (from fixtures/corpus/disagreements.py); a posting
that agrees must not carry one (a stale reason hides the next regression).
"""

from __future__ import annotations

from pathlib import Path

from verifier.eval.labels import load_corpus
from verifier.eval.registry import CORPUS_REGISTRY, eval_settings
from verifier.eval.runner import offline, run
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus" / "postings.jsonl"


async def test_every_disagreement_is_listed_with_its_reason() -> None:
    """Unlisted disagreements and stale reasons both fail, each named with what moved."""
    items = load_corpus(CORPUS)
    base = Settings(rules_dir=ROOT / "rules", fact_timeout_s=60.0)
    async with (eval_settings(base, CORPUS_REGISTRY) as (settings, _),
                offline(settings) as (engine, _)):
        results = await run(engine, items)
    unlisted, stale = [], []
    for r in results:
        label, pid = r.item.label, r.item.posting.posting_id
        if r.disagrees and not label.disagreement:
            unlisted.append(f"{pid}: label {label.outcome.value} {label.rules}, got "
                            f"{r.outcome.value} {r.fired} (missing {r.missing})")
        elif not r.disagrees and label.disagreement:
            stale.append(f"{pid}: agrees now, drop its reason in disagreements.py")
    assert not unlisted, "disagreements without a reason:\n" + "\n".join(unlisted)
    assert not stale, "\n".join(stale)
    listed = sum(bool(r.item.label.disagreement) for r in results)
    assert listed <= 20, f"{listed} listed disagreements: the corpus no longer says much"
