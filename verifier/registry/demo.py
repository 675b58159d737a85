"""The demo registry (`fixtures/registry/demo.jsonl`), loaded into an empty registry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.registry.capital import CapitalParser
from verifier.registry.importer import import_records, parse_file
from verifier.registry.mapping import Mapping
from verifier.registry.status import StatusMap
from verifier.store.registry_repo import RegistryRepo

DEMO_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "registry" / "demo.jsonl"


async def install_demo_registry(engine: AsyncEngine, rules_dir: Path) -> int:
    """Import the demo registry when the registry is empty; returns records inserted."""
    if not DEMO_FILE.is_file() or await RegistryRepo(engine).count() > 0:
        return 0
    parsed = parse_file(DEMO_FILE, Mapping.identity("jsonl"), StatusMap.from_rules(rules_dir),
                        CapitalParser.from_rules(rules_dir))
    report = await import_records(engine, parsed, skip_bad=True)
    return report.inserted
