"""Migration 0004 on a database holding fingerprints (SQLite, then PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

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
