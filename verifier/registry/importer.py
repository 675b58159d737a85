"""Registry import: read a CSV/JSONL file through a mapping, validate every row, upsert all.

The file is streamed twice and never held in memory: pass 1 (`parse_file`) validates every
row and finds duplicate codes (keeping only each code's first line and a digest); pass 2
(`import_records`, through `Parsed.iter_records`) re-reads the file and upserts the good
records in batches inside one transaction. A file changed between the passes is refused.

Every problem is reported with its line: malformed rows, invalid codes (with the validator's
reason), duplicate codes in one file, unknown status strings, unreadable dates. File-level
problems (wrong encoding, empty file, a mapping naming a missing column) stop the import.
A file with bad rows imports nothing unless `skip_bad` is set; the good rows then go in and
the bad ones are reported. The upsert is one transaction: the registry is never half-written.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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


Row = tuple[int, dict[str, object]]


@dataclass
class Parsed:
    """Pass 1 of an import: the report, and what pass 2 needs to stream the good records."""

    report: ImportReport
    path: Path
    mapping: Mapping
    builder: RowBuilder
    encoding: str | None = None
    skip: set[int] = field(default_factory=set)
    """Lines whose record pass 2 must not write (duplicates refused or merged)."""
    stamp: tuple[int, int] = (0, 0)

    def iter_records(self) -> Iterator[tuple[int, EnterpriseRecord]]:
        """Pass 2: re-read the file and yield the good records (the file must be unchanged)."""
        if _stamp(self.path) != self.stamp:
            raise ImportFailed(f"{self.path}: file changed since it was checked")
        n = 0
        for line, row in iter_rows(self.path, self.mapping, self.encoding):
            if line in self.skip or "__header__" in row or "__error__" in row:
                continue
            rec = self.builder.build(line, row)[0]
            if rec is not None:
                n += 1
                yield line, rec
        if n != self.report.good:
            raise ImportFailed(f"{self.path}: file changed since it was checked")

    @property
    def records(self) -> list[tuple[int, EnterpriseRecord]]:
        """All good records at once (small files, tests)."""
        return list(self.iter_records())


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _encoding(enc: str) -> str:
    return "utf-8-sig" if enc.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig") \
        else enc


def _bad_line(path: Path, enc: str) -> int:
    """The line of the first undecodable byte (decoded incrementally, chunk by chunk)."""
    dec = codecs.getincrementaldecoder(enc)()
    line = 1
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + bytes(exc.object[: exc.start]).count(b"\n")
            line += chunk.count(b"\n")
    return line


def iter_rows(path: Path, mapping: Mapping, encoding: str | None) -> Iterator[Row]:
    """Stream (line, row) pairs from the file; raise ImportFailed on file-level errors."""
    enc = _encoding(encoding or mapping.source.encoding)
    try:
        with path.open(encoding=enc, newline="") as f:
            while chunk := f.read(1 << 16):
                if chunk.strip():
                    break
            else:
                raise ImportFailed(f"{path}:1: empty file")
            f.seek(0)
            if mapping.source.format == "jsonl":
                yield from _jsonl_rows(f)
            else:
                yield from _csv_rows(path, f, mapping)
    except LookupError as exc:
        raise ImportFailed(f"{path}: unknown encoding {enc!r}") from exc
    except UnicodeDecodeError as exc:
        hint = " (try --encoding gb18030)" if enc.startswith("utf") else ""
        raise ImportFailed(f"{path}:{_bad_line(path, enc)}: not valid {enc}{hint}") from exc
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _jsonl_rows(f: TextIO) -> Iterator[Row]:
    for i, ln in enumerate(f, start=1):
        if not ln.strip():
            continue
        try:
            obj = orjson.loads(ln)
        except orjson.JSONDecodeError as exc:
            yield i, {"__error__": f"malformed JSON: {exc}"}
            continue
        yield i, obj if isinstance(obj, dict) else {"__error__": "not a JSON object"}


def _csv_rows(path: Path, f: TextIO, mapping: Mapping) -> Iterator[Row]:
    reader = csv.reader(f)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFailed(f"{path}:1: no header row") from exc
    missing = sorted(set(mapping.columns.values()) - set(header))
    if missing:
        raise ImportFailed(f"{path}:1: mapping names missing column(s): {', '.join(missing)}")
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield line, {"__error__": f"malformed CSV: {exc}"}
            line = reader.line_num + 1
            continue
        if cells == header:
            yield line, {"__header__": True}
        elif not any(c.strip() for c in cells):
            pass
        elif len(cells) != len(header):
            yield line, {"__error__": f"{len(cells)} cells, header has {len(header)}"}
        else:
            yield line, dict(zip(header, cells, strict=True))
        line = reader.line_num + 1


def parse_file(
    path: Path, mapping: Mapping, statuses: StatusMap, capital: CapitalParser,
    encoding: str | None = None,
) -> Parsed:
    """Pass 1: stream and validate every row (no records kept, only each code's first line
    and a digest); file-level problems raise ImportFailed."""
    report = ImportReport(path=str(path))
    try:
        stamp = _stamp(path)
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}") from exc
    parsed = Parsed(report, path, mapping, RowBuilder(mapping, statuses, capital), encoding,
                    stamp=stamp)
    seen: dict[str, tuple[int, int]] = {}  # code → (first line, digest of its record)
    policy = mapping.source.duplicates
    for line, row in iter_rows(path, mapping, encoding):
        if row.get("__header__"):
            if mapping.source.skip_repeated_header:
                report.headers_skipped += 1
            else:
                report.rejected.append(RowProblem(line, "repeated header row"))
            continue
        report.rows += 1
        rec, problems, warnings = parsed.builder.build(line, row)
        report.warnings.extend(warnings)
        for p in problems:
            if p.unknown_status is not None:
                report.unknown_statuses[p.unknown_status] += 1
        if rec is None:
            report.rejected.extend(problems)
            continue
        key = record_key(rec) or f"line:{line}"  # RowBuilder refuses rows without a code
        digest = hash(rec.model_dump_json())
        if key in seen:
            first_line, first = seen[key]
            parsed.skip.add(line)
            if policy == "first" or (policy == "identical" and first == digest):
                report.duplicates_merged += 1
                continue
            why = "differs from" if policy == "identical" else "repeats"
            msg = f"duplicate code {key}: {why} line {first_line}"
            report.rejected.append(RowProblem(line, msg, column="code", value=key))
            continue
        seen[key] = (line, digest)
        report.good += 1
    if report.rows == 0:
        raise ImportFailed(f"{path}:1: empty file (no data rows)")
    return parsed


async def import_records(
    engine: AsyncEngine, parsed: Parsed, *, skip_bad: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Stream the good records into one transaction (nothing when bad rows and not skip_bad)."""
    report = parsed.report
    if report.rejected and not skip_bad:
        return report
    repo = RegistryRepo(engine)
    async with engine.begin() as conn:
        chunk: list[EnterpriseRecord] = []
        for _, rec in parsed.iter_records():
            chunk.append(rec)
            if len(chunk) >= _BATCH:
                await _flush(repo, conn, chunk, report, progress)
                chunk = []
        if chunk:
            await _flush(repo, conn, chunk, report, progress)
    report.committed = True
    return report


async def _flush(repo: RegistryRepo, conn: AsyncConnection, chunk: list[EnterpriseRecord],
                 report: ImportReport, progress: Callable[[int], None] | None) -> None:
    res = await repo.upsert(chunk, conn)
    report.inserted += res.inserted
    report.updated += res.updated
    if progress is not None:
        progress(len(chunk))


async def bump_epoch(engine: AsyncEngine, redis: Redis | None = None) -> int:
    """Tell every running instance that the registry changed."""
    from verifier.store.epochs import bump

    return await bump(engine, EPOCH, redis)
