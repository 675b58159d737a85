"""Idempotency and versions: which decisions of a batch the log already holds, and the
version of each new one.

A decision is "the same" as a logged one when portal, posting id and content hash agree (a
retry): the logged decision is the answer and nothing is written. Otherwise it is the next
version of its (portal, posting_id).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection

from verifier.models import Decision

Key = tuple[str, str, str]
"""(portal, posting_id, content_hash)"""


class Latest(NamedTuple):
    """The newest decision of one posting: what a new version supersedes."""

    version: int
    seq: int
    decision_id: str


Row = tuple[str, str, str, int, int, str]
"""(portal, posting_id, content_hash, version, seq, decision_id) of one logged decision."""

_COLUMNS = "portal, posting_id, content_hash, version, seq, decision_id"


def logged(conn: Connection, raw: sqlite3.Connection | None, pairs: set[tuple[str, str]]
           ) -> list[Row]:
    """Every logged decision for these (portal, posting_id) pairs.

    Two plain IN lists (not a row-value IN) so that SQLite, like PostgreSQL, searches the
    (portal, posting_id) index instead of scanning the log; exact pairs are filtered here.
    Plain SQL (on SQLite through the DB-API connection): building and compiling a
    SQLAlchemy select per batch cost more than running it."""
    portals = sorted({p for p, _ in pairs})
    ids = sorted({i for _, i in pairs})
    rows: list[Any]
    if raw is not None:
        sql = (f"SELECT {_COLUMNS} FROM decisions "
               f"WHERE portal IN ({','.join('?' * len(portals))}) "
               f"AND posting_id IN ({','.join('?' * len(ids))})")
        rows = raw.execute(sql, (*portals, *ids)).fetchall()
    else:  # PostgreSQL
        rows = list(conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM decisions "
            "WHERE portal = ANY($1) AND posting_id = ANY($2)", (portals, ids)).all())
    return [(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), str(r[5]))
            for r in rows if (r[0], r[1]) in pairs]


class Versions:
    """What the log holds for one batch's postings; assigns the versions of new decisions."""

    __slots__ = ("known", "latest")

    def __init__(self, rows: Iterable[Row]) -> None:
        self.known: dict[Key, int] = {}
        """Sequence number of each logged (portal, posting_id, content_hash)."""
        self.latest: dict[tuple[str, str], Latest] = {}
        """Newest decision of each (portal, posting_id), including this batch's."""
        for portal, posting_id, chash, version, seq, decision_id in rows:
            self.known[(portal, posting_id, chash)] = seq
            pair = (portal, posting_id)
            newest = self.latest.get(pair)
            # The newest version's first row: the decision itself, not a later entry of the
            # same version (a reviewer's resolution is logged as one).
            if newest is None or (version, -seq) > (newest.version, -newest.seq):
                self.latest[pair] = Latest(version, seq, decision_id)

    @classmethod
    def load(cls, conn: Connection, raw: sqlite3.Connection | None,
             batch: Iterable[Decision]) -> Versions:
        """Look up the log for the postings of `batch`."""
        return cls(logged(conn, raw, {(d.portal, d.posting_id) for d in batch}))

    def previous(self, decision: Decision) -> Latest | None:
        """The newest decision of this posting so far (what a new version supersedes)."""
        return self.latest.get((decision.portal, decision.posting_id))

    def record(self, decision: Decision, seq: int) -> None:
        """`decision` (its version assigned) is now the newest of its posting."""
        self.latest[(decision.portal, decision.posting_id)] = Latest(
            decision.version, seq, decision.decision_id)
