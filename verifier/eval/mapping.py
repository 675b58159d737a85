"""Mappings: how the columns of a labelled CSV become v1 postings and expected outcomes.

A mapping is a TOML file (see ``fixtures/mappings/orfd.toml``): ``[defaults]`` (dotted
Posting fields with fixed values, e.g. the portal channel), ``[fields."<dotted field>"]``
(a column or columns, with simple transforms: strip, join, split-and-pick, value map,
int/datetime parsing, prefix, truncation) and ``[label]`` (which column holds the label
and what each value means: an expected outcome, ``not_approve`` for binary fake labels,
or ``skip``). A bad mapping, or one naming a column the CSV lacks, is refused with file
and line; a row that does not make a valid posting is skipped and reported with its line.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from verifier.eval.labels import Expected, Label, LabelledPosting
from verifier.models import Posting
from verifier.pack import PackReader, RuleIssue, RulePackError

_INT = re.compile(r"-?\d+")
_DT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d")
Scalar = str | int | float | bool


class FieldSpec(BaseModel):
    """How one Posting field is read from a row."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    columns: list[str] = Field(default_factory=list)
    value: Scalar | None = None
    join: str = "\n"
    strip: bool = True
    split: Annotated[str, Field(min_length=1)] | None = None
    index: int = 0
    map: dict[str, str] = Field(default_factory=dict)
    type: Literal["str", "int", "datetime"] = "str"
    tz: Annotated[str, Field(pattern=r"^[+-]\d\d:\d\d$")] = "+08:00"
    prefix: str = ""
    truncate: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = sum([self.column is not None, bool(self.columns), self.value is not None])
        if given != 1:
            raise ValueError("give exactly one of column, columns or value")
        return self

    def sources(self) -> list[str]:
        """The CSV columns this field reads."""
        return [self.column] if self.column is not None else list(self.columns)

    def read(self, row: dict[str, str]) -> Scalar | None:
        """This field's value for a row (None: leave the field out)."""
        if self.value is not None:
            return self.value
        parts = [row.get(c) or "" for c in self.sources()]
        if self.strip:
            parts = [p.strip() for p in parts]
        text = self.join.join(p for p in parts if p)
        if self.split is not None:
            pieces = text.split(self.split)
            text = pieces[self.index] if -len(pieces) <= self.index < len(pieces) else ""
            text = text.strip() if self.strip else text
        text = self.map.get(text, text)
        if not text:
            return None
        if self.type == "int":
            m = _INT.search(text)
            return int(m.group(0)) if m else None
        if self.type == "datetime":
            return _datetime(text, self.tz)
        text = self.prefix + text
        return text[: self.truncate] if self.truncate else text


def _datetime(text: str, tz: str) -> str | None:
    for fmt in _DT_FORMATS:
        try:
            return datetime.strptime(text, fmt).isoformat() + tz
        except ValueError:
            continue
    return text if "T" in text else None


class LabelSpec(BaseModel):
    """Which column holds the label and what each value means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    outcomes: dict[str, Expected | Literal["skip"]]
    categories: dict[str, str] = Field(default_factory=dict)
    unknown: Literal["skip", "error"] = "skip"
    note: str = ""


class SourceSpec(BaseModel):
    """How to read the CSV itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    encoding: str = "utf-8-sig"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","


class Mapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: SourceSpec = Field(default_factory=SourceSpec)
    defaults: dict[str, Scalar] = Field(default_factory=dict)
    fields: dict[str, FieldSpec]
    label: LabelSpec

    @model_validator(mode="after")
    def _has_id_and_title(self) -> Mapping:
        for need in ("posting_id", "title", "enterprise.name"):
            if need not in self.fields and need not in self.defaults:
                raise ValueError(f"no mapping for required Posting field {need!r}")
        return self


@dataclass(frozen=True)
class LoadedMapping:
    """A validated mapping, with its file and text for error lines."""

    mapping: Mapping
    path: Path
    text: str

    def line_of(self, *needles: str) -> int:
        """1-based line of the first line containing every needle (0 if none)."""
        for i, ln in enumerate(self.text.splitlines(), start=1):
            if all(n in ln for n in needles):
                return i
        return 0


def load_mapping(path: Path) -> LoadedMapping:
    """Read and validate a mapping TOML; raise RulePackError with file:line on problems."""
    reader = PackReader(path.parent)
    parsed = reader.toml(path.name)
    mapping = None
    if parsed is not None:
        mapping = reader.validate(path.name, parsed[1], parsed[0], Mapping)
    if mapping is None or parsed is None:
        issues = [RuleIssue(str(path), i.line, i.message) for i in reader.issues]
        raise RulePackError(issues or [RuleIssue(str(path), 0, "mapping not loaded")])
    return LoadedMapping(mapping, path, parsed[1])


@dataclass(frozen=True)
class Skipped:
    """A CSV row left out of the evaluation, and why."""

    line: int
    reason: str


@dataclass
class MappedRows:
    """Postings read from a CSV through a mapping, plus the rows left out."""

    items: list[LabelledPosting]
    skipped: list[Skipped]
    total: int


def _check_columns(lm: LoadedMapping, header: list[str], csv_path: Path) -> None:
    issues: list[RuleIssue] = []
    have = set(header)
    for name, spec in lm.mapping.fields.items():
        for col in spec.sources():
            if col not in have:
                issues.append(RuleIssue(str(lm.path), lm.line_of(name, "]") or lm.line_of(col),
                                        f"field {name!r}: column {col!r} not in {csv_path.name}"))
    if lm.mapping.label.column not in have:
        issues.append(RuleIssue(str(lm.path), lm.line_of("column", lm.mapping.label.column),
                                f"label column {lm.mapping.label.column!r} not in "
                                f"{csv_path.name}"))
    if issues:
        raise RulePackError(issues)


def _nest(flat: dict[str, Scalar]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = out
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def _rows(path: Path, source: SourceSpec) -> Iterator[tuple[int, list[str], dict[str, str]]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding=source.encoding, newline="") as fh:
        reader = csv.DictReader(fh, delimiter=source.delimiter)
        header = list(reader.fieldnames or [])
        start = reader.line_num + 1
        for row in reader:
            yield start, header, {k: v for k, v in row.items() if isinstance(k, str)}
            start = reader.line_num + 1


def read_csv(csv_path: Path, lm: LoadedMapping) -> MappedRows:
    """Every labelled row of `csv_path` as a posting; header checked against the mapping."""
    m = lm.mapping
    items: list[LabelledPosting] = []
    skipped: list[Skipped] = []
    total = 0
    checked = False
    try:
        for line, header, row in _rows(csv_path, m.source):
            if not checked:
                _check_columns(lm, header, csv_path)
                checked = True
            total += 1
            raw_label = (row.get(m.label.column) or "").strip()
            outcome = m.label.outcomes.get(raw_label)
            if outcome is None:
                if m.label.unknown == "error":
                    raise RulePackError([RuleIssue(str(csv_path), line,
                                                   f"unknown label {raw_label!r}")])
                skipped.append(Skipped(line, f"unknown label {raw_label!r}"))
                continue
            if outcome == "skip":
                skipped.append(Skipped(line, f"label {raw_label!r} is skipped by the mapping"))
                continue
            flat: dict[str, Scalar] = dict(m.defaults)
            for name, spec in m.fields.items():
                value = spec.read(row)
                if value is not None:
                    flat[name] = value
            try:
                posting = Posting.model_validate_json(orjson.dumps(_nest(flat)))
            except ValidationError as exc:
                err = exc.errors()[0]
                skipped.append(Skipped(line, f"{'.'.join(map(str, err['loc']))}: {err['msg']}"))
                continue
            label = Label(outcome=outcome, category=m.label.categories.get(raw_label, raw_label),
                          note=m.label.note)
            items.append(LabelledPosting(posting, label, str(csv_path), line))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RulePackError([RuleIssue(str(csv_path), 0, f"cannot read CSV: {exc}")]) from exc
    if not checked:
        raise RulePackError([RuleIssue(str(csv_path), 1, "CSV has no data rows")])
    return MappedRows(items, skipped, total)
