"""`verifier portals webhook set|show|disable`: each portal's webhook endpoint and secret."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from verifier.commands import service_database
from verifier.review.webhooks import endpoints

_DB = click.option("--database-url", default=None, help="Database (default: configured one).")


def _run(database_url: str | None, fn: Any) -> Any:
    async def go() -> Any:
        async with service_database(database_url) as (engine, _redis):
            return await fn(engine)

    return asyncio.run(go())


@click.group("portals")
def command() -> None:
    """Portals: where their outcomes are sent."""


@command.group("webhook")
def webhook() -> None:
    """A portal's signed webhook endpoint."""


@webhook.command("set")
@click.argument("portal")
@click.argument("url")
@click.option("--rotate-secret", is_flag=True, help="Make a new signing secret (shown once).")
@_DB
def set_cmd(portal: str, url: str, rotate_secret: bool, database_url: str | None) -> None:
    """Send PORTAL's events to URL (enables it); a first endpoint gets a secret, shown once."""
    try:
        ep, secret = _run(database_url, lambda e: endpoints.set_endpoint(
            e, portal, url, rotate=rotate_secret))
    except endpoints.EndpointError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{ep.portal}: {ep.url} (enabled)")
    if secret:
        click.echo("signing secret (shown only now; store it with the receiver):")
        click.echo(secret)
    else:
        click.echo(f"signing secret unchanged ({ep.secret_hint}); --rotate-secret makes a new one")


@webhook.command("show")
@click.argument("portal")
@_DB
def show_cmd(portal: str, database_url: str | None) -> None:
    """Show PORTAL's endpoint (never the secret)."""
    ep = _run(database_url, lambda e: endpoints.get(e, portal))
    if ep is None:
        raise click.ClickException(f"portal {portal!r} has no webhook endpoint")
    state = "enabled" if ep.enabled else "disabled"
    click.echo(f"portal:  {ep.portal}\nurl:     {ep.url}\nstate:   {state}\n"
               f"secret:  {ep.secret_hint}\nupdated: {ep.updated_at.isoformat()}")


@webhook.command("disable")
@click.argument("portal")
@_DB
def disable_cmd(portal: str, database_url: str | None) -> None:
    """Stop queuing events for PORTAL (`set` enables it again, same secret)."""
    if not _run(database_url, lambda e: endpoints.disable(e, portal)):
        raise click.ClickException(f"portal {portal!r} has no webhook endpoint")
    click.echo(f"{portal}: webhook disabled")
