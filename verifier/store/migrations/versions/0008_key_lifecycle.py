"""API key lifecycle: expiry, last use, rotation, and names unique per role among live keys.

Before this revision a reused name silently added a second live key. Such groups keep
working: every key of a group but the newest is marked replaced by the newest (no expiry
set), which `verifier keys list` shows, and the partial unique index can then be built.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_LIVE = "revoked_at IS NULL AND replaced_by IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("replaced_by", sa.Integer))
    op.execute(
        "UPDATE api_keys SET replaced_by = (SELECT MAX(k2.id) FROM api_keys k2 "
        "WHERE k2.role = api_keys.role AND k2.name = api_keys.name AND k2.revoked_at IS NULL) "
        "WHERE revoked_at IS NULL AND id < (SELECT MAX(k3.id) FROM api_keys k3 "
        "WHERE k3.role = api_keys.role AND k3.name = api_keys.name AND k3.revoked_at IS NULL)"
    )
    op.create_index("uq_api_keys_live_name", "api_keys", ["role", "name"], unique=True,
                    sqlite_where=sa.text(_LIVE), postgresql_where=sa.text(_LIVE))


def downgrade() -> None:
    op.drop_index("uq_api_keys_live_name", table_name="api_keys")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("replaced_by")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
