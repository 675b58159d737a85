"""The demo registry (`verifier/demo_data/registry.jsonl`), loaded into an empty registry."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.registry.capital import CapitalParser
from verifier.registry.importer import import_records, parse_file
from verifier.registry.mapping import Mapping
from verifier.registry.status import StatusMap
from verifier.settings import DEMO_REGISTRY_FILE
from verifier.store.registry_repo import RegistryRepo

DEMO_FILE = DEMO_REGISTRY_FILE


async def install_demo_registry(
    engine: AsyncEngine, rules_dir: Path, file: Path = DEMO_REGISTRY_FILE
) -> int:
    """Import `file` when the registry is empty; returns records inserted."""
    if not await asyncio.to_thread(file.is_file):
        raise FileNotFoundError(f"demo registry file not found: {file} (DEMO_REGISTRY_FILE)")
    if await RegistryRepo(engine).count() > 0:
        return 0
    parsed = parse_file(file, Mapping.identity("jsonl"), StatusMap.from_rules(rules_dir),
                        CapitalParser.from_rules(rules_dir))
    report = await import_records(engine, parsed, skip_bad=True)
    return report.inserted
