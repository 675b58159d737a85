"""Registry branches: a partial index on the stored record's `branch_of` (PostgreSQL).

The region check (`content.region_mismatch`) needs every branch of the employer: records
whose `branch_of` is its USCC. The memory backend keeps its own map; the PostgreSQL backend
asks the database once per resolved posting, which without an index is a scan of every
record's JSON (seconds at a million records). The expression must stay identical to
`verifier.registry.lookup.BRANCH_OF_SQL`. Partial: only branches have the key, so the
index holds a few percent of the rows. SQLite only ever uses the memory backend: nothing.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_EXPR = "((record::jsonb) ->> 'branch_of')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX ix_enterprises_branch_of ON enterprises ({_EXPR}) "
            f"WHERE {_EXPR} IS NOT NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprises_branch_of")
