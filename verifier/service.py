"""Verification as a service: evaluate, build the decision, log it, answer retries idempotently."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime

from uuid_utils import uuid7

from verifier.models import Decision, Outcome, Posting, ReviewState
from verifier.obs.context import current_request_id
from verifier.obs.metrics import count_decisions
from verifier.pipeline.engine import Engine, Evaluation
from verifier.review.service import ReviewService
from verifier.store.chain import PostingRecord
from verifier.store.side_writes import SideWrite
from verifier.store.writer import DecisionWriter


def content_hash(posting: Posting) -> str:
    """SHA-256 over the posting's canonical JSON (what makes a retry "the same" posting)."""
    return PostingRecord.of(posting).content_hash


def build_decision(
    portal: str, posting: Posting, chash: str, ev: Evaluation, now: datetime
) -> Decision:
    """The decision record for one evaluation (version is set by the writer).

    The id is a UUIDv7 (RFC 9562): time-ordered, so the log's unique index on it takes
    appends instead of random page writes (half the WAL volume per batch, measured)."""
    return Decision(
        decision_id=str(uuid7()),
        posting_id=posting.posting_id,
        portal=portal,
        outcome=ev.outcome,
        risk_score=ev.risk_score,
        findings=ev.findings,
        tags=ev.tags,
        enterprise=ev.enterprise,
        rules_version=ev.rules_version,
        content_hash=chash,
        decided_at=now,
        timings_ms=ev.timings_ms,
        request_id=current_request_id(),
    )


class Verifier:
    """Runs the engine and logs every decision before it is returned."""

    def __init__(self, engine: Engine, writer: DecisionWriter, *, cache_size: int = 50_000,
                 review: ReviewService | None = None):
        self.engine = engine
        self.writer = writer
        self.review = review
        self._recent: OrderedDict[tuple[str, str, str], Decision] = OrderedDict()
        self._cache_size = cache_size

    def _remember(self, d: Decision) -> None:
        key = (d.portal, d.posting_id, d.content_hash)
        self._recent[key] = d
        self._recent.move_to_end(key)
        while len(self._recent) > self._cache_size:
            self._recent.popitem(last=False)

    async def verify(self, portal: str, posting: Posting) -> Decision:
        """Decide one posting; a retry of logged content returns the logged decision."""
        return (await self.verify_many(portal, [posting]))[0]

    async def verify_many(self, portal: str, postings: list[Posting]) -> list[Decision]:
        """Decide several postings; each is committed to the log before this returns."""
        out: list[Decision | None] = []
        todo: list[Decision] = []
        sides: list[list[SideWrite]] = []
        received: list[PostingRecord] = []
        slots: list[int] = []
        for posting in postings:
            record = PostingRecord.of(posting)
            chash = record.content_hash
            hit = self._recent.get((portal, posting.posting_id, chash))
            if hit is not None:
                out.append(hit)
                continue
            now = datetime.now(UTC)
            ev = await self.engine.evaluate(posting, now, portal=portal)
            slots.append(len(out))
            out.append(None)
            todo.append(build_decision(portal, posting, chash, ev, now))
            sides.append(ev.side_writes)
            received.append(record)
        fresh: set[str] = set()
        if todo:
            stored = await self.writer.submit_many(todo, sides, received)
            for i, d, made in zip(slots, stored, todo, strict=True):
                out[i] = d
                self._remember(d)
                if d.decision_id == made.decision_id:
                    fresh.add(d.decision_id)
            count_decisions(stored)
        return await self._with_review([d for d in out if d is not None], fresh)

    async def _with_review(self, out: list[Decision], fresh: set[str]) -> list[Decision]:
        """Flagged decisions with their review: a new one is pending; a retried one shows
        where its review stands now."""
        flagged = [d for d in out if d.outcome is Outcome.flag]
        if not flagged:
            return out
        retried = [d.decision_id for d in flagged if d.decision_id not in fresh]
        states = await self.review.states(retried) if self.review and retried else {}
        pending = ReviewState(status="pending")
        return [d.model_copy(update={"review": states.get(d.decision_id, pending)})
                if d.outcome is Outcome.flag else d for d in out]
