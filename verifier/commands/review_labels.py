"""Human outcomes as labelled postings: JSONL that `verifier eval` reads (and a model can
train on). One line per posting — its latest human-resolved version — with the posting as
received, the final outcome, the reason's category, the acting rules of a rejection and the
reason and note. Postings whose decision holds no stored posting are counted, not written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.eval.labels import Expected, Label, dump_line
from verifier.models import Decision, Posting
from verifier.review.config import ReviewConfig
from verifier.review.items import acting
from verifier.review.reads import posting_of
from verifier.store.tables import decisions, review_items

c = review_items.c


@dataclass
class ExportCount:
    """What an export wrote and left out."""

    written: int = 0
    no_posting: int = 0
    older: int = 0


def label_of(cfg: ReviewConfig, decision: Decision, outcome: str, reason: str,
             note: str | None) -> Label:
    """The eval label of a human resolution."""
    r = cfg.reasons.get(reason)
    rules = sorted({f.rule for f in acting(decision.findings)}) if outcome == "reject" else []
    text = " — ".join(x for x in ((r.label if r else reason), note or "") if x)
    return Label(outcome=Expected(outcome), category=r.category if r else reason,
                 rules=rules, note=text)


def _posting(payload: dict[str, Any], portal: str) -> Posting | None:
    data = posting_of(payload)
    if data is None:
        return None
    data = {**data, "posting_id": f"{portal}/{data.get('posting_id', '')}"[:128]}
    try:
        return Posting.model_validate_json(orjson.dumps(data))
    except ValidationError:
        return None


async def _resolved(engine: AsyncEngine, since: datetime | None) -> list[Any]:
    query = (select(c.portal, c.posting_id, c.version, c.outcome, c.reason, c.note,
                    decisions.c.payload)
             .join(decisions, decisions.c.decision_id == c.decision_id)
             .where(c.status.in_(("approved", "rejected")))
             .order_by(c.portal, c.posting_id, c.version.desc(), c.resolved_at.desc()))
    if since is not None:
        query = query.where(c.resolved_at >= since)
    async with engine.connect() as conn:
        return list((await conn.execute(query)).all())


def lines(cfg: ReviewConfig, rows: list[Any], count: ExportCount) -> Iterator[bytes]:
    """Corpus lines of resolved items (the first row per posting is its latest version)."""
    seen: set[tuple[str, str]] = set()
    for r in rows:
        key = (r.portal, r.posting_id)
        if key in seen:
            count.older += 1
            continue
        seen.add(key)
        payload = orjson.loads(r.payload)
        posting = _posting(payload, r.portal)
        if posting is None:
            count.no_posting += 1
            continue
        decision = Decision.model_validate(payload)
        count.written += 1
        yield dump_line(posting, label_of(cfg, decision, r.outcome, r.reason, r.note))


async def export_labels(engine: AsyncEngine, cfg: ReviewConfig, out: IO[bytes],
                        since: datetime | None = None) -> ExportCount:
    """Write the JSONL corpus of human outcomes to `out`."""
    count = ExportCount()
    for line in lines(cfg, await _resolved(engine, since), count):
        out.write(line + b"\n")
    return count
