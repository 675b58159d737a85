"""`verifier review …`: the review queue from the command line."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from verifier.failures import settings_from


@click.group("review")
def command() -> None:
    """Review queue."""


@command.command("export-labels")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Only resolutions from this date or time (UTC) on.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSONL (default: standard output).")
@click.option("--database-url", default=None)
@click.option("--rules-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def export_labels_cmd(since: datetime | None, output: Path | None, database_url: str | None,
                      rules_dir: Path | None) -> None:
    """Write posting + final human outcome + reason as JSONL, readable by `verifier eval`."""
    import asyncio

    from verifier.commands import service_database
    from verifier.commands.review_labels import ExportCount, export_labels
    from verifier.pack import RulePackError
    from verifier.review.config import ReviewConfig

    base = settings_from(database_url=database_url)
    try:
        cfg = ReviewConfig.load(rules_dir or base.rules_dir)
    except RulePackError as exc:
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        sys.exit(1)
    when = since.replace(tzinfo=UTC) if since else None

    async def go() -> ExportCount:
        async with service_database(settings=base) as (engine, _redis):
            if output is None:
                return await export_labels(engine, cfg, sys.stdout.buffer, when)
            with output.open("wb") as fh:  # only once the database is there
                return await export_labels(engine, cfg, fh, when)

    count = asyncio.run(go())
    click.echo(f"wrote {count.written} labelled postings; left out {count.no_posting} "
               f"without a stored posting and {count.older} older versions", err=True)
