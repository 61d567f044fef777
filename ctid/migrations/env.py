"""Alembic environment: ctid hands in an open connection (see ctid.storage.db.upgrade)."""

from alembic import context

from ctid.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
