"""What a failed decision batch means: the database unavailable, or one row it refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Literal

from sqlalchemy.exc import DBAPIError

from verifier.store.sqlite_log import LockTimeout


class StoreUnavailable(Exception):
    """The decision log could not be written; nothing was committed for this request."""


class UnstorableDecision(StoreUnavailable):
    """The database refused this decision's own rows (a value it cannot store); the other
    decisions of its batch were written without it."""


_DOWN_SQLSTATES = ("08", "40", "53", "57", "58")
"""Connection, transaction rollback (serialization, deadlock), resources, operator
intervention (shutdown), system errors: the database, not one row."""
_ROW_SQLSTATES = ("22", "23")
"""Data exceptions (a NUL character, a value out of range) and integrity violations."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        orig = getattr(e, "orig", None)
        todo.extend([e.__cause__, e.__context__,
                     orig if isinstance(orig, BaseException) else None])


def kind(exc: BaseException) -> Literal["down", "row", "other"]:
    """Whether a batch failed because of the database (`down`: retrying parts of it cannot
    help), because of a row the database refused (`row`), or for a reason not known."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "down"
    row = False
    for e in _chain(exc):
        if isinstance(e, LockTimeout | ConnectionError | TimeoutError | sqlite3.OperationalError):
            return "down"
        state = getattr(e, "sqlstate", None)
        if isinstance(state, str):
            if state.startswith(_DOWN_SQLSTATES):
                return "down"
            row = row or state.startswith(_ROW_SQLSTATES)
        row = row or isinstance(e, UnicodeError | ValueError | TypeError | sqlite3.IntegrityError
                                | sqlite3.DataError | sqlite3.ProgrammingError)
    if row:
        return "row"
    if any(isinstance(e, OSError) for e in _chain(exc)):
        return "down"
    return "other"
