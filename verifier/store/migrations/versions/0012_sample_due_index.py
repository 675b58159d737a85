"""Review queue: an index on the spot checks the sweeper raises when they pass their SLA.

The lease sweeper of every instance looks, each round, for open spot checks past their due
time (`kind = 'sample' AND status IN ('pending', 'claimed') AND due_at <= now`, see
`verifier.review.escalation`) and raises them in batches ordered by `due_at`. Without an
index that is a scan of every item ever reviewed; with one on (kind, status, due_at) it is a
range read of the open spot checks that are due. Plain, not partial: the query binds its
constants as parameters, which a partial index's predicate cannot be matched against.
Both SQLite and PostgreSQL.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_review_items_sample_due", "review_items", ["kind", "status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_review_items_sample_due", table_name="review_items")
