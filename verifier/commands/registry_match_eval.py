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
        n, hit, ab = res.same[kind], res.same_hit[kind], res.same_abstain[kind]
        click.echo(f"  same/{kind:<15} {hit:>5}/{n - ab:<5} {hit / max(1, n - ab):7.2%}"
                   f"   abstained {ab}/{n}")
    for kind in sorted(res.diff):
        n, bad, ab = res.diff[kind], res.diff_false[kind], res.diff_abstain[kind]
        click.echo(f"  diff/{kind:<15} {bad:>5}/{n:<5} false {bad / n:7.2%}   abstained {ab}/{n}")
    click.echo(f"recall (same company, answered): {res.recall:.2%}  (target >= 99%)")
    click.echo(f"recall (same company, abstentions as misses): {res.recall_all:.2%}")
    click.echo(f"abstention rate: same company {res.same_abstain_rate:.2%}, "
               f"different company {res.diff_abstain_rate:.2%}")
    click.echo(f"false-match rate (different company): {res.false_rate:.2%}  (target <= 0.5%)")
    for kind, query, got in res.misses[:show]:
        click.echo(f"  miss {kind}: {query} -> {got or '-'}")
    for kind, query, got, score in res.false[:show]:
        click.echo(f"  false {kind}: {query} -> {got} ({score})")
