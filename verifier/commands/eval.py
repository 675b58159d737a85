"""`verifier eval FILE`: run labelled postings through the pipeline and score the outcomes."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from verifier.eval.holds import compute_holds
from verifier.eval.labels import LabelledPosting, load_corpus
from verifier.eval.mapping import Skipped, load_mapping, read_csv
from verifier.eval.metrics import Result, compute
from verifier.eval.registry import RegistryUsed, default_registry, eval_settings
from verifier.eval.render import render
from verifier.eval.runner import offline, run
from verifier.pack import RulePackError
from verifier.registry.importer import ImportFailed
from verifier.registry.mapping import MappingError
from verifier.settings import Settings


def _load(path: Path, mapping: Path | None) -> tuple[list[LabelledPosting], list[Skipped], int]:
    if mapping is not None:
        rows = read_csv(path, load_mapping(mapping))
        return rows.items, rows.skipped, rows.total
    if path.suffix.lower() == ".csv":
        raise click.UsageError("a CSV needs --mapping MAP.toml (see fixtures/mappings/)")
    items = load_corpus(path)
    return items, [], len(items)


async def _evaluate(
    settings: Settings, items: list[LabelledPosting], err: Console, quiet: bool,
    registry: Path | None, registry_mapping: Path | None,
) -> tuple[list[Result], str, str, RegistryUsed]:
    async with (eval_settings(settings, registry, registry_mapping) as (local, used),
                offline(local) as (engine, mode)):
        with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, disable=quiet, transient=True) as bar:
            task = bar.add_task("eval", total=len(items))
            results = await run(engine, items, lambda _: bar.advance(task))
        return results, mode, engine.catalog.rules_version, used


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML mapping a CSV's columns to Posting fields and labels.")
@click.option("--rules-dir", "--rules", "rules",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Rule pack directory (default: RULES_DIR); --rules is an old alias.")
@click.option("--registry", "registry", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Registry file imported into the evaluation's temporary "
              "database (default for a JSONL corpus: the registry.jsonl beside it).")
@click.option("--registry-mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Import mapping for --registry (as `verifier registry import --mapping`).")
@click.option("--no-registry", is_flag=True, help="Evaluate against an empty registry.")
@click.option("--show", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many disagreeing postings to print.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def command(ctx: click.Context, file: Path, mapping: Path | None, rules: Path | None,
            registry: Path | None, registry_mapping: Path | None, no_registry: bool,
            show: int, as_json: bool) -> None:
    """Score labelled postings (JSONL corpus, or CSV through --mapping) against the pipeline.

    Always on a fresh temporary database (never the configured DATABASE_URL) holding only the
    registry given (--registry, else the registry.jsonl beside a JSONL corpus).
    """
    settings = ctx.find_object(Settings) or Settings()
    if rules is not None:
        settings = settings.model_copy(update={"rules_dir": rules})
    if registry_mapping is not None and registry is None:
        raise click.UsageError("--registry-mapping needs --registry FILE")
    if no_registry and registry is not None:
        raise click.UsageError("--no-registry and --registry exclude each other")
    reg = None if no_registry else registry or default_registry(file)
    err = Console(stderr=True)
    try:
        items, skipped, total = _load(file, mapping)
        t0 = time.perf_counter()
        results, mode, version, used = asyncio.run(
            _evaluate(settings, items, err, not sys.stderr.isatty() and as_json,
                      reg, registry_mapping))
        elapsed = time.perf_counter() - t0
    except RulePackError as exc:
        for issue in exc.issues:
            err.print(f"[red]error[/red] {issue}", highlight=False)
        ctx.exit(2)
    except (ImportFailed, MappingError) as exc:
        err.print(f"[red]error[/red] registry: {exc}", highlight=False)
        ctx.exit(2)
    report = compute(results)
    holds = compute_holds(results)
    reasons = Counter(s.reason.split(":")[0] if ":" in s.reason else s.reason for s in skipped)
    if as_json:
        data = {"file": str(file), "rows": total, "evaluated": len(items),
                "skipped": dict(reasons), "engine": mode, "rules_version": version,
                "registry": used.as_dict(),
                "seconds": round(elapsed, 3), "holds": holds.as_dict(),
                **report.as_dict(show)}
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    rate = len(items) / elapsed if elapsed else 0.0
    header = [
        f"File: {file}  rows: {total}  evaluated: {len(items)}  skipped: {len(skipped)}",
        *(f"  skipped {n}: {why}" for why, n in reasons.most_common(6)),
        used.describe(),
        f"Engine: {mode}  rules_version: {version}  "
        f"time: {elapsed:.2f}s ({rate:.0f} postings/s)",
    ]
    # Wide enough for the rule tables when written to a file.
    out = Console() if sys.stdout.isatty() else Console(width=150)
    render(out, report, show, header, holds)
