"""Parse coverage of the salary parser over a file of real salary strings.

Each string lands in one bucket: ``sane`` (read to figures whose monthly equivalent lies in
a plausible range, min ≤ max, no zero or negative), ``negotiable`` (面议), ``empty``, or
``unread`` (not read, or read to something insane). Shares are given over distinct strings
and, when the file has a ``count`` column, over occurrences.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from verifier.text.salary import SalaryParse, parse

Bucket = Literal["sane", "negotiable", "empty", "unread"]
BUCKETS: tuple[Bucket, ...] = ("sane", "negotiable", "empty", "unread")
SANE_MONTHLY = (100.0, 1_000_000.0)


def bucket(p: SalaryParse, sane: tuple[float, float] = SANE_MONTHLY) -> Bucket:
    """The coverage bucket of one parse."""
    if p.status != "ok":
        return p.status
    if {"reversed", "zero", "negative", "absurd"} & set(p.issues):
        return "unread"
    figures = [v for v in (p.monthly_min, p.monthly_max) if v is not None]
    if not figures or min(figures) < sane[0] or max(figures) > sane[1]:
        return "unread"
    return "sane"


@dataclass
class Coverage:
    """Counts per bucket (rows, and weighted by a `count` column) and the unread strings."""

    distinct: Counter[str] = field(default_factory=Counter)
    weighted: Counter[str] = field(default_factory=Counter)
    unread: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Number of rows read."""
        return sum(self.distinct.values())

    def share(self, name: str) -> float:
        """Share of rows in a bucket (0..1)."""
        return self.distinct[name] / self.total if self.total else 0.0


def coverage_of(text: str, column: str = "salary_text") -> Coverage:
    """Coverage over a CSV text (leading lines starting with '#' are comments)."""
    lines = text.splitlines(keepends=True)
    skip = next((i for i, ln in enumerate(lines) if not ln.startswith("#")), len(lines))
    reader = csv.DictReader(io.StringIO("".join(lines[skip:])))
    if column not in (reader.fieldnames or []):
        raise ValueError(f"no column {column!r} (have: {', '.join(reader.fieldnames or [])})")
    cov = Coverage()
    for row in reader:
        raw = row.get(column) or ""
        p = parse(raw)
        name = bucket(p)
        cov.distinct[name] += 1
        try:
            weight = int(row.get("count") or 1)
        except ValueError:
            weight = 1
        cov.weighted[name] += weight
        if name == "unread":
            cov.unread.append((raw, p.reason or ",".join(p.issues) or "out of range"))
    return cov
