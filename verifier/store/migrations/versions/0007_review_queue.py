"""Review queue: priority, SLA, lease and resolution columns on review items; review events.

Existing items keep their rows; the new columns get defaults (kind `flag`, priority 0).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS: list[sa.Column[object]] = [
    sa.Column("kind", sa.String(16), nullable=False, server_default="flag"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("priority", sa.Float, nullable=False, server_default="0"),
    sa.Column("risk_score", sa.Float, nullable=False, server_default="0"),
    sa.Column("severity", sa.String(16), nullable=False, server_default="flag"),
    sa.Column("rule_ids", sa.Text, nullable=False, server_default=""),
    sa.Column("campaign", sa.String(64)),
    sa.Column("enterprise_uscc", sa.String(32)),
    sa.Column("due_at", sa.DateTime(timezone=True)),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Column("resolved_by", sa.String(128)),
    sa.Column("outcome", sa.String(16)),
    sa.Column("reason", sa.String(64)),
    sa.Column("note", sa.Text),
    sa.Column("resolution_id", sa.String(36)),
    sa.Column("superseded_by", sa.String(36)),
]


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        for col in _COLUMNS:
            batch.add_column(col)
    op.create_index("ix_review_items_queue", "review_items", ["status", "priority"])
    op.create_index("ix_review_items_posting", "review_items", ["portal", "posting_id"])
    op.create_index("ix_review_items_resolved", "review_items", ["resolved_at"])
    op.create_table(
        "review_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_review_events_item", "review_events", ["item_id", "id"])
    op.create_index("ix_review_events_at", "review_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_review_events_at", "review_events")
    op.drop_index("ix_review_events_item", "review_events")
    op.drop_table("review_events")
    op.drop_index("ix_review_items_resolved", "review_items")
    op.drop_index("ix_review_items_posting", "review_items")
    op.drop_index("ix_review_items_queue", "review_items")
    with op.batch_alter_table("review_items") as batch:
        for col in reversed(_COLUMNS):
            batch.drop_column(col.name)
