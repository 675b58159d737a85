"""A private, throw-away registry for evaluation: temp SQLite, migrated, one file imported.

`verifier eval` and the golden test never read the configured database (`DATABASE_URL`):
the registry (and every other database-backed fact, such as duplicates) starts empty in a
temporary directory, so a result depends only on the corpus, the rule pack and the registry
file given.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from verifier.registry import reference
from verifier.registry.capital import CapitalParser
from verifier.registry.importer import import_records, parse_file
from verifier.registry.mapping import Mapping
from verifier.registry.status import StatusMap
from verifier.settings import Settings
from verifier.store import migrate
from verifier.store.db import create_engine

ROOT = Path(__file__).resolve().parents[2]
CORPUS_REGISTRY = ROOT / "fixtures" / "corpus" / "registry.jsonl"


@dataclass
class RegistryUsed:
    """Which registry an evaluation ran against, and what its import kept and refused."""

    file: str | None = None
    mapping: str | None = None
    rows: int = 0
    records: int = 0
    skipped: int = 0
    merged: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the report header."""
        if self.file is None:
            return "Registry: none (empty: registry checks only validate codes)"
        via = f" via {self.mapping}" if self.mapping else ""
        out = f"Registry: {self.file}{via}  rows: {self.rows}  records: {self.records}"
        if self.merged:
            out += f"  repeated codes merged: {self.merged}"
        if self.skipped:
            why = ", ".join(f"{n} {r}" for r, n in sorted(self.reasons.items(),
                                                          key=lambda kv: -kv[1])[:4])
            out += f"  skipped rows: {self.skipped} ({why})"
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"file": self.file, "mapping": self.mapping, "rows": self.rows,
                "records": self.records, "skipped": self.skipped, "merged": self.merged,
                "skip_reasons": self.reasons}


def default_registry(corpus: Path) -> Path | None:
    """The registry a JSONL corpus is judged against without --registry: the
    `registry.jsonl` next to it (fixtures/corpus/registry.jsonl for the corpus), if any."""
    sibling = corpus.parent / "registry.jsonl"
    if corpus.suffix.lower() == ".jsonl" and sibling.is_file() and sibling != corpus:
        return sibling
    return None


def _reason(message: str) -> str:
    """A skip reason without its row-specific values (for counting)."""
    for cut in (" (", ":", " '", ' "'):
        if cut in message:
            message = message.split(cut, 1)[0]
    return message.strip() or "bad row"


@asynccontextmanager
async def eval_settings(
    settings: Settings, registry: Path | None, mapping: Path | None = None,
) -> AsyncIterator[tuple[Settings, RegistryUsed]]:
    """Settings pointing at a fresh, migrated temp SQLite database holding `registry`.

    Bad registry rows are skipped and counted (``--skip-bad``); a file-level problem
    (unreadable file, missing column) raises the importer's `ImportFailed`.
    """
    reference.use_rules_dir(settings.rules_dir)
    with tempfile.TemporaryDirectory(prefix="verifier-eval-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'eval.db'}"
        local = settings.model_copy(update={"database_url": url, "redis_url": None,
                                            "demo": False, "registry_backend": "memory"})
        used = RegistryUsed()
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            if registry is not None:
                fmt: Literal["csv", "jsonl"] = (
                    "jsonl" if registry.suffix.lower() == ".jsonl" else "csv")
                mp = Mapping.load(mapping) if mapping is not None else Mapping.identity(fmt)
                parsed = parse_file(registry, mp, StatusMap.from_rules(local.rules_dir),
                                    CapitalParser.from_rules(local.rules_dir))
                report = await import_records(engine, parsed, skip_bad=True)
                reasons: dict[str, int] = {}
                for p in report.rejected:
                    key = _reason(p.reason)
                    reasons[key] = reasons.get(key, 0) + 1
                used = RegistryUsed(str(registry), str(mapping) if mapping else None,
                                    report.rows, report.inserted + report.updated,
                                    len(report.rejected), report.duplicates_merged, reasons)
        finally:
            await engine.dispose()
        yield local, used
