"""The fact provider contract: the I/O that resolves one named fact for a posting.

A family that needs I/O (the registry record, near-duplicate postings ...) implements a
`FactProvider` beside its checks. The engine (`verifier.pipeline.facts`) runs every provider
concurrently before the checks, each under a time limit; a provider that fails or times out
leaves its fact unavailable, and a check that reads it fails closed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from verifier.families.base import Context
from verifier.models import EnterpriseSummary
from verifier.store.side_writes import SideWrite, SideWriter


class FactProvider(ABC):
    """Resolves one named fact for a posting. May do I/O; must not mutate the posting."""

    name: ClassVar[str]

    @abstractmethod
    async def resolve(self, ctx: Context) -> Any:
        """The fact's value for this posting ("not found" is a value, not an exception)."""

    async def start(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Load what the provider needs (indexes, caches) before the first posting."""

    def summary(self, value: Any) -> EnterpriseSummary | None:
        """The matched-enterprise summary this fact gives the decision, if any."""
        return None

    def side_writes(self, value: Any) -> list[SideWrite]:
        """Payloads to commit with this posting's decision, in its transaction, only when
        the decision is new (see `verifier.pipeline.facts.Facts.side_writes`)."""
        return []

    def side_writers(self) -> list[SideWriter]:
        """The side writers this provider's `side_writes` are for, registered with the
        decision writer at start."""
        return []

    async def close(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Release resources."""
