"""Prospect tables (潜客): the dealer's base data (``crm_options``), prospects and their follow-up visits.

``crm_options`` holds every editable list of values (levels, sources, competitor models ...) in one table
keyed by ``kind``: a new list is a new kind, not a new table. Prospects keep the option's text, not its id,
so renaming or retiring an option never rewrites what a prospect was registered with.
"""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ctid.storage.db import UtcDateTime, metadata

crm_options = Table(
    "crm_options",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("value", String(64), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("kind", "value", name="uq_crm_options_kind_value"),
)

prospects = Table(
    "prospects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("phone_e164", String(20), nullable=True),
    Column("level", String(64), nullable=False, server_default=""),
    Column("source", String(64), nullable=False, server_default=""),
    Column("industry", String(64), nullable=False, server_default=""),
    Column("desired_model", String(64), nullable=False, server_default=""),
    Column("competitor_model", String(64), nullable=False, server_default=""),
    Column("focus_points", Text, nullable=False, server_default=""),  # one a line
    Column("status", String(16), nullable=False, server_default="registered"),
    Column("lost_reason", String(64), nullable=False, server_default=""),
    Column("assigned_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("reviewed_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("reviewed_at", UtcDateTime, nullable=True),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="SET NULL"), nullable=True),
    Column("notes", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_prospects_branch_id_status", "branch_id", "status"),
    Index("ix_prospects_assigned_user_id_status", "assigned_user_id", "status"),
    Index("ix_prospects_phone_e164", "phone_e164"),
)

prospect_visits = Table(
    "prospect_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("prospect_id", Integer, ForeignKey("prospects.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("channel", String(16), nullable=False, server_default=""),
    Column("content", Text, nullable=False, server_default=""),
    Column("next_on", Date, nullable=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index("ix_prospect_visits_prospect_id_at", "prospect_id", "at"),
)
