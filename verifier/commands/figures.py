"""`verifier figures`: regenerate the figures docs quote (corpus, README example, ORFD)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from verifier.eval.figures import (
    apply_example,
    corpus_block,
    evaluate,
    example_response,
    orfd_block,
    readme_example,
    splice,
)
from verifier.eval.labels import load_corpus
from verifier.eval.mapping import load_mapping, read_csv
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


async def regenerate(root: Path, orfd: Path | None) -> dict[Path, tuple[str, str]]:
    """Old and new text of every file whose figures the command writes."""
    settings = Settings(rules_dir=root / "rules", fact_timeout_s=60.0)
    corpus = root / "fixtures" / "corpus"
    run = await evaluate(settings, load_corpus(corpus / "postings.jsonl"),
                         corpus / "registry.jsonl")
    doc = root / "docs" / "evaluation.md"
    old_doc = doc.read_text(encoding="utf-8")
    new_doc = splice(old_doc, "corpus", corpus_block(run))
    if orfd is not None:
        maps = root / "fixtures" / "mappings"
        items = read_csv(orfd, load_mapping(maps / "orfd.toml")).items
        orfd_run = await evaluate(settings, items, orfd, maps / "orfd_companies.toml")
        new_doc = splice(new_doc, "orfd", orfd_block(orfd_run, orfd.name))
    readme = root / "README.md"
    old_readme = readme.read_text(encoding="utf-8")
    body = readme_example(old_readme)
    new_readme = old_readme if body is None else apply_example(
        old_readme, await example_response(settings, body))
    return {doc: (old_doc, new_doc), readme: (old_readme, new_readme)}


@click.command("figures")
@click.option("--check", is_flag=True, help="Exit 1 if a file would change (CI, tests).")
@click.option("--orfd", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ORFD CSV (not in the repository) for the labelled real-posting figures.")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=ROOT, show_default=True, help="Repository root.")
def command(check: bool, orfd: Path | None, root: Path) -> None:
    """Regenerate the corpus figures of docs/evaluation.md and the README example response."""
    changes = asyncio.run(regenerate(root, orfd))
    drift = [p for p, (old, new) in changes.items() if old != new]
    if check:
        for p in drift:
            click.echo(f"{p}: figures drifted; run `verifier figures`", err=True)
        raise SystemExit(1 if drift else 0)
    for p in drift:
        p.write_text(changes[p][1], encoding="utf-8")
        click.echo(f"updated {p}")
