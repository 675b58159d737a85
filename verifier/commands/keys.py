"""`verifier keys create | list | revoke | rotate`: API keys for portals, reviewers, auditors
and admins. Keys are printed once and stored only as hashes; names are unique per role among
live keys; revocation and rotation reach every running instance within seconds."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import orjson

from verifier.commands import service_database
from verifier.failures import OperatorError

ROLES = ["portal", "reviewer", "auditor", "admin"]
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """`90d`, `12h`, `30m`, `2w`, `45s` → timedelta (click.BadParameter otherwise)."""
    m = _DURATION.match(text.strip().lower())
    if not m:
        raise click.BadParameter(f"{text!r}: give a number and a unit, e.g. 90d, 12h, 30m")
    return timedelta(seconds=int(m.group(1)) * _UNIT[m.group(2)])


def _expiry(expires_in: str | None) -> datetime | None:
    return datetime.now(UTC) + parse_duration(expires_in) if expires_in else None


def _not_found(exc: Exception) -> OperatorError:
    return OperatorError(str(exc), "see `verifier keys list` for ids and prefixes")


@click.group("keys")
def command() -> None:
    """API keys: create, list, revoke, rotate."""


db_option = click.option("--database-url", default=None,
                         help="The service's database (default: DATABASE_URL).")


@command.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True,
              help="Who holds it (portal keys: the portal's name); unique per role.")
@click.option("--expires-in", default=None, help="Lifetime, e.g. 90d or 12h (default: none).")
@db_option
def create(role: str, name: str, expires_in: str | None, database_url: str | None) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from verifier.models import Role
    from verifier.store.keys import KeyNameTaken, clean_name, create_key

    try:
        name = clean_name(name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--name") from exc
    expires = _expiry(expires_in)

    async def go() -> str:
        async with service_database(database_url) as (engine, _redis):
            return await create_key(engine, name, Role(role), expires_at=expires)

    try:
        key = asyncio.run(go())
    except KeyNameTaken as exc:
        raise OperatorError(f"{exc}", f"pick another name, or replace that key with "
                            f"`verifier keys rotate ID` (ids: `verifier keys list --role "
                            f"{role}`)") from exc
    click.echo(key)


@command.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--all", "show_all", is_flag=True, help="Also revoked keys.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per key.")
@db_option
def list_(role: str | None, show_all: bool, as_json: bool, database_url: str | None) -> None:
    """Every key: id, role, name, prefix, status, created, expires, last used."""
    from verifier.store.key_admin import list_keys

    async def go() -> list[Any]:
        async with service_database(database_url) as (engine, _redis):
            return await list_keys(engine, role=role, include_revoked=show_all)

    infos = asyncio.run(go())
    if as_json:
        for info in infos:
            click.echo(orjson.dumps(info.as_dict()).decode())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(infos)} key(s)")
    for col in ("id", "role", "name", "prefix", "status", "created", "expires", "last used"):
        table.add_column(col)

    def day(t: datetime | None) -> str:
        return t.strftime("%Y-%m-%d %H:%M") if t else "-"

    for i in infos:
        table.add_row(str(i.id), i.role, i.name, i.prefix + "…", i.status(), day(i.created_at),
                      day(i.expires_at), day(i.last_used_at))
    Console().print(table)


@command.command("revoke")
@click.argument("key")
@db_option
def revoke(key: str, database_url: str | None) -> None:
    """Revoke KEY (its id, a unique prefix, or the key itself) on every instance."""
    from verifier.store.key_admin import KeyNotFound
    from verifier.store.key_admin import revoke as do_revoke

    async def go() -> Any:
        async with service_database(database_url) as (engine, redis):
            return await do_revoke(engine, key, redis)

    try:
        info = asyncio.run(go())
    except KeyNotFound as exc:
        raise _not_found(exc) from exc
    click.echo(f"revoked key #{info.id} ({info.role} {info.name}); running instances stop "
               "accepting it within seconds")


@command.command("rotate")
@click.argument("key")
@click.option("--grace", default="0s", show_default=True,
              help="How long the old key keeps working, e.g. 1h (0s: revoked at once).")
@click.option("--expires-in", default=None, help="Lifetime of the new key (default: none).")
@db_option
def rotate(key: str, grace: str, expires_in: str | None, database_url: str | None) -> None:
    """Replace KEY with a new key of the same role and name; print the new key once."""
    from verifier.store.key_admin import KeyNotFound
    from verifier.store.key_admin import rotate as do_rotate

    grace_td = parse_duration(grace)
    expires = _expiry(expires_in)

    async def go() -> Any:
        async with service_database(database_url) as (engine, redis):
            return await do_rotate(engine, key, grace_td, expires, redis)

    try:
        new, info, old = asyncio.run(go())
    except KeyNotFound as exc:
        raise _not_found(exc) from exc
    until = (f"works until {old.expires_at:%Y-%m-%d %H:%M} UTC" if old.revoked_at is None
             else "is revoked")
    click.echo(f"key #{old.id} replaced by #{info.id} ({info.role} {info.name}); "
               f"the old key {until}", err=True)
    click.echo(new)
