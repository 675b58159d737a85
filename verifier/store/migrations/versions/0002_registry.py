"""Enterprise registry: enterprises and their names (name, former, alias).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uscc", sa.String(18), unique=True, nullable=True),
        sa.Column("regno", sa.String(15), unique=True, nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_norm", sa.Text, nullable=False),
        sa.Column("trade_name", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("status", sa.String(32)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_enterprises_name_norm", "enterprises", ["name_norm"])
    op.create_table(
        "enterprise_names",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "enterprise_id",
            sa.Integer,
            sa.ForeignKey("enterprises.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name_norm", sa.Text, nullable=False),
        sa.Column("trade_name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_enterprise_names_name_norm", "enterprise_names", ["name_norm"])
    op.create_index("ix_enterprise_names_enterprise", "enterprise_names", ["enterprise_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_enterprises_trade_trgm ON enterprises "
            "USING gin (trade_name gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX ix_enterprise_names_trade_trgm ON enterprise_names "
            "USING gin (trade_name gin_trgm_ops)"
        )
    else:
        op.create_index("ix_enterprises_trade_name", "enterprises", ["trade_name"])
        op.create_index("ix_enterprise_names_trade_name", "enterprise_names", ["trade_name"])


def downgrade() -> None:
    op.drop_table("enterprise_names")
    op.drop_table("enterprises")
