"""`verifier registry import|get|search`: load registry files, look records up."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Literal

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from verifier.commands import service_database
from verifier.failures import settings_from
from verifier.pack import RulePackError
from verifier.settings import Settings


@click.group("registry")
def command() -> None:
    """Enterprise registry: import files, get by USCC, search by name."""


@command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="File format (default: the mapping's, else by extension).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML mapping source columns to record fields (fixtures/mappings/).")
@click.option("--encoding", default=None, help="Text encoding, e.g. gb18030 (default utf-8).")
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are bad.")
@click.option("--database-url", default=None, help="Database (default: configured one).")
@click.option("--show", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many rejected rows to print.")
def import_(file: Path, fmt: str | None, mapping: Path | None, encoding: str | None,
            skip_bad: bool, database_url: str | None, show: int) -> None:
    """Upsert a CSV/JSONL file of enterprise records by USCC, in one transaction (into the
    service's database, which must exist: `verifier db upgrade` makes a new one)."""
    from verifier.registry import reference
    from verifier.registry.capital import CapitalParser
    from verifier.registry.importer import ImportFailed, parse_file
    from verifier.registry.mapping import Mapping, MappingError
    from verifier.registry.status import StatusMap

    err = Console(stderr=True)
    settings = settings_from(database_url=database_url)
    asyncio.run(_exists(settings))  # before reading a file that may take long
    try:
        chosen: Literal["csv", "jsonl"] = (
            "jsonl" if (fmt or "") == "jsonl" or (not fmt and file.suffix == ".jsonl") else "csv")
        the_map = Mapping.load(mapping) if mapping else Mapping.identity(chosen)
        if fmt:
            the_map = the_map.model_copy(update={"source": the_map.source.model_copy(
                update={"format": chosen})})
        reference.use_rules_dir(settings.rules_dir)
        statuses = StatusMap.from_rules(settings.rules_dir)
        capital = CapitalParser.from_rules(settings.rules_dir)
        with err.status(f"reading {file}"):
            parsed = parse_file(file, the_map, statuses, capital, encoding)
    except (ImportFailed, MappingError) as exc:
        err.print(f"[red]import failed:[/] {exc}")
        sys.exit(2)
    except RulePackError as exc:
        for issue in exc.issues:
            err.print(f"[red]{issue}[/]")
        sys.exit(2)
    report = parsed.report
    for p in report.rejected[:show]:
        where = f" [{p.column}={p.value!r}]" if p.column else ""
        err.print(f"[red]rejected[/] {file}:{p.line}: {p.reason}{where}", soft_wrap=True)
    if len(report.rejected) > show:
        err.print(f"... and {len(report.rejected) - show} more rejected rows")
    if report.rejected and not skip_bad:
        err.print(f"[red]{len(report.rejected)} bad row(s): nothing imported[/] "
                  "(fix them, or use --skip-bad to import the good rows)")
        _summary(err, report)
        sys.exit(1)
    from verifier.store.registry_repo import RegnoConflict

    try:
        asyncio.run(_write(settings, parsed, skip_bad, err))
    except RegnoConflict as exc:
        err.print(f"[red]import failed:[/] {exc}; nothing imported")
        sys.exit(1)
    _summary(err, report)


async def _exists(settings: Settings) -> None:
    async with service_database(settings=settings):
        pass


async def _write(settings: Settings, parsed: Any, skip_bad: bool, err: Console) -> None:
    from verifier.registry.importer import bump_epoch, import_records

    async with service_database(settings=settings) as (engine, redis):
        with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("import", total=parsed.report.good)
            await import_records(engine, parsed, skip_bad=skip_bad,
                                 progress=lambda n: bar.advance(task, n))
        await bump_epoch(engine, redis)


def _summary(err: Console, report: Any) -> None:
    t = Table(title=f"registry import: {report.path}", show_header=False)
    for label, value in (
        ("data rows", report.rows), ("good", report.good), ("rejected", len(report.rejected)),
        ("warnings", len(report.warnings)), ("duplicates merged", report.duplicates_merged),
        ("repeated headers skipped", report.headers_skipped),
        ("inserted", report.inserted), ("updated", report.updated),
        ("committed", "yes" if report.committed else "no"),
    ):
        t.add_row(label, str(value))
    if report.unknown_statuses:
        t.add_row("unknown statuses", ", ".join(f"{k} ×{v}" for k, v in
                                                 report.unknown_statuses.most_common(10)))
    err.print(t)


@command.command("get")
@click.argument("uscc")
@click.option("--database-url", default=None)
def get(uscc: str, database_url: str | None) -> None:
    """Print the record of one USCC (or 15-digit 注册号) as JSON."""
    from verifier.registry.uscc import normalize_code
    from verifier.store.registry_repo import RegistryRepo

    async def go() -> Any:
        async with service_database(database_url) as (engine, _redis):
            repo = RegistryRepo(engine)
            code = normalize_code(uscc)
            return await (repo.get_by_regno(code) if len(code) == 15 else repo.get(code))

    rec = asyncio.run(go())
    if rec is None:
        click.echo(f"not found: {uscc}", err=True)
        sys.exit(1)
    click.echo(orjson.dumps(rec.model_dump(mode="json", exclude_defaults=True),
                            option=orjson.OPT_INDENT_2).decode())


@command.command("search")
@click.argument("name")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--database-url", default=None)
def search(name: str, limit: int, database_url: str | None) -> None:
    """Enterprises whose names match NAME (normalized exact, then 字号 similarity)."""
    from verifier.store.registry_repo import RegistryRepo

    async def go() -> Any:
        async with service_database(database_url) as (engine, _redis):
            return await RegistryRepo(engine).search(name, limit)

    hits = asyncio.run(go())
    if not hits:
        click.echo(f"no match: {name}", err=True)
        sys.exit(1)
    for h in hits:
        click.echo(f"{h.score:5.1f}  {h.record.uscc or h.record.regno}  {h.record.name}"
                   f"  [{h.record.status}] ({h.kind}: {h.matched_name})")
