"""Migration 0004 on a database holding fingerprints, and 0012's index up and down (SQLite,
then PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import inspect, text

from verifier.families.duplicate.fingerprint import BANDS
from verifier.store import migrate
from verifier.store.db import create_engine

ROW = ("INSERT INTO fingerprints (portal, posting_id, ref, employer_key, title_key, signature, "
       "size, updated_at) VALUES (:portal, :pid, 'fp-x', 'e', 't', :sig, 3, :at)")


async def test_0004_keeps_fingerprints_and_ids_never_come_back(db_url: str) -> None:
    eng = create_engine(db_url)
    try:
        await migrate.upgrade(eng, "0003")
        at = datetime(2026, 1, 1, tzinfo=UTC)
        async with eng.begin() as conn:
            for pid in ("a-1", "a-2"):
                await conn.execute(text(ROW), {"portal": "p", "pid": pid,
                                               "sig": bytes(range(256)), "at": at})
            await conn.execute(text("INSERT INTO fingerprint_bands VALUES (1, 2)"))
        await migrate.upgrade(eng)
        async with eng.begin() as conn:
            got = (await conn.execute(text(
                "SELECT id, posting_id FROM fingerprints ORDER BY id"))).all()
            assert [tuple(r) for r in got] == [(1, "a-1"), (2, "a-2")]
            has_bands = await conn.run_sync(
                lambda c: c.dialect.has_table(c, "fingerprint_bands"))
            assert not has_bands
            # The highest row replaced: its new id is new, so every tailing process sees it.
            await conn.execute(text("DELETE FROM fingerprints WHERE id = 2"))
            await conn.execute(text(ROW), {"portal": "p", "pid": "a-2",
                                           "sig": bytes(range(256)), "at": at})
            new_id = (await conn.execute(text(
                "SELECT id FROM fingerprints WHERE posting_id = 'a-2'"))).scalar_one()
            assert new_id == 3
        # Down again: the band rows are rebuilt from the signatures.
        async with eng.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(migrate._config(c), "0003"))
        async with eng.connect() as conn:
            n = (await conn.execute(text("SELECT count(*) FROM fingerprint_bands"))).scalar_one()
            assert n == 2 * BANDS
    finally:
        await eng.dispose()


async def test_0012_indexes_the_spot_checks_the_sweeper_raises_and_goes_back(
        db_url: str) -> None:
    def indexes(c: Any) -> set[str]:
        return {i["name"] for i in inspect(c).get_indexes("review_items") if i["name"]}

    eng = create_engine(db_url)
    try:
        await migrate.upgrade(eng)
        async with eng.connect() as conn:
            assert "ix_review_items_sample_due" in await conn.run_sync(indexes)
        async with eng.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(migrate._config(c), "0011"))
        async with eng.connect() as conn:
            got = await conn.run_sync(indexes)
            assert "ix_review_items_sample_due" not in got
            assert "ix_review_items_queue" in got  # only the new index went
        await migrate.upgrade(eng)
        async with eng.connect() as conn:
            assert "ix_review_items_sample_due" in await conn.run_sync(indexes)
    finally:
        await eng.dispose()
