"""Driver-level SQL for the decision writer's transaction and the side writes inside it.

The batch runs on a plain `sqlite3` connection (SQLite) or on asyncpg under `run_sync`
(PostgreSQL). Building and compiling SQLAlchemy statements per batch cost more than running
them, so hot statements are plain SQL with the columns' own bind processors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Dialect,
    Float,
    Integer,
    String,
    Table,
    Text,
    insert,
)


def sqlite3_of(conn: Connection) -> sqlite3.Connection | None:
    """The plain `sqlite3` connection under `conn`, or None (another database, or aiosqlite
    under an async engine's `run_sync`, whose cursor calls are coroutines)."""
    raw = conn.connection.driver_connection
    return raw if isinstance(raw, sqlite3.Connection) else None


@cache
def _sqlite_insert(table: Table, cols: tuple[str, ...], dialect: Dialect
                   ) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    """The INSERT statement, and the position and bind processor of each column that has
    one (a datetime's text form, a float's coercion)."""
    sql = _insert_sql(table, cols, ["?"] * len(cols))
    procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    return sql, [(i, f) for i, f in enumerate(procs) if f is not None]


_PLAIN_TYPES = (BigInteger, Integer, String, Text, Float, DateTime)


@cache
def _pg_insert(table: Table, cols: tuple[str, ...]) -> str | None:
    """A driver-level INSERT for PostgreSQL when every column is of a plain type (whose
    Python values asyncpg encodes as they are), else None."""
    if not all(isinstance(table.c[c].type, _PLAIN_TYPES) for c in cols):
        return None
    return _insert_sql(table, cols, [f"${i}" for i in range(1, len(cols) + 1)])


def _insert_sql(table: Table, cols: tuple[str, ...], marks: list[str]) -> str:
    return f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join(marks)})"


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows. On SQLite straight through the DB-API cursor with the columns' own
    bind processors (the same stored values as `conn.execute(insert(table), rows)`, without
    SQLAlchemy's per-row parameter processing)."""
    cols = tuple(rows[0])
    raw = sqlite3_of(conn)
    if raw is None:
        sql_pg = _pg_insert(table, cols) if conn.dialect.name == "postgresql" else None
        if sql_pg is None:  # aiosqlite under run_sync, or a column type asyncpg needs help with
            conn.execute(insert(table), rows)
        else:  # driver SQL, the values as they are (asyncpg encodes them by column type)
            conn.exec_driver_sql(sql_pg, [tuple(r[c] for c in cols) for r in rows])
        return
    sql, procs = _sqlite_insert(table, cols, conn.dialect)
    params: list[Any] = [[r[c] for c in cols] for r in rows]
    for i, f in procs:
        for p in params:
            p[i] = f(p[i])
    cur = raw.cursor()
    try:
        cur.executemany(sql, params)
    finally:
        cur.close()

