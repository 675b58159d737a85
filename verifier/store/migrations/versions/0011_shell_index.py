"""Registry sibling shells: an index on the stored record's founding date and capital.

The signals family's `sibling_shells` cue needs the records that share the employer's
founding date, registered capital and business scope. The memory backend groups them in its
own map; the PostgreSQL backend asks the database once per resolved posting, which without
an index is a scan of every record's JSON. Date and capital narrow a registry to a handful of
rows; the scope is compared in Python (`verifier.registry.siblings`). The expressions must
stay identical to `verifier.registry.lookup.ESTABLISHED_SQL` and `CAPITAL_SQL`. Partial:
records without a founding date are nobody's sibling. SQLite only ever uses the memory
backend: nothing.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_DATE = "((record::jsonb) ->> 'established')"
_CAPITAL = "(((record::jsonb) ->> 'capital_cny')::numeric)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX ix_enterprises_shell ON enterprises ({_DATE}, {_CAPITAL}) "
            f"WHERE {_DATE} IS NOT NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprises_shell")
