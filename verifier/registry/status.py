"""Registry status strings (any vendor vocabulary) → normalized `Status`.

The vocabulary is data (`rules/registry/status.toml`), read through a `PackReader` so a bad
file is refused with file and line. Strings are keyed after NFKC with whitespace removed;
a string the table does not know maps to `Status.unknown` and is reported as unknown, so
the importer can say which rows carried it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from verifier.pack import PackReader, RulePackError
from verifier.registry.records import Status

STATUS_FILE = "registry/status.toml"
_SPACE = re.compile(r"\s+")


def status_key(raw: str) -> str:
    """The comparison key of a raw status string: NFKC, no whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", raw))


class StatusEntry(BaseModel):
    """One normalized status and the raw strings that mean it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Status
    strings: list[str] = Field(min_length=1)


class StatusFile(BaseModel):
    """`rules/registry/status.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: list[StatusEntry] = Field(min_length=1)


@dataclass(frozen=True)
class StatusResult:
    """A raw status resolved: the normalized status and whether the table knew the string."""

    raw: str | None
    status: Status
    known: bool


class StatusMap:
    """The loaded status vocabulary."""

    def __init__(self, table: dict[str, Status]) -> None:
        self.table = table

    @classmethod
    def load(cls, pack: PackReader, rel: str = STATUS_FILE) -> StatusMap:
        """Read and validate the vocabulary; a string under two statuses is refused."""
        doc = pack.document(rel, StatusFile)
        if doc is None:
            return cls({})
        got, text = doc
        table: dict[str, Status] = {}
        lines = text.splitlines()
        for entry in got.status:
            for s in entry.strings:
                key = status_key(s)
                if not key:
                    pack.fail(rel, _line_of(lines, s), "empty status string")
                elif key in table and table[key] != entry.status:
                    pack.fail(rel, _line_of(lines, s),
                              f"{s!r} listed under {table[key]} and {entry.status}")
                else:
                    table[key] = entry.status
        return cls(table)

    @classmethod
    def from_rules(cls, rules_dir: Path) -> StatusMap:
        """Load from a rules directory; raise RulePackError on any problem."""
        pack = PackReader(rules_dir)
        got = cls.load(pack)
        if pack.issues:
            raise RulePackError(pack.issues)
        return got

    def resolve(self, raw: str | None) -> StatusResult:
        """Normalize one raw status; empty input is unknown but not an unknown *string*."""
        if raw is None or not raw.strip():
            return StatusResult(raw, Status.unknown, True)
        key = status_key(raw)
        if key in self.table:
            return StatusResult(raw, self.table[key], True)
        # "存续（在营、开业、在册）"-style strings not listed verbatim: try the head word.
        head = re.split(r"[(,、;]", key, maxsplit=1)[0]
        if head and head != key and head in self.table:
            return StatusResult(raw, self.table[head], True)
        return StatusResult(raw, Status.unknown, False)


def _line_of(lines: list[str], needle: str) -> int:
    return next((i for i, ln in enumerate(lines, 1) if f'"{needle}"' in ln), 0)
