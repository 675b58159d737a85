"""Labelled examples for training: from a mapped CSV, a labelled JSONL corpus or a reviewer
export (JSONL of posting + outcome), with the registry fact each posting resolves to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from verifier.eval.labels import CorpusLine, Expected
from verifier.eval.mapping import load_mapping, read_csv
from verifier.models import Posting
from verifier.pack import RuleIssue, RulePackError
from verifier.text.normalize import normalize


@dataclass(frozen=True)
class Example:
    """One labelled posting: y = 1 when a person would not let it through unseen."""

    posting: Posting
    y: int
    group: str
    source: str
    line: int


def employer_key(posting: Posting) -> str:
    """The employer a posting belongs to, for grouped cross-validation: its normalized name
    (every posting names one; codes are missing on some rows of the same employer)."""
    return "".join(normalize(posting.enterprise.name).split())


def _outcome(value: Any) -> int | None:
    """1 for not-approve outcomes, 0 for approve, None for an unknown value."""
    try:
        got = Expected(str(value))
    except ValueError:
        return None
    return int(got.positive)


def _jsonl_line(raw: bytes, path: Path, no: int) -> Example:
    """A corpus line (posting + label) or a reviewer export line (posting + outcome)."""
    where = f"{path}"
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RulePackError([RuleIssue(where, no, f"not JSON: {exc}")]) from exc
    if not isinstance(obj, dict) or "posting" not in obj:
        raise RulePackError([RuleIssue(where, no, "a line needs 'posting' and 'label' or "
                                                  "'outcome'")])
    try:
        if "label" in obj:
            item = CorpusLine.model_validate_json(raw)
            return Example(item.posting, int(item.label.outcome.positive),
                           employer_key(item.posting), where, no)
        posting = Posting.model_validate_json(orjson.dumps(obj["posting"]))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise RulePackError([RuleIssue(where, no, f"{'.'.join(map(str, err['loc']))}: "
                                                  f"{err['msg']}")]) from exc
    y = _outcome(obj.get("outcome"))
    if y is None:
        raise RulePackError([RuleIssue(where, no, f"outcome {obj.get('outcome')!r}: expected "
                                                  "approve, flag, reject or not_approve")])
    return Example(posting, y, employer_key(posting), where, no)


def read_jsonl(path: Path) -> list[Example]:
    """Every line of a labelled JSONL file; a bad line refused with file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulePackError([RuleIssue(str(path), 0, f"cannot read: {exc.strerror}")]) from exc
    return [_jsonl_line(line, path, no) for no, line in enumerate(raw.splitlines(), start=1)
            if line.strip()]


def load_examples(files: Sequence[Path], mapping: Path | None) -> list[Example]:
    """Examples from every file: CSVs through `mapping`, JSONL as corpus or review export."""
    out: list[Example] = []
    for path in files:
        if path.suffix.lower() == ".csv":
            if mapping is None:
                raise RulePackError([RuleIssue(str(path), 0, "a CSV needs --mapping MAP.toml")])
            rows = read_csv(path, load_mapping(mapping))
            out += [Example(i.posting, int(i.label.outcome.positive), employer_key(i.posting),
                            str(path), i.line) for i in rows.items]
        else:
            out += read_jsonl(path)
    return out
