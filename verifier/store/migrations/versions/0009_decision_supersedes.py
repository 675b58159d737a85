"""Decisions name the decision they supersede (a resubmitted posting's previous version).

The posting itself is stored inside each decision's hashed payload (no schema change).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("supersedes", sa.String(36), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE decisions DROP COLUMN supersedes")  # SQLite 3.35+ as well
