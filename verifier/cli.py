"""The `verifier` command: serve, check, rules, keys, db, audit (+ modules in verifier/commands)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
import sys
from pathlib import Path
from typing import Any

import click

from verifier.failures import OperatorError, explain_rules, explain_settings
from verifier.settings import Settings


def settings_from(**overrides: Any) -> Settings:
    """Settings from the environment, with command-line options (those given) on top."""
    from verifier.failures import settings_from as validated

    got: Settings = validated(**overrides)
    return got


def run(coro: Any) -> Any:
    """Run a coroutine on a fresh event loop."""
    return asyncio.run(coro)


def report(exc: BaseException, *, debug: bool) -> int:
    """Print `exc` for an operator (two lines, the traceback too with `debug`); exit code."""
    import traceback

    err = exc if isinstance(exc, OperatorError) else explain_unknown(exc)
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    for line in err.lines():
        print(line, file=sys.stderr)
    return err.code


def explain_unknown(exc: BaseException) -> OperatorError:
    """A failure with no known remedy, still in two lines."""
    from pydantic import ValidationError

    from verifier.pack import RulePackError

    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return explain_settings(exc)
    if isinstance(exc, RulePackError):
        return explain_rules(exc, Path(exc.issues[0].file if exc.issues else "?"))
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return OperatorError(f"unexpected {type(exc).__name__}: {first}",
                         "run again as `verifier --debug ...` for the traceback, and report it")


class _Main(click.Group):
    """The command group: everyday failures are two lines and a non-zero exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an `OperatorError` (or a known failure) is printed, not raised."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            sys.exit(report(exc, debug=bool(ctx.params.get("debug"))))


@click.group(cls=_Main)
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING ...")
@click.option("--debug", is_flag=True, envvar="VERIFIER_DEBUG",
              help="On failure, show the traceback too.")
def main(log_level: str | None, debug: bool) -> None:
    """Posting Verifier: approve, flag or reject job postings, with evidence."""
    level = (log_level or settings_from().log_level).upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


# -- serve ------------------------------------------------------------------------------
@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--workers", type=click.IntRange(1, 64), default=None)
@click.option("--database-url", default=None)
@click.option("--rules-dir", type=click.Path(path_type=Path), default=None)
@click.option("--demo", is_flag=True, default=None, help="Load demo API keys and demo registry.")
def serve(**opts: Any) -> None:
    """Run the HTTP service (N worker processes sharing one port)."""
    from verifier.server import serve as _serve

    _serve(settings_from(**opts))


# -- check ------------------------------------------------------------------------------
@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write decisions as JSONL (default: FILE.decisions.jsonl).")
@click.option("--portal", default="offline", show_default=True, help="Portal name to decide as.")
@click.option("--record", is_flag=True, help="Also write the decisions to the decision log.")
@click.option("--rules-dir", type=click.Path(path_type=Path), default=None)
@click.option("--database-url", default=None)
def check(file: Path, output: Path | None, portal: str, record: bool, **opts: Any) -> None:
    """Push a JSONL file of postings through the pipeline offline."""
    from verifier.offline_check import check_file

    out = output or file.with_suffix(".decisions.jsonl")
    code = run(check_file(settings_from(**opts), file, out, portal, record))
    sys.exit(code)


# -- rules ------------------------------------------------------------------------------
@main.group()
def rules() -> None:
    """Rule packs."""


@rules.command("check")
@click.argument("directory", type=click.Path(path_type=Path), required=False)
def rules_check(directory: Path | None) -> None:
    """Lint a rule pack: every problem with file and line; exit 1 if any."""
    from verifier.pack import RuleIssue, RulePackError
    from verifier.pipeline.catalog import Catalog
    from verifier.registry import reference
    from verifier.review.config import ReviewConfig

    root = directory or Settings().rules_dir
    reference.use_rules_dir(root)  # checks normalize names with the pack's tables
    issues: list[RuleIssue] = []
    for load in (Catalog.load, ReviewConfig.load):
        try:
            loaded = load(root)
        except RulePackError as exc:
            issues += exc.issues
        else:
            if isinstance(loaded, Catalog):
                cat = loaded
    if issues:
        for issue in issues:
            click.echo(f"{root}/{issue}", err=True)
        click.echo(f"{len(issues)} problem(s); pack refused.", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(cat.checks)} checks, {len(cat.rules)} rules, "
               f"rules_version {cat.rules_version}")


# -- db ---------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--database-url", default=None)
def db_upgrade(database_url: str | None) -> None:
    """Migrate the database to the newest schema."""
    from verifier.failures import database_errors
    from verifier.store import migrate
    from verifier.store.db import create_engine

    url = settings_from(database_url=database_url).database_url

    async def go() -> str | None:
        with database_errors(url):
            engine = create_engine(url)
            try:
                await migrate.upgrade(engine)
                return await migrate.current_revision(engine)
            finally:
                await engine.dispose()

    click.echo(f"database at revision {run(go())}")


# -- audit ------------------------------------------------------------------------------
@main.group()
def audit() -> None:
    """Decision log audit."""


@audit.command("verify")
@click.option("--database-url", default=None)
def audit_verify(database_url: str | None) -> None:
    """Recompute the hash chain; name the first bad row; exit 1 if the log was altered."""
    from verifier.commands import service_database
    from verifier.store.chain import verify_chain

    async def go() -> Any:
        async with service_database(database_url) as (engine, _redis):
            return await verify_chain(engine)

    report = run(go())
    if report.ok:
        click.echo(f"ok: {report.rows} decisions, chain head at seq {report.head_seq}")
        return
    click.echo(f"ALTERED: first bad row seq={report.first_bad_seq} "
               f"decision_id={report.first_bad_decision_id}: {report.reason}", err=True)
    sys.exit(1)


@main.command("openapi")
def openapi_cmd() -> None:
    """Print the OpenAPI 3.1 document (the same one `/openapi.json` serves)."""
    import json

    from verifier.api.app import create_app
    from verifier.api.openapi_routes import spec_for

    doc = spec_for(create_app(settings_from()))
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True))


def _load_commands() -> None:
    import verifier.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            existing = main.commands.get(command.name or "")
            if isinstance(existing, click.Group) and isinstance(command, click.Group):
                for sub in command.commands.values():
                    existing.add_command(sub)
            else:
                main.add_command(command)


_load_commands()
