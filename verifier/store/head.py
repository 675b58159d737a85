"""The chain head during a batch: read (and on PostgreSQL locked) once, advanced per row,
saved once.

The head row (`chain_head`, id 1) holds the last sequence number and hash. On PostgreSQL it
is read `FOR UPDATE`, so batches of several processes and hosts take turns and the log stays
one chain; on SQLite the writer's `BEGIN IMMEDIATE` already holds the database's write lock.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Connection

from verifier.store.chain import row_hash


class ChainHead:
    """The head of the hash chain inside one open transaction."""

    __slots__ = ("hash", "seq")

    def __init__(self, seq: int, hash_: str) -> None:
        self.seq = seq
        self.hash = hash_

    @classmethod
    def read(cls, conn: Connection, raw: sqlite3.Connection | None) -> ChainHead:
        """The current head; on PostgreSQL its row stays locked until commit."""
        if raw is not None:
            row = raw.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        else:  # PostgreSQL (driver SQL: no statement to build per batch)
            row = conn.exec_driver_sql(
                "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE").one()
        return cls(int(row[0]), str(row[1]))

    def link(self, payload: str | bytes) -> tuple[int, str, str]:
        """Append one row: its (seq, prev_hash, hash), the head moved onto it."""
        self.seq += 1
        prev = self.hash
        self.hash = row_hash(prev, self.seq, payload)
        return self.seq, prev, self.hash

    def save(self, conn: Connection, raw: sqlite3.Connection | None) -> None:
        """Write the head back (in the same transaction as the rows)."""
        if raw is not None:
            raw.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1",
                        (self.seq, self.hash))
        else:
            conn.exec_driver_sql("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1",
                                 (self.seq, self.hash))
