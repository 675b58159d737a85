"""`verifier salary coverage FILE | parse TEXT`: parser coverage over real strings, one parse."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.table import Table

from verifier.text.salary import parse
from verifier.text.salary_coverage import BUCKETS, coverage_of


@click.group("salary")
def command() -> None:
    """Salary notation parser tools."""


@command.command("coverage")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", default="salary_text", show_default=True, help="CSV column to read.")
@click.option("--show", type=click.IntRange(min=0), default=50, show_default=True,
              help="How many unread strings to list.")
def coverage(file: Path, column: str, show: int) -> None:
    """Report how many strings of FILE parse to a sane value, 面议, empty, or stay unread."""
    try:
        cov = coverage_of(file.read_text(encoding="utf-8"), column)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    console = Console()
    table = Table(title=f"salary parse coverage: {file.name} ({cov.total} rows)")
    for col in ("bucket", "rows", "share", "occurrences (count column)"):
        table.add_column(col, justify="left" if col == "bucket" else "right")
    total_w = sum(cov.weighted.values()) or 1
    for name in BUCKETS:
        table.add_row(name, str(cov.distinct[name]), f"{cov.share(name):.2%}",
                      f"{cov.weighted[name]} ({cov.weighted[name] / total_w:.2%})")
    console.print(table)
    read = cov.distinct["sane"] + cov.distinct["negotiable"] + cov.distinct["empty"]
    console.print(f"read (sane + negotiable + empty): {read}/{cov.total} "
                  f"= {read / cov.total if cov.total else 0:.2%}")
    for raw, why in cov.unread[:show]:
        console.print(f"  unread: {raw!r} ({why})")
    if cov.distinct["unread"]:
        sys.exit(1)


@command.command("parse")
@click.argument("text")
def parse_one(text: str) -> None:
    """Parse one salary string and print the result as JSON."""
    p = parse(text)
    out = {**p.evidence(), "start": p.start, "end": p.end}
    click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
