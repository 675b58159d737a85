"""`verifier registry generate N -o FILE.jsonl`: a synthetic registry with valid codes."""

from __future__ import annotations

from pathlib import Path

import click

from verifier.registry.generate import write_jsonl


@click.group("registry")
def command() -> None:
    """Enterprise registry."""


@command.command("generate")
@click.argument("n", type=click.IntRange(min=0))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
def generate(n: int, output: Path, seed: int) -> None:
    """Write N synthetic records (realistic names, valid USCCs) as JSON lines."""
    count = write_jsonl(n, output, seed)
    click.echo(f"wrote {count} records to {output}")
