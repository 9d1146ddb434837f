"""Alembic environment: the connection is handed in by ``sessionary.storage.migrate``."""

from __future__ import annotations

from alembic import context

from sessionary.storage.schema_compat import record_step
from sessionary.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # One transaction per migration: an index built CONCURRENTLY commits the migration's work
    # before it (migrations/ops.py), so each migration must stand alone when it is retried.
    transaction_per_migration=True,
    on_version_apply=record_step,  # what older code may serve: storage/schema_compat.py
)
with context.begin_transaction():
    context.run_migrations()
