"""Alembic environment: runs on the connection handed in by `verifier.store.migrate`."""

from __future__ import annotations

from alembic import context

from verifier.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
