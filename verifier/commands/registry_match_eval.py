"""`verifier registry match-eval CSV`: labelled name-matching evaluation on real names."""

from __future__ import annotations

from pathlib import Path

import click

from verifier.registry.match import MATCH_THRESHOLD
from verifier.registry.match_eval import evaluate, read_names


@click.group("registry")
def command() -> None:
    """Enterprise registry."""


@command.command("match-eval")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", default="企业名称", show_default=True)
@click.option("--sample", type=int, default=2000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--show", type=int, default=10, show_default=True, help="misses to print")
def match_eval(csv_path: Path, column: str, sample: int, seed: int, show: int) -> None:
    """Recall on same-company variants and false-match rate on different companies."""
    names = read_names(csv_path, column)
    res = evaluate(names, sample, seed)
    click.echo(f"registry: {len(names)} names; sample {sample}; threshold {MATCH_THRESHOLD}")
    for kind in sorted(res.same):
        n, hit = res.same[kind], res.same_hit[kind]
        click.echo(f"  same/{kind:<15} {hit:>5}/{n:<5} {hit / n:7.2%}")
    for kind in sorted(res.diff):
        n, bad = res.diff[kind], res.diff_false[kind]
        click.echo(f"  diff/{kind:<15} {bad:>5}/{n:<5} false {bad / n:7.2%}")
    click.echo(f"recall (same company): {res.recall:.2%}  (target >= 99%)")
    click.echo(f"false-match rate (different company): {res.false_rate:.2%}  (target <= 0.5%)")
    for kind, query, got in res.misses[:show]:
        click.echo(f"  miss {kind}: {query} -> {got or '-'}")
    for kind, query, got, score in res.false[:show]:
        click.echo(f"  false {kind}: {query} -> {got} ({score})")
