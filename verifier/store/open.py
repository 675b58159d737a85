"""Opening the configured database the way each entry point needs it.

- `open_for_service(url)`: the service (and `db upgrade`): an empty database is migrated,
  one at an older revision refused (`SchemaOutOfDate`).
- `open_existing(url)`: every other command (keys, audit, check --record): the database must
  exist and be at the code's revision; a missing SQLite file is never created, so a command
  run with another DATABASE_URL (or none) than the service's says so instead of silently
  working on a new, empty database.
Failures come out as `OperatorError` (what is wrong, what to do).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.failures import OperatorError, database_errors, safe_url, sqlite_path
from verifier.store import migrate
from verifier.store.db import create_engine, normalize_url

log = logging.getLogger(__name__)


class SchemaOutOfDate(OperatorError):
    """The database is at another schema revision than the code's."""

    def __init__(self, current: str, head: str) -> None:
        super().__init__(f"the database is at schema revision {current}, this version needs "
                         f"{head}", "back it up, then run `verifier db upgrade`")


class NotMigrated(OperatorError):
    """The database exists but holds no schema (never migrated)."""


async def _engine(url: str) -> AsyncEngine:
    with database_errors(url):
        return create_engine(url)


async def prepare_for_service(engine: AsyncEngine, url: str) -> None:
    """Migrate an empty database; refuse one at another revision."""
    with database_errors(url):
        current = await migrate.current_revision(engine)
        if current is None:
            log.info("empty database: migrating to %s", migrate.head_revision())
            await migrate.upgrade(engine)
        elif current != migrate.head_revision():
            raise SchemaOutOfDate(current, migrate.head_revision())


async def check_existing(engine: AsyncEngine, url: str) -> None:
    """Refuse a database that was never migrated or is at another revision."""
    with database_errors(url):
        current = await migrate.current_revision(engine)
    if current is None:
        raise NotMigrated(f"the database {safe_url(url)} has no schema (never migrated)",
                          "run `verifier db upgrade` (or start the service once), or set "
                          "DATABASE_URL to the service's database")
    if current != migrate.head_revision():
        raise SchemaOutOfDate(current, migrate.head_revision())


@asynccontextmanager
async def open_for_service(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database made ready for the service; disposed on exit."""
    engine = await _engine(url)
    try:
        await prepare_for_service(engine, url)
        yield engine
    finally:
        await engine.dispose()


def require_sqlite_file(url: str) -> None:
    """For SQLite: the file must already exist (commands never create one)."""
    path = sqlite_path(normalize_url(url))
    if path is not None and not path.is_file():
        raise OperatorError(f"no database at {path} (DATABASE_URL={safe_url(url)})",
                            "set DATABASE_URL to the service's database; to create a new "
                            "one, run `verifier db upgrade` or start the service once")


@asynccontextmanager
async def open_existing(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an existing database at the code's revision; disposed on exit."""
    await asyncio.to_thread(require_sqlite_file, url)
    engine = await _engine(url)
    try:
        await check_existing(engine, url)
        yield engine
    finally:
        await engine.dispose()
