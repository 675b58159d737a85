"""Golden test: every corpus posting through the whole pipeline vs. fixtures/corpus/golden.jsonl.

The engine is built as `verifier eval` builds it: every fact provider, over a fresh temporary
SQLite database holding only the corpus registry (fixtures/corpus/registry.jsonl), so the
result does not depend on the machine's ./var database or DATABASE_URL.

The stored file holds, per posting, the outcome, the sorted ids of every finding and every
finding's message (`rule: message`, sorted): the messages are product text, so a reworded
template or a check that fills it differently shows here too. When a rule change moves a
decision or a message on purpose, regenerate with ``UPDATE_GOLDEN=1 pytest
tests/golden`` and review the diff of golden.jsonl like code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from verifier.eval.labels import LabelledPosting, load_corpus
from verifier.eval.registry import CORPUS_REGISTRY, eval_settings
from verifier.eval.runner import offline, run
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus" / "postings.jsonl"
GOLDEN = ROOT / "fixtures" / "corpus" / "golden.jsonl"
RULES = ROOT / "rules"


async def _decide(items: list[LabelledPosting]) -> list[dict[str, Any]]:
    # A generous fact timeout: a slow shared machine must not turn into a moved decision.
    base = Settings(rules_dir=RULES, fact_timeout_s=60.0)
    async with (eval_settings(base, CORPUS_REGISTRY) as (settings, used),
                offline(settings) as (engine, mode)):
        assert mode == "offline_engine" and used.records > 0, (mode, used)
        results = await run(engine, items)
    return [{"posting_id": r.item.posting.posting_id, "outcome": r.outcome.value,
             "rules": r.all_rules,
             "messages": sorted(f"{f.rule}: {f.message}" for f in r.findings)}
            for r in results]


def _read(path: Path) -> dict[str, dict[str, Any]]:
    rows = [orjson.loads(x) for x in path.read_bytes().splitlines() if x.strip()]
    return {r["posting_id"]: r for r in rows}


def diff(expected: dict[str, dict[str, Any]], got: list[dict[str, Any]],
         labels: dict[str, str]) -> list[str]:
    """Readable lines for every posting whose outcome, rule ids or messages moved."""
    out: list[str] = []
    seen = set()
    for row in got:
        pid = row["posting_id"]
        seen.add(pid)
        old = expected.get(pid)
        if old is None:
            out.append(f"+ {pid}: new posting -> {row['outcome']} {row['rules']}")
            continue
        parts = []
        if old["outcome"] != row["outcome"]:
            parts.append(f"outcome {old['outcome']} -> {row['outcome']}")
        added = sorted(set(row["rules"]) - set(old["rules"]))
        removed = sorted(set(old["rules"]) - set(row["rules"]))
        if added:
            parts.append("rules +" + " +".join(added))
        if removed:
            parts.append("rules -" + " -".join(removed))
        old_msgs, new_msgs = old.get("messages", []), row.get("messages", [])
        parts.extend(f"message -{m}" for m in old_msgs if m not in new_msgs)
        parts.extend(f"message +{m}" for m in new_msgs if m not in old_msgs)
        if parts:
            out.append(f"~ {pid} (label {labels.get(pid, '?')}): " + "; ".join(parts))
    out.extend(f"- {pid}: no longer in the corpus" for pid in sorted(set(expected) - seen))
    return out


async def test_corpus_matches_golden() -> None:
    """Outcome and rule ids of every corpus posting equal the stored golden file."""
    items = load_corpus(CORPUS)
    got = await _decide(items)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in got))
    labels = {i.posting.posting_id: i.label.outcome.value for i in items}
    lines = diff(_read(GOLDEN), got, labels)
    assert not lines, (
        f"{len(lines)} corpus decisions differ from {GOLDEN.name} "
        "(UPDATE_GOLDEN=1 pytest tests/golden to accept, then review the diff):\n"
        + "\n".join(lines)
    )


def test_diff_is_readable() -> None:
    """The diff names moved outcomes, added and removed rules, reworded messages, new and
    dropped postings."""
    old = {"a": {"posting_id": "a", "outcome": "approve", "rules": ["x.y"]},
           "b": {"posting_id": "b", "outcome": "flag", "rules": ["x.y"],
                 "messages": ["x.y: 旧的说法。"]},
           "gone": {"posting_id": "gone", "outcome": "flag", "rules": []}}
    got = [{"posting_id": "a", "outcome": "reject", "rules": ["keywords.fee_upfront"]},
           {"posting_id": "b", "outcome": "flag", "rules": ["x.y"],
            "messages": ["x.y: 新的说法。"]},
           {"posting_id": "new", "outcome": "approve", "rules": []}]
    lines = diff(old, got, {"a": "reject"})
    assert lines == [
        "~ a (label reject): outcome approve -> reject; rules +keywords.fee_upfront; rules -x.y",
        "~ b (label ?): message -x.y: 旧的说法。; message +x.y: 新的说法。",
        "+ new: new posting -> approve []",
        "- gone: no longer in the corpus",
    ]
