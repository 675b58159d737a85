"""The writer's SQLite fast path stores exactly what SQLAlchemy's INSERT stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    text,
)

from verifier.store.db import create_sync_engine
from verifier.store.sql import insert_rows

md = MetaData()
scratch = Table(
    "scratch", md,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True)),
    Column("score", Float),
    Column("name", String(20)),
    Column("blob", LargeBinary),
)


def test_fast_path_matches_sqlalchemy(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    engine = create_sync_engine(make_url(f"sqlite+aiosqlite:///{tmp_path}/x.db"))
    rows = [
        {"id": 1, "at": datetime(2022, 6, 1, 12, 0, 0, 123456, tzinfo=UTC), "score": 12.5,
         "name": "甲乙", "blob": b"\x00\x01"},
        {"id": 2, "at": datetime(2022, 6, 1, 20, 0, tzinfo=timezone(timedelta(hours=8))),
         "score": None, "name": None, "blob": None},
    ]
    try:
        with engine.begin() as conn:
            md.create_all(conn)
            insert_rows(conn, scratch, rows)
        fast = _raw(engine)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM scratch"))
            conn.execute(insert(scratch), rows)
        assert _raw(engine) == fast
        assert fast[0][1] == "2022-06-01 12:00:00.123456"
    finally:
        engine.dispose()


def _raw(engine: object) -> list[tuple[object, ...]]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return [tuple(r) for r in conn.execute(text("SELECT * FROM scratch ORDER BY id"))]
