"""Tables for branches, users, browser sessions and API tokens."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from ctid.storage.db import UtcDateTime, metadata

branches = Table(
    "branches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("role", String(16), nullable=False),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False, index=True),
    Column("password_hash", Text, nullable=False),
    Column("locale", String(8), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("must_change_password", Boolean, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("password_changed_at", UtcDateTime, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("address", String(64), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)

user_lines = Table(
    "user_lines",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("line", String(40), primary_key=True),
)

agent_states = Table(
    "agent_states",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("since", UtcDateTime, nullable=False),
)
"""The state an operator chose on the console (ready, break); logged out or no console open is offline."""

agent_state_log = Table(
    "agent_state_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_agent_state_log_user_at", "user_id", "at"),
)
"""Every change of an operator's state as the board shows it (ready, break, offline), from ``at`` until the
next row: time on break or ready is counted from here."""
