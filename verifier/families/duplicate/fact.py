"""The `duplicates` fact: near-duplicates of a posting among other postings already seen.

Built by `provider.py` (I/O) and read by `checks.py` (pure).
Another posting is named only by its opaque reference; of its content only the compared
fields (monthly pay range, city, headcount) in normalized form, and only where they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from verifier.families.duplicate.index import Entry


@dataclass(frozen=True, slots=True)
class DuplicateHit:
    """One other posting whose text resembles this one."""

    ref: str
    similarity: float
    same_employer: bool
    same_title: bool
    same_portal: bool
    differs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Compared field → {"this": value, "other": value}, only for fields that differ."""
    employer: int | None = None
    """The other posting's employer as a number local to this fact (equal numbers: the same
    employer), so that a check can count employers without learning who they are."""


class ReadsDuplicates(Protocol):
    """Fact slot of a check's context: the near-duplicate fact (declare it to read it)."""

    @property
    def duplicates(self) -> DuplicateFact | None:
        """Near-duplicates among postings seen; None when duplicate detection is off."""


@dataclass(frozen=True, slots=True)
class DuplicateFact:
    """This posting's reference, its shingle count and the similar postings found."""

    ref: str
    shingles: int
    hits: tuple[DuplicateHit, ...] = ()
    record: Entry | None = None
    """This posting's entry, to be upserted with its decision (a side write); None: don't."""
    recorded_at: datetime | None = None
