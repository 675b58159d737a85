"""Posting fingerprints for near-duplicate detection and their LSH band index.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fingerprints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("portal", sa.String(64), nullable=False),
        sa.Column("posting_id", sa.String(128), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("employer_key", sa.Text, nullable=False),
        sa.Column("uscc", sa.String(40)),
        sa.Column("title_key", sa.Text, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("pay_min", sa.Float),
        sa.Column("pay_max", sa.Float),
        sa.Column("city", sa.Text),
        sa.Column("headcount", sa.Integer),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("portal", "posting_id", name="uq_fingerprints_portal_posting"),
    )
    op.create_table(
        "fingerprint_bands",
        sa.Column("band_key", sa.BigInteger, nullable=False),
        sa.Column(
            "fingerprint_id",
            sa.Integer,
            sa.ForeignKey("fingerprints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("band_key", "fingerprint_id", name="pk_fingerprint_bands"),
    )
    op.create_index("ix_fingerprint_bands_fp", "fingerprint_bands", ["fingerprint_id"])


def downgrade() -> None:
    op.drop_table("fingerprint_bands")
    op.drop_table("fingerprints")
