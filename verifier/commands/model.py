"""`verifier model train`: fit the learned scorer and the weak-signal sum from labels."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import click
import orjson

from verifier.pack import PackReader, RulePackError
from verifier.settings import Settings


@click.group("model")
def command() -> None:
    """The learned scorer (docs/model.md)."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _need_sklearn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(
            "training needs scikit-learn: pip install -e '.[train]'") from exc


@command.command("train")
@click.option("--labels", "labels", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled file: CSV (with --mapping), corpus JSONL, or a reviewer export "
                   "(JSONL of posting + outcome). Repeatable.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Eval mapping TOML for the CSV files (fixtures/mappings/).")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Registry file for the registry cues (as `verifier eval --registry`).")
@click.option("--registry-mapping", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Import mapping for --registry.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Artifact path (default: <rules>/model/scorer.npz).")
@click.option("--signals-weights", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the fitted weak-signal sum here (rules/signals/weights.toml).")
@click.option("--rules", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Rule pack whose cue vocabulary is used (default: the configured one).")
@click.option("--hold-rate", type=click.FloatRange(0.001, 0.5), default=0.02,
              show_default=True, help="Share of real postings the threshold may hold.")
@click.option("--signals-hold-rate", type=click.FloatRange(0.001, 0.5), default=0.01,
              show_default=True, help="Share of real postings the weak-signal sum may hold.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@click.option("--bits", type=click.IntRange(10, 22), default=18, show_default=True,
              help="Hash space of the n-gram features: 2**bits buckets.")
@click.option("-C", "c", type=click.FloatRange(min=1e-4), default=1.0, show_default=True,
              help="Inverse regularization strength of the linear models.")
@click.option("--models", "models", multiple=True,
              type=click.Choice(["logreg_text+cues", "logreg_text", "logreg_cues",
                                 "linear_svm_text+cues", "gboost_cues"]),
              help="Candidates to cross-validate (default: all). Repeatable.")
@click.option("--name", default="", help="Name recorded in the artifact's card.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def train(ctx: click.Context, labels: tuple[Path, ...], mapping: Path | None,
          registry: Path | None, registry_mapping: Path | None, out: Path | None,
          signals_weights: Path | None, rules: Path | None, hold_rate: float,
          signals_hold_rate: float, folds: int,
          bits: int, c: float, models: tuple[str, ...], name: str, as_json: bool) -> None:
    """Train with employer-grouped cross-validation; write the artifact (and weights)."""
    _need_sklearn()
    from verifier.families.model.run import TrainConfig, run_training

    settings = ctx.find_object(Settings) or Settings()
    rules_dir = rules or settings.rules_dir
    cfg = TrainConfig(list(labels), mapping, registry, registry_mapping, hold_rate, folds, bits,
                      c, name or "+".join(p.stem for p in labels), models,
                      signals_hold_rate)
    try:
        scorer, report, signals_text = run_training(
            cfg, settings, PackReader(rules_dir),
            None if as_json else lambda msg: click.echo(f"  .. {msg}", err=True))
    except RulePackError as exc:
        for issue in exc.issues:
            click.echo(f"error {issue}", err=True)
        ctx.exit(2)
        return
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    target = out or Path(rules_dir) / "model" / "scorer.npz"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(scorer.to_bytes())
    if signals_weights is not None:
        signals_weights.write_text(signals_text, encoding="utf-8")
    card: dict[str, Any] = {**report.card(), "artifact": str(target),
                            "artifact_bytes": target.stat().st_size,
                            "artifact_sha256": _sha(target),
                            "top_features": report.top_features, "signals": report.signals}
    if as_json:
        click.echo(orjson.dumps(card, option=orjson.OPT_INDENT_2).decode())
        return
    _print(card, sys.stdout)


def _print(card: dict[str, Any], out: Any) -> None:
    w = out.write
    w(f"examples {card['n']}  positives {card['positives']}  employers {card['employers']}  "
      f"folds {card['folds']}\n")
    w("model                       grouped AUC   AP     random-split AUC\n")
    for name, g in card["grouped_cv"].items():
        r = card["random_cv"].get(name, {})
        w(f"  {name:<26}{g['auc']:>8.3f}{g['ap']:>8.3f}{r.get('auc', float('nan')):>12.3f}\n")
    w(f"kept: {card['chosen']}; threshold holds {card['oof_real_held']:.1%} of real postings "
      f"out of fold (target {card['hold_rate_target']:.1%}), catches "
      f"{card['oof_fake_recall']:.1%} of fakes\n")
    s = card["signals"]
    if s:
        w(f"signals sum: grouped AUC {s['auc']:.3f}  AP {s['ap']:.3f}  holds "
          f"{s['real_held']:.1%} real, {s['fake_recall']:.1%} fakes\n")
    w("top features (weight):\n")
    for feat, weight in card["top_features"][:20]:
        w(f"  {weight:+.3f}  {feat}\n")
    w(f"artifact {card['artifact']} ({card['artifact_bytes']} bytes, sha256 "
      f"{card['artifact_sha256']})\n")


