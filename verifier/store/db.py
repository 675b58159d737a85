"""Database engine: SQLite (aiosqlite, WAL) by default, PostgreSQL (asyncpg) by URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from verifier.settings import Settings

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA foreign_keys=ON",
)


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` / `sqlite:///` URLs and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def is_sqlite(url: str) -> bool:
    """Whether the URL names an SQLite database."""
    return normalize_url(url).startswith("sqlite")


@dataclass(frozen=True)
class Timeouts:
    """Time limits of every database statement (seconds)."""

    statement_s: float = 10.0
    connect_s: float = 5.0
    sqlite_busy_s: float = 30.0


def db_timeouts(settings: Settings) -> Timeouts:
    """The time limits the settings give."""
    return Timeouts(settings.db_statement_timeout_s, settings.db_connect_timeout_s,
                    settings.sqlite_busy_timeout_s)


def create_engine(url: str, *, timeouts: Timeouts | None = None, **kwargs: Any) -> AsyncEngine:
    """An async engine; for SQLite: WAL, full sync, busy timeout, BEGIN IMMEDIATE writes;
    for PostgreSQL with `timeouts` (the service's engine): a statement timeout on the server
    and in the driver, a connect and a pool-wait timeout (command-line tools, which may run
    long imports and migrations, pass none)."""
    url = normalize_url(url)
    t = timeouts or Timeouts()
    if url.startswith("sqlite"):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": t.sqlite_busy_s}, **kwargs)
        _sqlite_setup(engine)
        if timeouts is not None:
            _busy_timeout(engine, t.sqlite_busy_s)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    if timeouts is None:
        return create_async_engine(url, **kwargs)
    kwargs.setdefault("pool_timeout", t.connect_s)
    kwargs.setdefault("connect_args", {
        "timeout": t.connect_s,
        "command_timeout": t.statement_s,
        "server_settings": {"statement_timeout": str(int(t.statement_s * 1000))},
    })
    return create_async_engine(url, **kwargs)


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, issue BEGIN, so we can make it IMMEDIATE: a write
    # transaction then takes the database lock at its start, which serializes writers
    # across processes and makes "read chain head, append" safe.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    for pragma in _PRAGMAS:
        cur.execute(pragma)
    cur.close()


def _sqlite_setup(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine, "connect", _on_connect)

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _busy_timeout(engine: AsyncEngine, seconds: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _busy(dbapi_conn: Any, _record: Any) -> None:  # after _on_connect's default
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
        cur.close()


def create_sync_engine(url: Any, *, immediate: bool = True) -> Engine:
    """A synchronous SQLite engine on the same file, with the same pragmas.

    `immediate`: transactions start with BEGIN IMMEDIATE (the decision writer); without it
    (lookups) every statement reads its own WAL snapshot and never waits for writers.
    """
    sync_url = make_url(url).set(drivername="sqlite")
    engine = sa_create_engine(sync_url, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _on_connect)

    if immediate:

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
