"""The audit log table: append-only."""

from sqlalchemy import Column, Integer, String, Table, Text

from ctid.storage.db import UtcDateTime, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("actor_id", Integer, nullable=True, index=True),
    Column("actor_name", String(64), nullable=False),
    Column("address", String(64), nullable=False, server_default=""),
    Column("action", String(64), nullable=False, index=True),
    Column("entity_type", String(32), nullable=False, index=True),
    Column("entity_id", String(64), nullable=False, server_default=""),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
)
