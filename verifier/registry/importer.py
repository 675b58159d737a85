"""Registry import: read a CSV/JSONL file through a mapping, validate every row, upsert all.

Every problem is reported with its line: malformed rows, invalid codes (with the validator's
reason), duplicate codes in one file, unknown status strings, unreadable dates. File-level
problems (wrong encoding, empty file, a mapping naming a missing column) stop the import.
A file with bad rows imports nothing unless `skip_bad` is set; the good rows then go in and
the bad ones are reported. The upsert is one transaction: the registry is never half-written.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.registry.capital import CapitalParser
from verifier.registry.mapping import Mapping
from verifier.registry.records import EnterpriseRecord
from verifier.registry.rows import RowBuilder, RowProblem
from verifier.registry.status import StatusMap
from verifier.store.registry_repo import EPOCH, RegistryRepo, record_key

if TYPE_CHECKING:
    from redis.asyncio import Redis

_BATCH = 2000


@dataclass
class ImportReport:
    """What an import read, refused and wrote."""

    path: str
    rows: int = 0
    good: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    fatal: str | None = None
    duplicates_merged: int = 0
    headers_skipped: int = 0
    unknown_statuses: Counter[str] = field(default_factory=Counter)
    inserted: int = 0
    updated: int = 0
    committed: bool = False


class ImportFailed(Exception):
    """A file-level problem: nothing was imported."""


@dataclass
class Parsed:
    """The outcome of reading a file: good records with their lines, and the report."""

    records: list[tuple[int, EnterpriseRecord]]
    report: ImportReport


Rows = list[tuple[int, dict[str, object]]]


def read_rows(path: Path, mapping: Mapping, encoding: str | None) -> Rows:
    """Decode and split the file into (line, row) pairs; raise ImportFailed on file errors."""
    enc = encoding or mapping.source.encoding
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if enc.lower().replace("-", "") in ("utf8", "utf8sig"):
        enc = "utf-8-sig"
    try:
        text = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, LookupError):
            raise ImportFailed(f"{path}: unknown encoding {enc!r}") from exc
        line = raw[: exc.start].count(b"\n") + 1
        hint = " (try --encoding gb18030)" if enc.startswith("utf") else ""
        raise ImportFailed(f"{path}:{line}: not valid {enc}{hint}") from exc
    if not text.strip():
        raise ImportFailed(f"{path}:1: empty file")
    if mapping.source.format == "jsonl":
        import orjson

        out: list[tuple[int, dict[str, object]]] = []
        for i, ln in enumerate(text.splitlines(), start=1):
            if not ln.strip():
                continue
            try:
                obj = orjson.loads(ln)
            except orjson.JSONDecodeError as exc:
                out.append((i, {"__error__": f"malformed JSON: {exc}"}))
                continue
            out.append((i, obj if isinstance(obj, dict) else {"__error__": "not a JSON object"}))
        return out
    return _csv_rows(path, text, mapping)


def _csv_rows(path: Path, text: str, mapping: Mapping) -> list[tuple[int, dict[str, object]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFailed(f"{path}:1: no header row") from exc
    wanted = set(mapping.columns.values())
    missing = sorted(wanted - set(header))
    if missing:
        raise ImportFailed(f"{path}:1: mapping names missing column(s): {', '.join(missing)}")
    out: list[tuple[int, dict[str, object]]] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.append((line, {"__error__": f"malformed CSV: {exc}"}))
            line = reader.line_num + 1
            continue
        if cells == header:
            out.append((line, {"__header__": True}))
        elif not any(c.strip() for c in cells):
            pass
        elif len(cells) != len(header):
            out.append((line, {"__error__": f"{len(cells)} cells, header has {len(header)}"}))
        else:
            out.append((line, dict(zip(header, cells, strict=True))))
        line = reader.line_num + 1
    return out


def parse_file(
    path: Path, mapping: Mapping, statuses: StatusMap, capital: CapitalParser,
    encoding: str | None = None,
) -> Parsed:
    """Read and validate every row; file-level problems raise ImportFailed."""
    rows = read_rows(path, mapping, encoding)
    report = ImportReport(path=str(path))
    builder = RowBuilder(mapping, statuses, capital)
    records: list[tuple[int, EnterpriseRecord]] = []
    seen: dict[str, tuple[int, EnterpriseRecord]] = {}
    policy = mapping.source.duplicates
    for line, row in rows:
        if row.get("__header__"):
            if mapping.source.skip_repeated_header:
                report.headers_skipped += 1
            else:
                report.rejected.append(RowProblem(line, "repeated header row"))
            continue
        report.rows += 1
        rec, problems, warnings = builder.build(line, row)
        report.warnings.extend(warnings)
        for p in problems:
            if p.unknown_status is not None:
                report.unknown_statuses[p.unknown_status] += 1
        if rec is None:
            report.rejected.extend(problems)
            continue
        key = record_key(rec) or f"line:{line}"  # RowBuilder refuses rows without a code
        if key in seen:
            first_line, first = seen[key]
            if policy == "first" or (policy == "identical" and first == rec):
                report.duplicates_merged += 1
                continue
            why = "differs from" if policy == "identical" else "repeats"
            msg = f"duplicate code {key}: {why} line {first_line}"
            report.rejected.append(RowProblem(line, msg, column="code", value=key))
            continue
        seen[key] = (line, rec)
        records.append((line, rec))
    if report.rows == 0:
        raise ImportFailed(f"{path}:1: empty file (no data rows)")
    report.good = len(records)
    return Parsed(records, report)


async def import_records(
    engine: AsyncEngine, parsed: Parsed, *, skip_bad: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Upsert the parsed records in one transaction (nothing when bad rows and not skip_bad)."""
    report = parsed.report
    if report.rejected and not skip_bad:
        return report
    repo = RegistryRepo(engine)
    records = [r for _, r in parsed.records]
    async with engine.begin() as conn:
        for i in range(0, len(records), _BATCH):
            chunk = records[i : i + _BATCH]
            res = await repo.upsert(chunk, conn)
            report.inserted += res.inserted
            report.updated += res.updated
            if progress is not None:
                progress(len(chunk))
    report.committed = True
    return report


async def bump_epoch(engine: AsyncEngine, redis: Redis | None = None) -> int:
    """Tell every running instance that the registry changed."""
    from verifier.store.epochs import bump

    return await bump(engine, EPOCH, redis)
