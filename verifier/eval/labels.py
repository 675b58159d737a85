"""Labelled postings: what a careful reviewer decided, and the corpus file that holds them.

A labelled corpus is JSON Lines, one ``{"posting": {...}, "label": {...}}`` per line. The
posting is a v1 `Posting`; the label names the expected outcome, a category (a fraud
category of `fraud_keywords.csv`, ``legit``, ``salary`` or ``content``), the rule-id prefixes
a reviewer expects to see and a note saying why. Binary data sets (real/fake) label fakes
``not_approve``: flag and reject both count as caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from verifier.models import Outcome, Posting
from verifier.pack import RuleIssue, RulePackError


class Expected(StrEnum):
    """An expected outcome: one of the three, or 'anything but approve' for binary labels."""

    approve = "approve"
    flag = "flag"
    reject = "reject"
    not_approve = "not_approve"

    def agrees(self, got: Outcome) -> bool:
        """Whether the outcome the engine reached matches this expectation."""
        if self is Expected.not_approve:
            return got is not Outcome.approve
        return self.value == got.value

    @property
    def positive(self) -> bool:
        """Whether this label says 'not authentic enough to publish unseen' (binary view)."""
        return self is not Expected.approve


class Label(BaseModel):
    """A reviewer's verdict on one posting."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Expected
    category: Annotated[str, Field(min_length=1, max_length=64)]
    rules: list[Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]] = Field(
        default_factory=list
    )
    note: str = ""
    disagreement: str = ""
    """Why the pipeline decides otherwise, when it does on purpose (a known gap or a policy
    the label's author did not apply); empty when they agree."""


class CorpusLine(BaseModel):
    """One line of a labelled JSONL corpus."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    posting: Posting
    label: Label


@dataclass(frozen=True)
class LabelledPosting:
    """A posting, its label and where it came from (file and line) for reports."""

    posting: Posting
    label: Label
    source: str
    line: int


def load_corpus(path: Path) -> list[LabelledPosting]:
    """Read a labelled JSONL corpus; every bad line is reported with file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulePackError([RuleIssue(str(path), 0, f"cannot read: {exc.strerror}")]) from exc
    issues: list[RuleIssue] = []
    out: list[LabelledPosting] = []
    seen: dict[str, int] = {}
    for no, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = CorpusLine.model_validate_json(line)
        except ValidationError as exc:
            for err in exc.errors()[:3]:
                where = ".".join(str(p) for p in err["loc"])
                issues.append(RuleIssue(str(path), no, f"{where}: {err['msg']}"))
            continue
        pid = item.posting.posting_id
        if pid in seen:
            issues.append(RuleIssue(str(path), no, f"duplicate posting_id {pid!r} "
                                                   f"(first on line {seen[pid]})"))
            continue
        seen[pid] = no
        out.append(LabelledPosting(item.posting, item.label, str(path), no))
    if issues:
        raise RulePackError(issues)
    return out


def dump_line(posting: Posting, label: Label) -> bytes:
    """One corpus line, in the canonical key order (used by the corpus generator)."""
    data = {
        "posting": posting.model_dump(mode="json", exclude_none=True),
        "label": label.model_dump(mode="json",
                                  exclude=None if label.disagreement else {"disagreement"}),
    }
    return orjson.dumps(data)
