"""Migration 0007 on a database holding review items (SQLite, then PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from verifier.store import migrate
from verifier.store.db import create_engine


async def test_0007_keeps_items_and_goes_back(db_url: str) -> None:
    eng = create_engine(db_url)
    try:
        await migrate.upgrade(eng, "0006")
        async with eng.begin() as conn:
            await conn.execute(text(
                "INSERT INTO review_items (decision_id, decision_seq, portal, posting_id, status,"
                " created_at) VALUES ('d-1', 1, 'p', 'x', 'pending', :at)"),
                {"at": datetime(2026, 1, 1, tzinfo=UTC)})
        await migrate.upgrade(eng)
        async with eng.begin() as conn:
            row = (await conn.execute(text(
                "SELECT kind, priority, rule_ids, version, status FROM review_items"))).one()
            assert tuple(row) == ("flag", 0.0, "", 1, "pending")
            await conn.execute(text(
                "INSERT INTO review_events (item_id, kind, actor, at) VALUES ('d-1', 'note', "
                "'张三', :at)"), {"at": datetime(2026, 1, 2, tzinfo=UTC)})
        async with eng.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(migrate._config(c), "0006"))
        async with eng.connect() as conn:
            has_events = await conn.run_sync(lambda c: c.dialect.has_table(c, "review_events"))
            assert not has_events
            n = (await conn.execute(text("SELECT count(*) FROM review_items"))).scalar_one()
            assert n == 1
    finally:
        await eng.dispose()
