"""Fingerprints without SQL band rows: the band index moves into each process's memory.

Drops `fingerprint_bands` (16 rows per posting, the bulk of the write cost) and, on SQLite,
rebuilds `fingerprints` with AUTOINCREMENT so that ids are never reused: every process
catches up with the table by id (`verifier.families.duplicate.lookup`). PostgreSQL's
sequence never reuses ids already.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_fingerprint_bands_fp", table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("fingerprints", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass


def _band_keys(raw: bytes, bands: int = 16, rows: int = 4) -> list[int]:
    width = rows * 4
    return [int.from_bytes(hashlib.blake2b(bytes([b]) + raw[b * width:(b + 1) * width],
                                           digest_size=8).digest(), "big", signed=True)
            for b in range(bands)]


def downgrade() -> None:
    op.create_table(
        "fingerprint_bands",
        sa.Column("band_key", sa.BigInteger, nullable=False),
        sa.Column("fingerprint_id", sa.Integer,
                  sa.ForeignKey("fingerprints.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("band_key", "fingerprint_id", name="pk_fingerprint_bands"),
    )
    op.create_index("ix_fingerprint_bands_fp", "fingerprint_bands", ["fingerprint_id"])
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, signature, size FROM fingerprints")).all()
    band_rows = [{"band_key": k, "fingerprint_id": fid}
                 for fid, sig, size in rows if size for k in _band_keys(bytes(sig))]
    if band_rows:
        conn.execute(sa.text("INSERT INTO fingerprint_bands (band_key, fingerprint_id) "
                             "VALUES (:band_key, :fingerprint_id)"), band_rows)
