"""The review service: one object the API and the console both call. It holds the review
pack in force (swapped on reload), the writer's hook that creates items, the queue actions
and the reads."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Decision, ReviewState
from verifier.review import reads
from verifier.review.config import ReviewConfig
from verifier.review.items import QueueHook
from verifier.review.notice import Notice, render_notice
from verifier.review.queue import Clock, ReviewQueue
from verifier.review.schemas import ItemDetail, ItemFilter, ItemPage
from verifier.review.stats import ReviewStats, review_stats


def _now() -> datetime:
    return datetime.now(UTC)


class ReviewService(ReviewQueue):
    """Queue actions (see `ReviewQueue`) plus reads, over one database and review pack."""

    def __init__(self, engine: AsyncEngine, config: ReviewConfig, clock: Clock = _now) -> None:
        self._config = config
        super().__init__(engine, lambda: self._config, clock)
        self.hook = QueueHook(lambda: self._config)
        """Give this to the decision writer: it creates the items of new decisions."""

    @property
    def pack(self) -> ReviewConfig:
        """The review pack in force."""
        return self._config

    def swap(self, config: ReviewConfig) -> None:
        """Put a newly loaded (valid) review pack in force."""
        self._config = config

    async def items(self, flt: ItemFilter, *, cursor: str | None = None,
                    limit: int = 50) -> ItemPage:
        """A page of matching items in claim order, with counts."""
        await self.expire_leases()
        return await reads.list_items(self.engine, self._config, flt, self.clock(),
                                      cursor=cursor, limit=limit)

    async def item(self, item_id: str) -> ItemDetail:
        """One item with everything a reviewer needs."""
        await self.expire_leases()
        return await reads.get_item(self.engine, self._config, item_id, self.clock())

    async def states(self, decision_ids: list[str]) -> dict[str, ReviewState]:
        """The review of each of these decisions that has one."""
        return await reads.review_states(self.engine, self._config, decision_ids,
                                         self.clock())

    async def decision(self, portal: str, posting_id: str) -> Decision | None:
        """The current decision on a portal's posting, with its review."""
        return await reads.current_decision(self.engine, self._config, portal, posting_id,
                                            self.clock())

    async def stats(self, since: datetime | None = None) -> ReviewStats:
        """Depth, ages, overdue, handling, throughput, overturn rates, spot checks."""
        await self.expire_leases()
        return await review_stats(self.engine, self.clock(), since)

    async def notice(self, portal: str, posting_id: str) -> Notice | None:
        """The rectification notice of a refused posting (None: not refused, or unknown)."""
        decision = await self.decision(portal, posting_id)
        if decision is None:
            return None
        posting = reads.posting_of(decision.model_dump(mode="json"))
        return render_notice(self._config, decision, posting, self.clock())
