"""Reading a rule pack: TOML, CSV and TXT files validated by pydantic, errors with file and line.

Every file a check reads goes through a `PackReader`, which keeps its bytes so the catalog
can fingerprint exactly what decided (`rules_version`), and collects every problem (file,
line, message) instead of stopping at the first, so `verifier rules check` reports them all.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class RuleIssue:
    """One problem in a rule pack file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RulePackError(Exception):
    """A rule pack that cannot be loaded; carries every issue found."""

    def __init__(self, issues: Sequence[RuleIssue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(str(i) for i in self.issues[:5]))


_TOML_LINE = re.compile(r"at line (\d+)")


def locate(text: str, loc: Sequence[str | int]) -> int:
    """Best-effort 1-based line in a TOML text for a pydantic error location."""
    lines = text.splitlines()
    pos = 0  # index into lines where the search continues
    table: str | None = None
    for part in loc:
        if isinstance(part, int):
            if table is None:
                continue
            header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]")
            seen = -1
            for i in range(len(lines)):
                if header.match(lines[i]):
                    seen += 1
                    if seen == part:
                        pos = i
                        break
            continue
        key = re.compile(
            r"^\s*(\[\[?\s*(?:[\w.\"-]+\.)?" + re.escape(part) + r"\s*\]\]?|\"?"
            + re.escape(part) + r"\"?(?:\.[\w\"-]+)*\s*=)"
        )
        for i in range(pos, len(lines)):
            if key.match(lines[i]):
                pos = i
                break
        table = part
    return pos + 1


class PackReader:
    """Reads files under one rule-pack root, remembering them and their problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, bytes] = {}
        self.issues: list[RuleIssue] = []
        self._memo: dict[str, object] = {}

    # -- raw access ---------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        """Whether the pack has this file."""
        return (self.root / rel).is_file()

    def glob(self, pattern: str) -> list[str]:
        """Relative paths under the root matching `pattern`, sorted."""
        return sorted(str(p.relative_to(self.root)) for p in self.root.glob(pattern) if p.is_file())

    def text(self, rel: str) -> str | None:
        """The file's text (UTF-8), or None with an issue recorded."""
        path = self.root / rel
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.fail(rel, 0, f"cannot read: {exc.strerror or exc}")
            return None
        self.files[rel] = raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.fail(rel, line, "not valid UTF-8")
            return None

    def fail(self, rel: str, line: int, message: str) -> None:
        """Record a problem."""
        self.issues.append(RuleIssue(rel, line, message))

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """What several loaders read from this reader (a family's rule declarations), built
        once: its problems are recorded once."""
        if key not in self._memo:
            self._memo[key] = build()
        return cast("T", self._memo[key])

    # -- TOML ---------------------------------------------------------------------
    def toml(self, rel: str) -> tuple[dict[str, Any], str] | None:
        """Parse a TOML file; returns (data, text) or None with an issue recorded."""
        text = self.text(rel)
        if text is None:
            return None
        try:
            return tomllib.loads(text), text
        except tomllib.TOMLDecodeError as exc:
            m = _TOML_LINE.search(str(exc))
            line = int(m.group(1)) if m else max(1, len(text.splitlines()))
            self.fail(rel, line, f"invalid TOML: {exc}")
            return None

    def validate(self, rel: str, text: str, data: Any, model: type[M]) -> M | None:
        """Validate parsed data against `model`, recording each error with its line."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                self.fail(rel, locate(text, err["loc"]), f"{where}: {err['msg']}")
            return None

    def document(self, rel: str, model: type[M]) -> tuple[M, str] | None:
        """A TOML file validated by `model`, with its text (for line lookups); None when it
        cannot be read, parsed or validated (the issues are recorded)."""
        parsed = self.toml(rel)
        if parsed is None:
            return None
        data, text = parsed
        got = self.validate(rel, text, data, model)
        return None if got is None else (got, text)

    def params(self, rel: str, model: type[M]) -> M:
        """Load a TOML params file; on error the issue is recorded and defaults returned."""
        got = self.document(rel, model)
        return model.model_construct() if got is None else got[0]

    # -- CSV ----------------------------------------------------------------------
    def csv_rows(self, rel: str, model: type[M], *, key: Sequence[str] = ()) -> list[tuple[int, M]]:
        """Validate each CSV row with `model`; unknown columns and duplicate keys refused."""
        text = self.text(rel)
        if text is None:
            return []
        reader = csv.DictReader(io.StringIO(text))
        known = set(model.model_fields)
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in known]
        if unknown:
            self.fail(rel, 1, f"unknown column(s): {', '.join(unknown)}")
            return []
        out: list[tuple[int, M]] = []
        seen: dict[tuple[Any, ...], int] = {}
        for row in reader:
            line = reader.line_num
            clean = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
            if None in row:
                self.fail(rel, line, "more cells than columns")
                continue
            try:
                item = model.model_validate(clean)
            except ValidationError as exc:
                for err in exc.errors():
                    self.fail(rel, line, f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
                continue
            if key:
                k = tuple(getattr(item, f) for f in key)
                if k in seen:
                    self.fail(rel, line, f"duplicate {'/'.join(key)} {k} (first on line {seen[k]})")
                    continue
                seen[k] = line
            out.append((line, item))
        return out

    # -- TXT ----------------------------------------------------------------------
    def lines(self, rel: str) -> list[tuple[int, str]]:
        """Non-empty, non-comment lines of a text file with their line numbers."""
        text = self.text(rel)
        if text is None:
            return []
        out = []
        for i, raw in enumerate(text.splitlines(), start=1):
            s = raw.strip()
            if s and not s.startswith("#"):
                out.append((i, s))
        return out

    # -- fingerprint --------------------------------------------------------------
    def fingerprint(self, extra: str = "") -> str:
        """SHA-256 over every file read (path and bytes) plus `extra`, 16 hex digits."""
        h = hashlib.sha256(extra.encode())
        for rel in sorted(self.files):
            h.update(rel.encode() + b"\0" + hashlib.sha256(self.files[rel]).digest())
        return h.hexdigest()[:16]

    def child(self) -> PackReader:
        """A reader over the same root with its own file list and issues."""
        return PackReader(self.root)
